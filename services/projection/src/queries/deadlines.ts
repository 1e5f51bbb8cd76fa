/** Upcoming deadlines of the claims the caller may read (application, appeal, instalments, requests for information). */
import type { Jurisdiction } from '@cfund/contracts';
import { localDateOf, schemes, type Principal } from '@cfund/domain';
import type { ReadModelStore } from '../read-model/store.js';
import { visibleClaims } from './visibility.js';

export interface DeadlineItem {
  claimId: string;
  publicReference: string | null;
  jurisdiction: string;
  kind: string;
  dueOn: string;
  instalment: number | null;
  /** The number of the request for information (kind `information-request`). */
  request: number | null;
  /** The day is over in the jurisdiction's time zone. */
  overdue: boolean;
}

/** Today as a local date in the jurisdiction's time zone (from its newest scheme). */
export function todayIn(jurisdiction: string, now: Date): string {
  const versions = schemes.versionsOf(jurisdiction as Jurisdiction);
  const zone = versions.at(-1)?.timeZone ?? 'UTC';
  return localDateOf(now.toISOString(), zone);
}

export function deadlines(store: ReadModelStore, p: Principal, f: { before?: string; kind?: string; limit: number }, now: Date): DeadlineItem[] {
  const v = visibleClaims(p, 'd');
  const where = [v.where];
  const params: (string | number)[] = [...v.params];
  if (f.before) { where.push('d.due_on <= ?'); params.push(f.before); }
  if (f.kind) { where.push('d.kind = ?'); params.push(f.kind); }
  const rows = store.db.prepare(`SELECT d.claim_id, d.kind, d.instalment, d.due_on, d.jurisdiction, c.public_reference
    FROM claim_deadlines d JOIN claims c ON c.claim_id = d.claim_id
    WHERE ${where.join(' AND ')} ORDER BY d.due_on, d.claim_id, d.instalment LIMIT ?`).all(...params, f.limit) as
    { claim_id: string; kind: string; instalment: number; due_on: string; jurisdiction: string; public_reference: string | null }[];
  const today = new Map<string, string>();
  return rows.map((r) => {
    if (!today.has(r.jurisdiction)) today.set(r.jurisdiction, todayIn(r.jurisdiction, now));
    return {
      claimId: r.claim_id, publicReference: r.public_reference, jurisdiction: r.jurisdiction, kind: r.kind, dueOn: r.due_on,
      instalment: r.kind === 'instalment' ? r.instalment : null, request: r.kind === 'information-request' ? r.instalment : null, overdue: r.due_on < today.get(r.jurisdiction)!,
    };
  });
}
