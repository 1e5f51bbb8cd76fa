/**
 * Every recorded read of victims' personal data, across claims, newest first: so that auditors
 * (and the data-protection officer, within their jurisdictions) can list who saw whose data, by
 * reader, claim or period.
 */
import type { Jurisdiction } from '@cfund/contracts';
import type { ReadModelStore } from '../read-model/store.js';

export interface PersonalDataReadFilter {
  /** Only reads of the claims of these jurisdictions (all when absent). */
  jurisdictions?: readonly Jurisdiction[];
  accessedBy?: string;
  claimId?: string;
  /** ISO instants, inclusive. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export interface PersonalDataRead {
  claimId: string;
  victimRef: string;
  accessedBy: string;
  roles: string[];
  accessedAt: string;
  purpose: string;
}

interface Row { claim_id: string; victim_ref: string; accessed_by: string; roles: string; accessed_at: string; purpose: string }

export function personalDataReads(store: ReadModelStore, f: PersonalDataReadFilter): { items: PersonalDataRead[]; total: number } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.jurisdictions !== undefined) {
    where.push(`claim_id IN (SELECT claim_id FROM claims WHERE jurisdiction IN (${f.jurisdictions.map(() => '?').join(', ')}))`);
    params.push(...f.jurisdictions);
  }
  if (f.accessedBy !== undefined) { where.push('accessed_by = ?'); params.push(f.accessedBy); }
  if (f.claimId !== undefined) { where.push('claim_id = ?'); params.push(f.claimId); }
  if (f.from !== undefined) { where.push('accessed_at >= ?'); params.push(new Date(f.from).toISOString()); }
  if (f.to !== undefined) { where.push('accessed_at <= ?'); params.push(new Date(f.to).toISOString()); }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = (store.db.prepare(`SELECT count(*) AS n FROM personal_data_reads ${clause}`).get(...params) as { n: number }).n;
  const rows = store.db.prepare(`SELECT claim_id, victim_ref, accessed_by, roles, accessed_at, purpose FROM personal_data_reads ${clause}
    ORDER BY accessed_at DESC, stream_id, revision LIMIT ? OFFSET ?`).all(...params, f.limit, f.offset) as Row[];
  return {
    total,
    items: rows.map((r) => ({
      claimId: r.claim_id, victimRef: r.victim_ref, accessedBy: r.accessed_by, roles: JSON.parse(r.roles) as string[], accessedAt: r.accessed_at, purpose: r.purpose,
    })),
  };
}
