/**
 * Which claims a caller may read (@cfund/domain's `readableClaims`, the rule `canRead` applies
 * to a single claim), as a SQL condition over the `claims` (or `claim_deadlines`) columns
 * `jurisdiction` and `filed_by`. The read model keeps no assignments: a lawyer's claims here
 * are those they filed.
 */
import { readableClaims, type Principal } from '@cfund/domain';

export interface Visibility {
  where: string;
  params: string[];
}

export function visibleClaims(p: Principal): Visibility {
  const readable = readableClaims(p);
  if (!readable.allowed) throw readable.error;
  if (readable.all) return { where: '1 = 1', params: [] };
  const parts: string[] = [];
  const params: string[] = [];
  if (readable.jurisdictions.length > 0) {
    parts.push(`jurisdiction IN (${readable.jurisdictions.map(() => '?').join(', ')})`);
    params.push(...readable.jurisdictions);
  }
  if (readable.lawyer !== null) {
    parts.push('filed_by = ?');
    params.push(readable.lawyer);
  }
  return { where: `(${parts.join(' OR ')})`, params };
}
