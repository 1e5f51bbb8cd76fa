/**
 * Two read models of one row per event, pure: `claim_history` (every claim event: type, when,
 * who, revision and its place in the hash chain, for GET /claims/{id}/history; and its data as
 * stored, personal data inside its encrypted envelope as in the event store, for the as-of replay
 * of `queries/replay.ts`) and
 * `personal_data_reads` (every PersonalDataAccessed of an `access-<claimId>` stream, for the
 * auditors' list).
 */
import { parseEvent } from '@cfund/contracts';
import type { StoredEvent } from '@cfund/messaging';
import { eventTimeOf, isoInstant, type ShownMetadata } from '../envelope.js';

/** claim_history's columns, in the order of a `HistoryRow`. */
export const HISTORY_COLUMNS = ['claim_id', 'revision', 'event_id', 'type', 'occurred_at', 'recorded_at', 'actor', 'hash', 'prev_hash', 'data'] as const;

/** A claim_history row in the order of HISTORY_COLUMNS (`data`: the event's data as stored, JSON). */
export type HistoryRow = [string, number, string, string, string, string, string | null, string | null, string | null, string];

/** The history row of a claim event (`meta`: its shown metadata, and `at` its time, when the caller has them already). */
export function historyRow(claimId: string, e: StoredEvent, meta: ShownMetadata, at = eventTimeOf(meta, e.created)): HistoryRow {
  return [claimId, e.revision, e.eventId, e.type, at, isoInstant(e.created), meta.actor ?? null, meta.hash ?? null, meta.prevHash ?? null, JSON.stringify(e.data)];
}

/** A personal_data_reads row in column order: stream_id, revision, claim_id, victim_ref, accessed_by, roles, accessed_at, purpose. */
export type PersonalDataReadRow = [string, number, string, string, string, string, string, string];

/** The row of a read of a victim's personal data; undefined for any other event. */
export function personalDataReadRow(e: StoredEvent): PersonalDataReadRow | undefined {
  if (e.type !== 'PersonalDataAccessed') return undefined;
  const event = parseEvent(e.type, e.data);
  if (event.type !== 'PersonalDataAccessed') return undefined;
  const d = event.data;
  return [e.streamId, e.revision, d.claimId, d.victimRef, d.accessedBy, JSON.stringify(d.roles), d.accessedAt, d.purpose];
}
