/**
 * Applies one event to the read model, in ONE SQLite transaction together with the stream's
 * last applied revision. An event whose revision is at or below the applied one changes nothing
 * (redelivery, a relay failover's duplicate, a replay), so nothing is ever counted twice. A
 * revision beyond the next one means events of the stream are missing here: `StreamGapError`,
 * which the runner repairs by reading the missing events from EventStoreDB.
 *
 * States come from the domain's own folds (`evolve` of the claim decider, `evolveLedger`) over
 * events validated and upcast by `parseEvent` of @cfund/contracts.
 */
import {
  STREAM_CATEGORIES, claimIdOfStream, claimStream, isClaimEventType, isKnownEventType, parseEvent, streamCategory,
  type ClaimEvent, type EncryptedPersonalData, type FundEvent,
} from '@cfund/contracts';
import { evolve, evolveLedger, initialLedgerState, initialState, type ClaimState, type LedgerState } from '@cfund/domain';
import type { Statement } from 'better-sqlite3';
import type { StoredEvent } from '@cfund/messaging';
import { eventTimeOf, isoInstant, shownMetadata } from '../envelope.js';
import { initialFacts, recordFacts, type ClaimFacts } from './claim-facts.js';
import { claimDeadlines, claimMoney } from './claim-view.js';
import type { ReadModelStore } from './store.js';

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

/** Events of the stream before this one have not been applied. */
export class StreamGapError extends Error {
  override readonly name = 'StreamGapError';
  constructor(readonly streamId: string, readonly lastApplied: number, readonly revision: number) {
    super(`stream ${streamId}: revision ${revision} arrived but only up to ${lastApplied} is applied`);
  }
}

/** Streams the read model projects; any other category (idempotency records, access logs, ...) is ignored. */
const PROJECTED = new Set<string>([STREAM_CATEGORIES.claim, STREAM_CATEGORIES.fund, STREAM_CATEGORIES.access]);

interface ClaimRow { state: string; facts: string; personal_data: string | null; form_of_exploitation: string | null; applicant_role: string | null }

/** A claim as the projector keeps it between its row and the next event. */
interface ClaimEntry {
  claimId: string;
  revision: number;
  updatedAt: string;
  state: ClaimState;
  facts: ClaimFacts;
  personalData: EncryptedPersonalData | null;
  formOfExploitation: string | null;
  applicantRole: string | null;
  /** Its row is in the table (and in the search index): writing it replaces them. */
  stored: boolean;
}

interface FundYearEntry { jurisdiction: string; year: number; revision: number; state: LedgerState }

/**
 * Rows held back while many events are applied in one transaction (a rebuild): a claim's row is
 * written when it has not been touched for a while (the least recently touched beyond
 * HELD_CLAIMS) or at the end, so most claims are written once, and memory stays bounded however
 * long `$all` is; the values are those event-by-event application gives.
 */
interface Batch {
  /** In order of last touch (oldest first). */
  claims: Map<string, ClaimEntry>;
  funds: Map<string, FundYearEntry>;
  applied: Map<string, number>;
  /** History rows not yet written, in the order applied (the table keeps that order). */
  history: HistoryRow[];
}

/** Claims a batch holds back at most; beyond it the least recently touched quarter is written. */
const HELD_CLAIMS = 4096;
/** History rows a batch writes at a time. */
const HISTORY_ROWS_PER_WRITE = 1024;

/** A claim_history row in column order: claim_id, revision, event_id, type, occurred_at, recorded_at, actor, hash, prev_hash. */
type HistoryRow = [string, number, string, string, string, string, string | null, string | null, string | null];

/** The columns of a claim's row after its id, in the order `writeClaim` gives their values. */
const CLAIM_COLUMNS = ['revision', 'public_reference', 'jurisdiction', 'scheme_version', 'currency', 'status', 'filed_by', 'filed_at',
  'updated_at', 'victim_ref', 'form_of_exploitation', 'applicant_role', 'claimed_minor', 'awarded_minor', 'paid_minor',
  'outstanding_minor', 'search_text', 'personal_data', 'state', 'facts'] as const;

/** CLAIM_COLUMNS' values, then the claim id. */
type ClaimValues = (string | number | null)[];

/** History rows per INSERT statement in a batch (9 columns each, well under SQLite's 32,766 variables). */
const HISTORY_ROWS_PER_INSERT = 64;

const byKey = <V>(entries: Iterable<[string, V]>): [string, V][] => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export class Projector {
  private readonly stmt: {
    applied: Statement<[string], { revision: number }>;
    setApplied: Statement<[string, number]>;
    claim: Statement<[string], ClaimRow>;
    insertClaim: Statement<ClaimValues>;
    updateClaim: Statement<ClaimValues, { rowid: number }>;
    unindexClaim: Statement<[number]>;
    indexClaim: Statement<[number, string]>;
    deleteDeadlines: Statement<[string]>;
    insertDeadline: Statement<[string, string, number, string, string, string]>;
    insertHistory: Statement<HistoryRow>;
    insertHistoryMany: Statement<[(string | number | null)[]]>;
    fundYear: Statement<[string], { state: string }>;
    upsertFundYear: Statement<[string, string, number, number, string]>;
    insertRead: Statement<[string, number, string, string, string, string, string, string]>;
  };

  private readonly applyTx: (e: StoredEvent) => ApplyOutcome;
  private batch: Batch | undefined;

  private readonly heldClaims: number;

  /** `heldClaims`: how many claims a batch holds back at most (HELD_CLAIMS; smaller in tests). */
  constructor(readonly store: ReadModelStore, options: { heldClaims?: number } = {}) {
    this.heldClaims = Math.max(4, options.heldClaims ?? HELD_CLAIMS);
    const db = store.db;
    this.stmt = {
      applied: db.prepare('SELECT revision FROM applied WHERE stream_id = ?'),
      setApplied: db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision'),
      claim: db.prepare('SELECT state, facts, personal_data, form_of_exploitation, applicant_role FROM claims WHERE claim_id = ?'),
      insertClaim: db.prepare<ClaimValues>(`INSERT INTO claims (${CLAIM_COLUMNS.join(', ')}, claim_id) VALUES (${CLAIM_COLUMNS.map(() => '?').join(', ')}, ?)`),
      updateClaim: db.prepare<ClaimValues, { rowid: number }>(`UPDATE claims SET ${CLAIM_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE claim_id = ? RETURNING rowid`),
      unindexClaim: db.prepare('DELETE FROM claim_search WHERE rowid = ?'),
      indexClaim: db.prepare('INSERT INTO claim_search (rowid, search_text) VALUES (?, ?)'),
      deleteDeadlines: db.prepare('DELETE FROM claim_deadlines WHERE claim_id = ?'),
      insertDeadline: db.prepare('INSERT INTO claim_deadlines (claim_id, kind, instalment, due_on, jurisdiction, filed_by) VALUES (?, ?, ?, ?, ?, ?)'),
      insertHistory: db.prepare(`INSERT INTO claim_history (claim_id, revision, event_id, type, occurred_at, recorded_at, actor, hash, prev_hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertHistoryMany: db.prepare<[(string | number | null)[]]>(`INSERT INTO claim_history (claim_id, revision, event_id, type, occurred_at, recorded_at, actor, hash, prev_hash)
        VALUES ${Array.from({ length: HISTORY_ROWS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`),
      fundYear: db.prepare('SELECT state FROM fund_years WHERE stream_id = ?'),
      upsertFundYear: db.prepare(`INSERT INTO fund_years (stream_id, jurisdiction, year, revision, state) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, state = excluded.state`),
      insertRead: db.prepare(`INSERT OR IGNORE INTO personal_data_reads (stream_id, revision, claim_id, victim_ref, accessed_by, roles, accessed_at, purpose)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    this.applyTx = db.transaction((e: StoredEvent) => this.applyInTransaction(e));
  }

  /** The last revision applied of a stream, or -1. */
  lastApplied(streamId: string): number {
    return this.batch?.applied.get(streamId) ?? this.stmt.applied.get(streamId)?.revision ?? -1;
  }

  /** Whether the read model projects this stream (others are ignored, their revisions not kept). */
  projects(streamId: string): boolean {
    return PROJECTED.has(streamCategory(streamId));
  }

  /** Applies one event (see the module comment). Throws StreamGapError, or the event's validation error. */
  apply(envelope: StoredEvent): ApplyOutcome {
    if (!this.projects(envelope.streamId)) return 'ignored';
    // In a batch the caller's transaction holds everything: no savepoint per event.
    return this.batch ? this.applyInTransaction(envelope) : this.applyTx(envelope);
  }

  /**
   * Holds rows back until `endBatch` (call both inside one transaction the caller owns): for a
   * rebuild, where writing every claim's row at every one of its events cost most of the time.
   */
  beginBatch(): void {
    if (!this.store.db.inTransaction) throw new Error('beginBatch needs a transaction');
    this.batch = { claims: new Map(), funds: new Map(), applied: new Map(), history: [] };
  }

  /**
   * Writes the rows held back (still inside the caller's transaction), claims and the small tables
   * in key order (each B-tree page touched once).
   */
  endBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.writeHeldClaims(batch.claims.size);
    this.batch = undefined;
    this.writeHistory(batch.history);
    for (const [streamId, f] of byKey(batch.funds)) this.stmt.upsertFundYear.run(streamId, f.jurisdiction, f.year, f.revision, JSON.stringify(f.state));
    for (const [streamId, revision] of byKey(batch.applied)) this.stmt.setApplied.run(streamId, revision);
  }

  /** Writes the `count` least recently touched claims of the batch (in key order) and lets them go. */
  private writeHeldClaims(count: number): void {
    const batch = this.batch!;
    const oldest: [string, ClaimEntry][] = [];
    for (const held of batch.claims) {
      if (oldest.length === count) break;
      oldest.push(held);
    }
    for (const [claimId, entry] of byKey(oldest)) {
      this.writeClaim(entry);
      batch.claims.delete(claimId);
      // Its stream's revision goes with it (lastApplied then finds it in the table).
      const streamId = claimStream(claimId);
      const revision = batch.applied.get(streamId);
      if (revision !== undefined) {
        this.stmt.setApplied.run(streamId, revision);
        batch.applied.delete(streamId);
      }
    }
  }

  /** History rows, many per statement. */
  private writeHistory(rows: HistoryRow[]): void {
    const values: (string | number | null)[] = [];
    for (const row of rows) {
      for (const v of row) values.push(v);
      if (values.length === HISTORY_ROWS_PER_INSERT * 9) {
        this.stmt.insertHistoryMany.run(values);
        values.length = 0;
      }
    }
    for (let i = 0; i < values.length; i += 9) this.stmt.insertHistory.run(...(values.slice(i, i + 9) as HistoryRow));
    rows.length = 0;
  }

  /** Drops the rows held back (the caller rolls its transaction back). */
  abandonBatch(): void {
    this.batch = undefined;
  }

  private applyInTransaction(e: StoredEvent): ApplyOutcome {
    const last = this.lastApplied(e.streamId);
    if (e.revision <= last) return 'duplicate';
    if (e.revision !== last + 1) throw new StreamGapError(e.streamId, last, e.revision);
    const category = streamCategory(e.streamId);
    if (category === STREAM_CATEGORIES.claim && isClaimEventType(e.type)) this.applyClaimEvent(e);
    else if (category === STREAM_CATEGORIES.fund && isKnownEventType(e.type) && !isClaimEventType(e.type)) this.applyFundEvent(e);
    else if (category === STREAM_CATEGORIES.access && e.type === 'PersonalDataAccessed') this.applyRead(e);
    // Any other event still advances the revision: the next one must not look like a gap.
    if (this.batch) this.batch.applied.set(e.streamId, e.revision);
    else this.stmt.setApplied.run(e.streamId, e.revision);
    return 'applied';
  }

  private claimEntry(claimId: string): ClaimEntry | undefined {
    const held = this.batch?.claims.get(claimId);
    if (held) return held;
    const row = this.stmt.claim.get(claimId);
    if (!row) return undefined;
    return {
      claimId, revision: -1, updatedAt: '', state: JSON.parse(row.state) as ClaimState, facts: JSON.parse(row.facts) as ClaimFacts,
      personalData: row.personal_data ? JSON.parse(row.personal_data) as EncryptedPersonalData : null,
      formOfExploitation: row.form_of_exploitation, applicantRole: row.applicant_role, stored: true,
    };
  }

  private applyClaimEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as ClaimEvent;
    const claimId = claimIdOfStream(e.streamId)!;
    const before = this.claimEntry(claimId);
    const meta = shownMetadata(e.metadata);
    const at = eventTimeOf(meta, e.created);
    const filed = event.type === 'ClaimFiled' ? event.data : undefined;
    const entry: ClaimEntry = {
      claimId, revision: e.revision, updatedAt: at,
      state: evolve(before?.state ?? initialState(), event),
      facts: recordFacts(before?.facts ?? initialFacts(), event, at),
      personalData: filed ? filed.personalData : before?.personalData ?? null,
      formOfExploitation: filed ? filed.formOfExploitation : before?.formOfExploitation ?? null,
      applicantRole: filed ? filed.applicantRole : before?.applicantRole ?? null,
      stored: before?.stored ?? false,
    };
    const row: HistoryRow = [claimId, e.revision, e.eventId, e.type, at, isoInstant(e.created), meta.actor ?? null, meta.hash ?? null, meta.prevHash ?? null];
    const batch = this.batch;
    if (!batch) {
      this.writeClaim(entry);
      this.stmt.insertHistory.run(...row);
      return;
    }
    // Re-inserted: the map's order is the order of last touch.
    batch.claims.delete(claimId);
    batch.claims.set(claimId, entry);
    if (batch.claims.size > this.heldClaims) this.writeHeldClaims(Math.floor(this.heldClaims / 4));
    batch.history.push(row);
    if (batch.history.length === HISTORY_ROWS_PER_WRITE) this.writeHistory(batch.history);
  }

  /** The claim's row, its search text and its deadlines, as of the entry's last event. */
  private writeClaim(entry: ClaimEntry): void {
    const { claimId, state } = entry;
    const money = claimMoney(state);
    const text = [claimId, state.publicReference, state.filedBy, ...state.court.proceedings.flatMap((p) => [p.court, p.caseNumber]),
      ...state.court.rulings.flatMap((r) => [r.court, r.caseNumber])].filter(Boolean).join(' ').toLowerCase();
    // Positional values and a plain INSERT for a new claim (most of a rebuild's): binding by name
    // and INSERT .. ON CONFLICT .. RETURNING cost four times as much per row.
    const values: ClaimValues = [entry.revision, state.publicReference ?? null, state.jurisdiction ?? null, state.schemeVersion ?? null,
      state.currency ?? null, state.status, state.filedBy ?? null, state.filedAt ?? null, entry.updatedAt, state.victimRef ?? null,
      entry.formOfExploitation, entry.applicantRole, money.claimed, money.awarded, money.paid, money.outstanding, text,
      entry.personalData ? JSON.stringify(entry.personalData) : null, JSON.stringify(state), JSON.stringify(entry.facts), claimId];
    if (entry.stored) {
      // Its row, search text and deadlines are replaced.
      const { rowid } = this.stmt.updateClaim.get(...values)!;
      this.stmt.unindexClaim.run(rowid);
      this.stmt.indexClaim.run(rowid, text);
      this.stmt.deleteDeadlines.run(claimId);
    } else {
      this.stmt.indexClaim.run(Number(this.stmt.insertClaim.run(...values).lastInsertRowid), text);
    }
    if (state.jurisdiction && state.filedBy) {
      for (const d of claimDeadlines(state)) {
        this.stmt.insertDeadline.run(claimId, d.kind, d.instalment ?? 0, d.dueOn, state.jurisdiction, state.filedBy);
      }
    }
  }

  /** A read of a victim's personal data (stream access-<claimId>): one row, for the auditors' list. */
  private applyRead(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data);
    if (event.type !== 'PersonalDataAccessed') return;
    const d = event.data;
    this.stmt.insertRead.run(e.streamId, e.revision, d.claimId, d.victimRef, d.accessedBy, JSON.stringify(d.roles), d.accessedAt, d.purpose);
  }

  private applyFundEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as FundEvent;
    const held = this.batch?.funds.get(e.streamId);
    const row = held ? undefined : this.stmt.fundYear.get(e.streamId);
    const before: LedgerState = held?.state ?? (row ? JSON.parse(row.state) as LedgerState : initialLedgerState());
    // evolveLedger updates a state in place: fine for one held back, which nothing else reads.
    const state = evolveLedger(before, event);
    const entry = { jurisdiction: event.data.jurisdiction, year: event.data.year, revision: e.revision, state };
    if (this.batch) this.batch.funds.set(e.streamId, entry);
    else this.stmt.upsertFundYear.run(e.streamId, entry.jurisdiction, entry.year, entry.revision, JSON.stringify(state));
  }
}
