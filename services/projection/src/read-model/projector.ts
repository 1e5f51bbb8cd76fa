/**
 * Applies one event to the read model, in ONE SQLite transaction together with the stream's
 * last applied revision. An event whose revision is at or below the applied one changes nothing
 * (redelivery, a relay failover's duplicate, a replay), so nothing is ever counted twice. A
 * revision beyond the next one means events of the stream are missing here: `StreamGapError`,
 * which the runner repairs by reading the missing events from EventStoreDB.
 *
 * States come from the domain's own folds (`evolve` of the claim decider, `evolveLedger`) over
 * events validated and upcast by `parseEvent` of @cfund/contracts; a claim's rows are those its
 * projection definition gives (claim-record.ts). The decider's state of a claim is kept in
 * `claim_folds` for its next event; one kept in another shape of the state (the decider changed)
 * is `StaleFoldError`, which the runner repairs by folding the claim's events again.
 */
import {
  BANK_STATEMENT_EVENTS, PAYMENT_RUN_EVENTS, STREAM_CATEGORIES, claimIdOfStream, claimStream, isClaimEventType, isKnownEventType, parseEvent, streamCategory,
  type BankStatementEvent, type ClaimEvent, type EncryptedPersonalData, type FundEvent, type PaymentRunEvent,
} from '@cfund/contracts';
import { CLAIM_STATE_VERSION, type ClaimState } from '@cfund/domain';
import type { Statement } from 'better-sqlite3';
import type { StoredEvent } from '@cfund/messaging';
import { eventTimeOf, shownMetadata } from '../envelope.js';
import type { ClaimFacts } from './claim-facts.js';
import { CLAIM_COLUMNS, applyClaimEvent, claimRecord, initialEntry, type ClaimEntry } from './claim-record.js';
import { HISTORY_COLUMNS, historyRow, personalDataReadRow, type HistoryRow, type PersonalDataReadRow } from './event-rows.js';
import { applyFundEvent, initialFundYear, type FundClaimRow, type FundYearRow } from './fund-year-record.js';
import {
  BANK_STATEMENT_COLUMNS, PAYMENT_RUN_COLUMNS, applyBankStatementEvent, applyPaymentRunEvent, type BankStatementRow, type PaymentRunRow,
} from './payment-records.js';
import type { ReadModelStore } from './store.js';

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

/** Events of the stream before this one have not been applied. */
export class StreamGapError extends Error {
  override readonly name = 'StreamGapError';
  constructor(readonly streamId: string, readonly lastApplied: number, readonly revision: number) {
    super(`stream ${streamId}: revision ${revision} arrived but only up to ${lastApplied} is applied`);
  }
}

/** The claim's decider state was kept in another shape of it: fold the claim's events up to `revision` again (`restoreFold`). */
export class StaleFoldError extends Error {
  override readonly name = 'StaleFoldError';
  constructor(readonly claimId: string, readonly revision: number) {
    super(`claim ${claimId}: its state was kept in another shape`);
  }
}

/** Streams the read model projects; any other category (idempotency records, access logs, ...) is ignored. */
const PROJECTED = new Set<string>([STREAM_CATEGORIES.claim, STREAM_CATEGORIES.fund, STREAM_CATEGORIES.access, STREAM_CATEGORIES.paymentRun, STREAM_CATEGORIES.bankStatement]);
const PAYMENT_RUN_TYPES = new Set<string>(PAYMENT_RUN_EVENTS.map((d) => d.type));
const BANK_STATEMENT_TYPES = new Set<string>(BANK_STATEMENT_EVENTS.map((d) => d.type));

const upsertSql = (table: string, columns: readonly string[]) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
  ON CONFLICT (${columns[0]}) DO UPDATE SET ${columns.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** Whether the read model projects this stream (others are ignored, their revisions not kept). */
export const isProjected = (streamId: string): boolean => PROJECTED.has(streamCategory(streamId));

interface ClaimRow { state: string; facts: string; personal_data: string | null; form_of_exploitation: string | null; applicant_role: string | null }

/** A claim as the projector keeps it between its row and the next event. */
interface HeldClaim extends ClaimEntry {
  /** Its row is in the table (and in the search index): writing it replaces them. */
  stored: boolean;
}

/** A fund year held back in a batch: its row and the rows of its claims touched. */
interface HeldFundYear { year: FundYearRow; claims: Map<string, FundClaimRow> }

/**
 * Rows held back while many events are applied in one transaction (a rebuild): a claim's row is
 * written when it has not been touched for a while (the least recently touched beyond
 * HELD_CLAIMS) or at the end, so most claims are written once, and memory stays bounded however
 * long `$all` is; the values are those event-by-event application gives.
 */
interface Batch {
  /** In order of last touch (oldest first). */
  claims: Map<string, HeldClaim>;
  funds: Map<string, HeldFundYear>;
  applied: Map<string, number>;
  /** History rows not yet written, in the order applied (the table keeps that order). */
  history: HistoryRow[];
  /** The newest `$all` position applied in the batch. */
  position?: [commit: string, prepare: string];
  /**
   * The batch began on an empty read model (a rebuild): a stream is in the tables only if the
   * batch wrote it out, so any other is looked up in the batch alone, not in SQLite (most of a
   * rebuild's streams are new: a lookup per stream that finds nothing).
   */
  fresh: boolean;
  /** Of a fresh batch, the streams whose rows and revision were written out (in `writeHeldClaims`). */
  written: Set<string>;
}

/** Claims a batch holds back at most; beyond it the least recently touched quarter is written. */
const HELD_CLAIMS = 4096;
/** History rows a batch writes at a time. */
const HISTORY_ROWS_PER_WRITE = 1024;

/** CLAIM_COLUMNS' values, then the claim id. */
type ClaimValues = (string | number | null)[];
/** A fund_years row with its stream id first. */
type FundYearValues = [string, string, number, number, string | null, number, number];
/** A fund_year_claims row with its stream id first. */
type FundClaimValues = [string, string, number, number, number, string, string, number, string];

/** History rows per INSERT statement in a batch (10 columns each, well under SQLite's 32,766 variables). */
const HISTORY_ROWS_PER_INSERT = 64;
const HISTORY_PLACES = `(${HISTORY_COLUMNS.map(() => '?').join(', ')})`;

const byKey = <V>(entries: Iterable<[string, V]>): [string, V][] => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Of two `$all` commit positions (decimal strings without leading zeros), whether `a` is after `b`. */
const newer = (a: string, b: string): boolean => a.length > b.length || (a.length === b.length && a > b);

export class Projector {
  private readonly stmt: {
    applied: Statement<[string], { revision: number }>;
    setApplied: Statement<[string, number]>;
    claim: Statement<[string], ClaimRow>;
    upsertFold: Statement<[string, string]>;
    insertClaim: Statement<ClaimValues>;
    updateClaim: Statement<ClaimValues, { rowid: number }>;
    unindexClaim: Statement<[number]>;
    indexClaim: Statement<[number, string]>;
    deleteDeadlines: Statement<[string]>;
    insertDeadline: Statement<[string, string, number, string, string, string]>;
    deleteAssignments: Statement<[string]>;
    deleteFundYears: Statement<[string]>;
    deletePaymentOutcomes: Statement<[string]>;
    insertPaymentOutcome: Statement<[string, string, string, string]>;
    insertFundYear: Statement<[string, number, string, number | null, number, number]>;
    insertAssignment: Statement<[string, string, string]>;
    deleteAdvancesDue: Statement<[string]>;
    insertAdvanceDue: Statement<[string, number, string, number, string, string | null, string | null]>;
    paymentRun: Statement<[string], PaymentRunRow>;
    upsertPaymentRun: Statement<[(string | number | null)[]]>;
    bankStatement: Statement<[string], BankStatementRow>;
    upsertBankStatement: Statement<[(string | number | null)[]]>;
    insertHistory: Statement<HistoryRow>;
    insertHistoryMany: Statement<[(string | number | null)[]]>;
    fundYear: Statement<[string], FundYearRow>;
    upsertFundYear: Statement<FundYearValues>;
    fundClaim: Statement<[string, string], FundClaimRow>;
    upsertFundClaim: Statement<FundClaimValues>;
    insertRead: Statement<PersonalDataReadRow>;
    notePosition: Statement<[string, string]>;
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
      claim: db.prepare(`SELECT f.state, c.facts, c.personal_data, c.form_of_exploitation, c.applicant_role
        FROM claims c JOIN claim_folds f ON f.claim_id = c.claim_id WHERE c.claim_id = ?`),
      upsertFold: db.prepare('INSERT INTO claim_folds (claim_id, state) VALUES (?, ?) ON CONFLICT (claim_id) DO UPDATE SET state = excluded.state'),
      insertClaim: db.prepare<ClaimValues>(`INSERT INTO claims (${CLAIM_COLUMNS.join(', ')}, claim_id) VALUES (${CLAIM_COLUMNS.map(() => '?').join(', ')}, ?)`),
      updateClaim: db.prepare<ClaimValues, { rowid: number }>(`UPDATE claims SET ${CLAIM_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE claim_id = ? RETURNING rowid`),
      unindexClaim: db.prepare('DELETE FROM claim_search WHERE rowid = ?'),
      indexClaim: db.prepare('INSERT INTO claim_search (rowid, search_text) VALUES (?, ?)'),
      deleteDeadlines: db.prepare('DELETE FROM claim_deadlines WHERE claim_id = ?'),
      insertDeadline: db.prepare('INSERT INTO claim_deadlines (claim_id, kind, instalment, due_on, jurisdiction, filed_by) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteAssignments: db.prepare('DELETE FROM claim_assignments WHERE claim_id = ?'),
      deleteFundYears: db.prepare('DELETE FROM claim_fund_years WHERE claim_id = ?'),
      deletePaymentOutcomes: db.prepare('DELETE FROM claim_payment_outcomes WHERE claim_id = ?'),
      insertPaymentOutcome: db.prepare('INSERT INTO claim_payment_outcomes (claim_id, end_to_end_id, run_id, outcome) VALUES (?, ?, ?, ?)'),
      insertFundYear: db.prepare('INSERT INTO claim_fund_years (claim_id, year, jurisdiction, award_year, tied_minor, paid_minor) VALUES (?, ?, ?, ?, ?, ?)'),
      insertAssignment: db.prepare('INSERT OR IGNORE INTO claim_assignments (claim_id, role, person) VALUES (?, ?, ?)'),
      deleteAdvancesDue: db.prepare('DELETE FROM claim_advances_due WHERE claim_id = ?'),
      insertAdvanceDue: db.prepare(`INSERT INTO claim_advances_due (claim_id, advance, jurisdiction, amount_minor, currency, masked_account, run_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      paymentRun: db.prepare(`SELECT ${PAYMENT_RUN_COLUMNS.join(', ')} FROM payment_runs WHERE run_id = ?`),
      upsertPaymentRun: db.prepare<[(string | number | null)[]]>(upsertSql('payment_runs', PAYMENT_RUN_COLUMNS)),
      bankStatement: db.prepare(`SELECT ${BANK_STATEMENT_COLUMNS.join(', ')} FROM bank_statements WHERE statement_id = ?`),
      upsertBankStatement: db.prepare<[(string | number | null)[]]>(upsertSql('bank_statements', BANK_STATEMENT_COLUMNS)),
      insertHistory: db.prepare(`INSERT INTO claim_history (${HISTORY_COLUMNS.join(', ')}) VALUES ${HISTORY_PLACES}`),
      insertHistoryMany: db.prepare<[(string | number | null)[]]>(`INSERT INTO claim_history (${HISTORY_COLUMNS.join(', ')})
        VALUES ${Array.from({ length: HISTORY_ROWS_PER_INSERT }, () => HISTORY_PLACES).join(', ')}`),
      fundYear: db.prepare('SELECT jurisdiction, year, revision, currency, allocated_minor, recovered_minor FROM fund_years WHERE stream_id = ?'),
      upsertFundYear: db.prepare<FundYearValues>(`INSERT INTO fund_years (stream_id, jurisdiction, year, revision, currency, allocated_minor, recovered_minor)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, currency = excluded.currency,
        allocated_minor = excluded.allocated_minor, recovered_minor = excluded.recovered_minor`),
      fundClaim: db.prepare(`SELECT claim_id, committed_minor, released_minor, disbursed_minor, instalments, advances, recovered_minor, recoveries
        FROM fund_year_claims WHERE stream_id = ? AND claim_id = ?`),
      upsertFundClaim: db.prepare<FundClaimValues>(`INSERT INTO fund_year_claims (stream_id, claim_id, committed_minor, released_minor, disbursed_minor, instalments, advances, recovered_minor, recoveries)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id, claim_id) DO UPDATE SET committed_minor = excluded.committed_minor,
        released_minor = excluded.released_minor, disbursed_minor = excluded.disbursed_minor, instalments = excluded.instalments, advances = excluded.advances,
        recovered_minor = excluded.recovered_minor, recoveries = excluded.recoveries`),
      insertRead: db.prepare(`INSERT OR IGNORE INTO personal_data_reads (stream_id, revision, claim_id, victim_ref, accessed_by, roles, accessed_at, purpose)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      // Decimal strings of up to 20 digits: the longer, or of equal length the greater, is newer.
      notePosition: db.prepare(`INSERT INTO applied_position (id, commit_position, prepare_position) VALUES (1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET commit_position = excluded.commit_position, prepare_position = excluded.prepare_position
        WHERE length(excluded.commit_position) > length(commit_position)
          OR (length(excluded.commit_position) = length(commit_position) AND excluded.commit_position > commit_position)`),
    };
    this.applyTx = db.transaction((e: StoredEvent) => this.applyInTransaction(e));
  }

  /** The last revision applied of a stream, or -1. */
  lastApplied(streamId: string): number {
    const batch = this.batch;
    const held = batch?.applied.get(streamId);
    if (held !== undefined) return held;
    if (batch?.fresh && !batch.written.has(streamId)) return -1;
    return this.stmt.applied.get(streamId)?.revision ?? -1;
  }

  projects(streamId: string): boolean {
    return isProjected(streamId);
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
    this.batch = { claims: new Map(), funds: new Map(), applied: new Map(), history: [], fresh: this.store.isEmpty(), written: new Set() };
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
    for (const [streamId, f] of byKey(batch.funds)) {
      this.writeFundYear(streamId, f.year);
      for (const [, claim] of byKey(f.claims)) this.writeFundClaim(streamId, claim);
    }
    for (const [streamId, revision] of byKey(batch.applied)) this.stmt.setApplied.run(streamId, revision);
    if (batch.position) this.stmt.notePosition.run(...batch.position);
  }

  /** Writes the `count` least recently touched claims of the batch (in key order) and lets them go. */
  private writeHeldClaims(count: number): void {
    const batch = this.batch!;
    const oldest: [string, HeldClaim][] = [];
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
      if (batch.fresh) batch.written.add(streamId);
    }
  }

  /** History rows, many per statement. */
  private writeHistory(rows: HistoryRow[]): void {
    const values: (string | number | null)[] = [];
    for (const row of rows) {
      for (const v of row) values.push(v);
      if (values.length === HISTORY_ROWS_PER_INSERT * HISTORY_COLUMNS.length) {
        this.stmt.insertHistoryMany.run(values);
        values.length = 0;
      }
    }
    for (let i = 0; i < values.length; i += HISTORY_COLUMNS.length) this.stmt.insertHistory.run(...(values.slice(i, i + HISTORY_COLUMNS.length) as HistoryRow));
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
    else if (category === STREAM_CATEGORIES.paymentRun && PAYMENT_RUN_TYPES.has(e.type)) this.applyPaymentRunEvent(e);
    else if (category === STREAM_CATEGORIES.bankStatement && BANK_STATEMENT_TYPES.has(e.type)) this.applyBankStatementEvent(e);
    // Any other event still advances the revision: the next one must not look like a gap.
    if (this.batch) this.batch.applied.set(e.streamId, e.revision);
    else this.stmt.setApplied.run(e.streamId, e.revision);
    // The newest `$all` position applied (events repaired from a stream read carry none).
    if (e.commitPosition !== undefined && e.preparePosition !== undefined) {
      if (!this.batch) this.stmt.notePosition.run(e.commitPosition, e.preparePosition);
      else if (!this.batch.position || newer(e.commitPosition, this.batch.position[0])) this.batch.position = [e.commitPosition, e.preparePosition];
    }
    return 'applied';
  }

  /** The claim as of its last event applied (`revision`), or undefined for a new one. */
  private claimEntry(streamId: string, claimId: string, revision: number): HeldClaim | undefined {
    const batch = this.batch;
    const held = batch?.claims.get(claimId);
    if (held) return held;
    if (batch?.fresh && !batch.written.has(streamId)) return undefined;
    const row = this.stmt.claim.get(claimId);
    if (!row) return undefined;
    const state = JSON.parse(row.state) as ClaimState;
    if (state.stateVersion !== CLAIM_STATE_VERSION) throw new StaleFoldError(claimId, revision);
    return {
      claimId, revision, updatedAt: '', state, facts: JSON.parse(row.facts) as ClaimFacts,
      personalData: row.personal_data ? JSON.parse(row.personal_data) as EncryptedPersonalData : null,
      formOfExploitation: row.form_of_exploitation, applicantRole: row.applicant_role, stored: true,
    };
  }

  /** Keeps `state` as the claim's decider state, folded again from its events (see StaleFoldError). */
  restoreFold(claimId: string, state: ClaimState): void {
    const held = this.batch?.claims.get(claimId);
    if (held) held.state = state;
    else this.stmt.upsertFold.run(claimId, JSON.stringify(state));
  }

  private applyClaimEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as ClaimEvent;
    const claimId = claimIdOfStream(e.streamId)!;
    const before = this.claimEntry(e.streamId, claimId, e.revision - 1);
    const meta = shownMetadata(e.metadata);
    const at = eventTimeOf(meta, e.created);
    // A new entry each event (applyClaimEvent), marked rather than copied.
    const entry = applyClaimEvent(before ?? initialEntry(claimId), event, e.revision, at) as HeldClaim;
    entry.stored = before?.stored ?? false;
    const row = historyRow(claimId, e, meta, at);
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

  /** The claim's rows (claim-record.ts) and its decider state, as of the entry's last event. */
  private writeClaim(entry: HeldClaim): void {
    const { row, deadlines, assignments, advancesDue, fundYears, paymentOutcomes } = claimRecord(entry);
    // Positional values and a plain INSERT for a new claim (most of a rebuild's): binding by name
    // and INSERT .. ON CONFLICT .. RETURNING cost four times as much per row.
    const values: ClaimValues = [...CLAIM_COLUMNS.map((c) => row[c]), entry.claimId];
    const indexed = !this.store.searchIndexedAtEnd;
    if (entry.stored) {
      // Its row, search text and deadlines are replaced.
      const { rowid } = this.stmt.updateClaim.get(...values)!;
      if (indexed) {
        this.stmt.unindexClaim.run(rowid);
        this.stmt.indexClaim.run(rowid, row.search_text);
      }
      this.stmt.deleteDeadlines.run(entry.claimId);
      this.stmt.deleteAssignments.run(entry.claimId);
      this.stmt.deleteAdvancesDue.run(entry.claimId);
      this.stmt.deleteFundYears.run(entry.claimId);
      this.stmt.deletePaymentOutcomes.run(entry.claimId);
    } else {
      const { lastInsertRowid } = this.stmt.insertClaim.run(...values);
      if (indexed) this.stmt.indexClaim.run(Number(lastInsertRowid), row.search_text);
    }
    this.stmt.upsertFold.run(entry.claimId, JSON.stringify(entry.state));
    for (const d of deadlines) this.stmt.insertDeadline.run(entry.claimId, d.kind, d.instalment ?? 0, d.dueOn, row.jurisdiction!, row.filed_by!);
    for (const a of assignments) this.stmt.insertAssignment.run(entry.claimId, a.role, a.person);
    for (const a of advancesDue) {
      this.stmt.insertAdvanceDue.run(entry.claimId, a.advance, row.jurisdiction!, a.amount.amountMinor, a.amount.currency, a.maskedAccount, a.runId);
    }
    for (const y of fundYears) this.stmt.insertFundYear.run(entry.claimId, y.year, row.jurisdiction!, y.awardYear, y.tiedMinor, y.paidMinor);
    for (const o of paymentOutcomes) this.stmt.insertPaymentOutcome.run(entry.claimId, o.endToEndId, o.runId, o.outcome);
  }

  /**
   * A payment run's event: its row in `payment_runs` (payment-records.ts). Written at once, in a
   * batch too: runs are few, and their rows are small.
   */
  private applyPaymentRunEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as PaymentRunEvent;
    const row = applyPaymentRunEvent(this.stmt.paymentRun.get(event.data.runId), event);
    if (row) this.stmt.upsertPaymentRun.run(PAYMENT_RUN_COLUMNS.map((c) => row[c]));
  }

  /** A bank statement's event: its row in `bank_statements` (payment-records.ts). */
  private applyBankStatementEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as BankStatementEvent;
    const row = applyBankStatementEvent(this.stmt.bankStatement.get(event.data.statementId), event);
    if (row) this.stmt.upsertBankStatement.run(BANK_STATEMENT_COLUMNS.map((c) => row[c]));
  }

  /** A read of a victim's personal data (stream access-<claimId>): one row, for the auditors' list. */
  private applyRead(e: StoredEvent): void {
    const row = personalDataReadRow(e);
    if (row) this.stmt.insertRead.run(...row);
  }

  /** A ledger event: the fund year's row and the row of the claim it names (fund-year-record.ts). */
  private applyFundEvent(e: StoredEvent): void {
    const event = parseEvent(e.type, e.data) as FundEvent;
    const claimId = 'claimId' in event.data ? event.data.claimId : undefined;
    const held = this.batch?.funds.get(e.streamId);
    const year = held?.year ?? this.stmt.fundYear.get(e.streamId) ?? initialFundYear(event.data.jurisdiction, event.data.year);
    const claim = claimId === undefined ? undefined : held?.claims.get(claimId) ?? this.stmt.fundClaim.get(e.streamId, claimId);
    const change = applyFundEvent(year, claim, event, e.revision);
    if (this.batch) {
      const entry = held ?? { year: change.year, claims: new Map<string, FundClaimRow>() };
      entry.year = change.year;
      if (change.claim) entry.claims.set(change.claim.claim_id, change.claim);
      this.batch.funds.set(e.streamId, entry);
      return;
    }
    this.writeFundYear(e.streamId, change.year);
    if (change.claim) this.writeFundClaim(e.streamId, change.claim);
  }

  private writeFundYear(streamId: string, y: FundYearRow): void {
    this.stmt.upsertFundYear.run(streamId, y.jurisdiction, y.year, y.revision, y.currency, y.allocated_minor, y.recovered_minor);
  }

  private writeFundClaim(streamId: string, c: FundClaimRow): void {
    this.stmt.upsertFundClaim.run(streamId, c.claim_id, c.committed_minor, c.released_minor, c.disbursed_minor, c.instalments, c.advances, c.recovered_minor, c.recoveries);
  }
}
