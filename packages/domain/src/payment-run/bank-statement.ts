/**
 * A bank statement of a fund account (stream `bankstatement-<sha256 of the file>`): what each of
 * its entries was matched to, and what a person said of those that matched nothing. Events and
 * state in one file, `decide` with one small function per command, `evolve`,
 * `initialBankStatementState()`. Matching itself (`matchStatementEntry`) is pure: the service
 * looks the runs up, applies the matches to the claims, and records the outcome here.
 *
 * | code                  | meaning |
 * | ---                   | --- |
 * | `already-imported`    | the statement (the same file) was recorded |
 * | `no-such-statement`   | nothing to resolve in |
 * | `no-such-entry`       | the statement has no such entry |
 * | `entry-matched`       | only an unmatched entry is resolved by a person |
 * | `already-resolved`    | the entry was resolved |
 */
import {
  BANK_STATEMENT_ENTRIES_PER_EVENT, type Actor, type BankStatementEntry, type BankStatementEvent, type Jurisdiction, type PaymentRunItem,
} from '@cfund/contracts';
import { refuse } from '../errors.js';
import type { StatementEntryLine } from './camt053.js';
import { runPaymentOf } from './end-to-end-id.js';
import type { PaymentRunState } from './payment-run.js';

/** What matching an entry to a released run's payment found: the payment, or why there is none. */
export type StatementMatch =
  | { outcome: 'paid' | 'returned'; runId: string; item: PaymentRunItem; releasedBy: string }
  | { outcome: 'not-booked' }
  | { outcome: 'unmatched'; reason: string };

/**
 * Matches one entry by its end-to-end id (which names the run and the payment's place in it) and
 * its amount; a payment voided from its run matches nothing (a reissue has another id). `runOf`
 * gives the run's state (status `none` when there is no such run).
 */
export function matchStatementEntry(line: StatementEntryLine, runOf: (runId: string) => PaymentRunState): StatementMatch {
  if (!line.booked) return { outcome: 'not-booked' };
  if (!line.endToEndId) return { outcome: 'unmatched', reason: 'The entry has no end-to-end id: it is not a payment of a run.' };
  const ref = runPaymentOf(line.endToEndId);
  if (!ref) return { outcome: 'unmatched', reason: `The end-to-end id ${line.endToEndId} is not one of a payment run's.` };
  const run = runOf(ref.runId);
  const item = run.items[ref.index];
  if (run.status === 'none' || !item || item.endToEndId !== line.endToEndId) {
    return { outcome: 'unmatched', reason: `No payment run has a payment ${line.endToEndId}.` };
  }
  if (run.voided[item.endToEndId]) return { outcome: 'unmatched', reason: `The payment ${line.endToEndId} was voided from its run before the release: it is not to be paid.` };
  if (run.status !== 'released') return { outcome: 'unmatched', reason: `Payment run ${ref.runId} was not released to the bank (it is ${run.status}).` };
  if (item.amount.amountMinor !== line.amount.amountMinor || item.amount.currency !== line.amount.currency) {
    return { outcome: 'unmatched', reason: `The amount ${line.amount.amountMinor} ${line.amount.currency} is not the payment's ${item.amount.amountMinor} ${item.amount.currency}.` };
  }
  return { outcome: line.returned ? 'returned' : 'paid', runId: ref.runId, item, releasedBy: run.released!.by };
}

export interface BankStatementState {
  status: 'none' | 'recorded';
  statementId?: string;
  jurisdiction?: Jurisdiction;
  entryCount: number;
  /** The entries recorded so far (an import cut short by a crash has fewer than `entryCount`). */
  entries: BankStatementEntry[];
  resolved: Record<number, { by: string; at: string; note: string }>;
}

/** How many entries had each outcome. */
export function statementCounts(entries: readonly BankStatementEntry[]): { paid: number; returned: number; unmatched: number; notBooked: number } {
  const count = (o: BankStatementEntry['outcome']) => entries.filter((e) => e.outcome === o).length;
  return { paid: count('paid'), returned: count('returned'), unmatched: count('unmatched'), notBooked: count('not-booked') };
}

export const initialBankStatementState = (): BankStatementState => ({ status: 'none', entryCount: 0, entries: [], resolved: {} });

/** Whether every entry of the statement is recorded (an import a crash cut short is not). */
export const statementComplete = (s: BankStatementState): boolean => s.status === 'recorded' && s.entries.length === s.entryCount;

interface Command<T extends string, D> { type: T; actor: Actor; at: string; data: D }
export type BankStatementCommand =
  | Command<'RecordBankStatement', { statementId: string; jurisdiction: Jurisdiction; messageId: string; statementIds: string[]; entries: BankStatementEntry[] }>
  | Command<'ResolveStatementEntry', { entry: number; note: string }>;

function record(c: Extract<BankStatementCommand, { type: 'RecordBankStatement' }>, s: BankStatementState): BankStatementEvent[] {
  const d = c.data;
  const head: BankStatementEvent[] = s.status === 'none' ? [{
    type: 'BankStatementImported',
    data: {
      schemaVersion: 1, statementId: d.statementId, jurisdiction: d.jurisdiction, messageId: d.messageId, statementIds: d.statementIds,
      importedBy: c.actor.sub, importedAt: c.at, entryCount: d.entries.length,
      counts: statementCounts(d.entries),
    },
  }] : [];
  if (s.status !== 'none' && statementComplete(s)) refuse('already-imported', 'This statement was imported already.');
  // The next part only: a KurrentDB 24.10 node takes at most 1 MiB per append, and a statement of
  // thousands of entries is more. The caller decides again until the statement is complete; a
  // crash in between is finished the same way.
  const from = s.entries.length;
  if (from >= d.entries.length) return head;
  return [...head, {
    type: 'BankStatementEntriesRecorded',
    data: { schemaVersion: 1, statementId: d.statementId, part: from / BANK_STATEMENT_ENTRIES_PER_EVENT + 1, entries: d.entries.slice(from, from + BANK_STATEMENT_ENTRIES_PER_EVENT) },
  }];
}

function resolve(c: Extract<BankStatementCommand, { type: 'ResolveStatementEntry' }>, s: BankStatementState): BankStatementEvent[] {
  if (s.status === 'none') refuse('no-such-statement', 'There is no such bank statement.');
  const entry = s.entries.find((e) => e.entry === c.data.entry);
  if (!entry) refuse('no-such-entry', `The statement has no entry ${c.data.entry}.`);
  if (entry.outcome !== 'unmatched') refuse('entry-matched', `Entry ${c.data.entry} was ${entry.outcome === 'not-booked' ? 'not booked' : 'matched to a payment'}: only an unmatched entry is resolved by a person.`);
  const done = s.resolved[c.data.entry];
  if (done) refuse('already-resolved', `Entry ${c.data.entry} was resolved by ${done.by} at ${done.at}.`);
  return [{ type: 'BankStatementEntryResolved', data: { schemaVersion: 1, statementId: s.statementId!, entry: c.data.entry, resolvedBy: c.actor.sub, resolvedAt: c.at, note: c.data.note } }];
}

export function decideBankStatement(command: BankStatementCommand, state: BankStatementState): BankStatementEvent[] {
  switch (command.type) {
    case 'RecordBankStatement': return record(command, state);
    case 'ResolveStatementEntry': return resolve(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveBankStatement(state: BankStatementState, event: BankStatementEvent): BankStatementState {
  switch (event.type) {
    case 'BankStatementImported':
      return { ...state, status: 'recorded', statementId: event.data.statementId, jurisdiction: event.data.jurisdiction, entryCount: event.data.entryCount };
    case 'BankStatementEntriesRecorded':
      return { ...state, entries: [...state.entries, ...event.data.entries] };
    case 'BankStatementEntryResolved': {
      const d = event.data;
      return { ...state, resolved: { ...state.resolved, [d.entry]: { by: d.resolvedBy, at: d.resolvedAt, note: d.note } } };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
