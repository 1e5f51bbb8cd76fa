/** The claims list and a claim's detail, from the read model. */
import { beyondBounds, boundedMinor, canRead, type Principal } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import type { ClaimDetailView } from '../read-model/claim-detail.js';
import type { ClaimRowValues } from '../read-model/claim-record.js';
import { moneyBeyondBounds } from '../read-model/claim-view.js';
import type { ReadModelStore } from '../read-model/store.js';
import { claimAccessOf, visibleClaims } from './visibility.js';

/** A `claims` row as the queries read it: a filed claim's (jurisdiction and filer known), with its id. */
export type ClaimRow = Omit<ClaimRowValues, 'jurisdiction' | 'filed_by' | 'search_text'> & { claim_id: string; jurisdiction: string; filed_by: string };

export function summaryOf(r: ClaimRow) {
  // Rows projected before the bounds may hold figures beyond the exact range: held within it.
  const figures = [r.claimed_minor, r.awarded_minor, r.paid_minor, r.outstanding_minor].map(boundedMinor) as [number, number, number, number];
  return {
    claimId: r.claim_id, publicReference: r.public_reference, jurisdiction: r.jurisdiction, status: r.status,
    filedBy: r.filed_by, filedAt: r.filed_at, updatedAt: r.updated_at, revision: r.revision, currency: r.currency,
    claimedMinor: figures[0], awardedMinor: figures[1], paidMinor: figures[2], outstandingMinor: figures[3],
    /** A figure of this answer passed MAX_SUM_MINOR: stored amounts beyond today's bounds (held at 2^53 - 1 at most). */
    amountsBeyondBounds: figures.some(beyondBounds),
  };
}
export type ClaimSummary = ReturnType<typeof summaryOf>;

/** The orders of the list, by filing. */
export const CLAIM_ORDERS = ['newest', 'oldest'] as const;
// Oldest is newest read backwards: both walk the same indexes (filed_at DESC, claim_id).
const ORDER_BY: Record<(typeof CLAIM_ORDERS)[number], string> = { newest: 'filed_at DESC, claim_id', oldest: 'filed_at ASC, claim_id DESC' };

export interface ListFilter {
  sort?: (typeof CLAIM_ORDERS)[number];
  status?: string;
  jurisdiction?: string;
  text?: string;
  limit: number;
  offset: number;
}

export function listClaims(store: ReadModelStore, p: Principal, f: ListFilter): { items: ClaimSummary[]; total: number; limit: number; offset: number } {
  const v = visibleClaims(p);
  const where = [v.where];
  const params: (string | number)[] = [...v.params];
  if (f.status) { where.push('status = ?'); params.push(f.status); }
  if (f.jurisdiction) { where.push('jurisdiction = ?'); params.push(f.jurisdiction); }
  if (f.text) {
    const text = f.text.toLowerCase();
    // The trigram index finds the claims holding every trigram of the text (3 characters or
    // more); instr keeps the exact meaning: a substring of the lower-cased search text.
    const trigrams = trigramsOf(text);
    if (trigrams.length > 0) {
      where.push('rowid IN (SELECT rowid FROM claim_search WHERE claim_search MATCH ?)');
      params.push(trigrams.map((g) => `"${g.replaceAll('"', '""')}"`).join(' AND '));
    }
    where.push('instr(search_text, ?) > 0');
    params.push(text);
  }
  const clause = where.join(' AND ');
  const total = (store.db.prepare(`SELECT count(*) AS n FROM claims WHERE ${clause}`).get(...params) as { n: number }).n;
  const rows = store.db.prepare(`SELECT * FROM claims WHERE ${clause} ORDER BY ${ORDER_BY[f.sort ?? 'newest']} LIMIT ? OFFSET ?`)
    .all(...params, f.limit, f.offset) as ClaimRow[];
  return { items: rows.map(summaryOf), total, limit: f.limit, offset: f.offset };
}

/** The distinct 3-character windows of a text (by code point), as the trigram tokenizer cuts it. */
function trigramsOf(text: string): string[] {
  const chars = [...text];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 1) out.add(chars.slice(i, i + 3).join(''));
  return [...out];
}

export function claimRow(store: ReadModelStore, claimId: string): ClaimRow | undefined {
  return store.db.prepare('SELECT * FROM claims WHERE claim_id = ?').get(claimId) as ClaimRow | undefined;
}

export const notFound = (claimId: string): HttpProblem =>
  new HttpProblem(404, 'Not Found', `No claim ${claimId} (or not yet in the read model).`, { code: 'claim-not-found' });

/**
 * The claim's row if the caller may read it. 403 for a role that sees no claim at all, whichever
 * the id; 404 both when the claim is unknown and when the caller may not read it (another
 * lawyer's, another jurisdiction's): whether it exists is not theirs to learn.
 */
export function readableClaim(store: ReadModelStore, p: Principal, claimId: string): ClaimRow {
  visibleClaims(p);
  const row = claimRow(store, claimId);
  if (!row) throw notFound(claimId);
  const allowed = canRead(p, claimAccessOf(store, claimId, row.jurisdiction));
  if (!allowed.allowed) throw notFound(claimId);
  return row;
}

export function claimDetail(row: ClaimRow) {
  const d = JSON.parse(row.detail) as ClaimDetailView;
  const summary = summaryOf(row);
  return {
    ...summary,
    amountsBeyondBounds: summary.amountsBeyondBounds || moneyBeyondBounds(d.money),
    schemeVersion: row.scheme_version, formOfExploitation: row.form_of_exploitation, applicantRole: row.applicant_role,
    victimRef: row.victim_ref, incidentOn: d.incidentOn,
    personalData: { erased: d.personalDataErased, href: `/claims/${row.claim_id}/personal-data` },
    money: d.money,
    moneyByHead: d.moneyByHead,
    deadlines: d.deadlines,
    court: d.court,
    fund: d.fund,
    evidence: d.evidence,
    lawyers: d.lawyers, assessor: d.assessor, documents: d.documents,
    payee: d.payee,
    onHoldForInformation: d.onHoldForInformation, informationRequests: d.informationRequests,
  };
}
export type ClaimDetail = ReturnType<typeof claimDetail>;

export function claimHistory(store: ReadModelStore, claimId: string) {
  const rows = store.db.prepare(`SELECT revision, event_id, type, occurred_at, recorded_at, actor, hash, prev_hash
    FROM claim_history WHERE claim_id = ? ORDER BY revision`).all(claimId) as {
      revision: number; event_id: string; type: string; occurred_at: string; recorded_at: string; actor: string | null; hash: string | null; prev_hash: string | null;
    }[];
  return rows.map((r) => ({
    revision: r.revision, eventId: r.event_id, type: r.type, occurredAt: r.occurred_at, recordedAt: r.recorded_at,
    actor: r.actor, hash: r.hash, prevHash: r.prev_hash,
  }));
}
