/**
 * Which claims a caller may read (@cfund/domain's `readableClaims`, the rule `canRead` applies
 * to a single claim), as a SQL condition over a table with the columns `jurisdiction` and
 * `claim_id` (`claims`, `claim_deadlines`), named by `table` when a query joins several. A
 * lawyer's claims are those they lead or are co-counsel on (`claim_assignments`), of the
 * jurisdictions of their token (`readableClaims` says so; `lawyerClaims` is its SQL).
 */
import { readableClaims, type ClaimAccess, type Principal } from '@cfund/domain';
import type { Jurisdiction } from '@cfund/contracts';
import type { ReadModelStore } from '../read-model/store.js';

export interface Visibility {
  where: string;
  params: string[];
}

/**
 * The claims a lawyer acts on (lead or co-counsel, in a jurisdiction of their token: the domain's
 * `readableClaims`), as a subquery of claim ids with its parameters.
 */
export function lawyerClaims(lawyer: Pick<Principal, 'sub' | 'jurisdictions'>): Visibility {
  if (lawyer.jurisdictions.length === 0) return { where: 'SELECT NULL WHERE 0', params: [] };
  return {
    where: `SELECT a.claim_id FROM claim_assignments a JOIN claims c ON c.claim_id = a.claim_id
      WHERE a.person = ? AND a.role IN ('lead', 'co-counsel') AND c.jurisdiction IN (${lawyer.jurisdictions.map(() => '?').join(', ')})`,
    params: [lawyer.sub, ...lawyer.jurisdictions],
  };
}

export function visibleClaims(p: Principal, table?: string): Visibility {
  const col = (name: string) => (table === undefined ? name : `${table}.${name}`);
  const readable = readableClaims(p);
  if (!readable.allowed) throw readable.error;
  if (readable.all) return { where: '1 = 1', params: [] };
  const parts: string[] = [];
  const params: string[] = [];
  if (readable.jurisdictions.length > 0) {
    parts.push(`${col('jurisdiction')} IN (${readable.jurisdictions.map(() => '?').join(', ')})`);
    params.push(...readable.jurisdictions);
  }
  if (readable.lawyer !== null) {
    const own = lawyerClaims(readable.lawyer);
    parts.push(`${col('claim_id')} IN (${own.where})`);
    params.push(...own.params);
  }
  return { where: `(${parts.join(' OR ')})`, params };
}

/** What authorization needs to know about a claim of the read model (the domain's `ClaimAccess`). */
export function claimAccessOf(store: ReadModelStore, claimId: string, jurisdiction: string): ClaimAccess {
  const people = store.db.prepare('SELECT role, person FROM claim_assignments WHERE claim_id = ?').all(claimId) as { role: string; person: string }[];
  const of = (role: string) => people.filter((a) => a.role === role).map((a) => a.person);
  return { jurisdiction: jurisdiction as Jurisdiction, leadLawyer: of('lead')[0] ?? '', assignedLawyers: of('co-counsel'), assessor: of('assessor')[0] };
}
