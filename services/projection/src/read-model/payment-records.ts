/**
 * The finance lists as a projection definition, pure: one row per payment run (`payment_runs`) and
 * per imported bank statement (`bank_statements`), each changed by the events of its own stream.
 * Only what the lists show and filter on: no payee's details (a run's items stay in its stream,
 * read by GET /payment-runs/{id}), no entry of a statement.
 */
import type { BankStatementEvent, PaymentRunEvent } from '@cfund/contracts';

/** A payment run as the list shows it. */
export interface PaymentRunRow {
  run_id: string;
  jurisdiction: string;
  status: 'prepared' | 'released' | 'cancelled';
  execution_on: string;
  currency: string;
  /** What the run pays: its payments less those voided. */
  total_minor: number;
  payments: number;
  voided: number;
  prepared_by: string;
  prepared_at: string;
  released_by: string | null;
  released_at: string | null;
  cancelled_at: string | null;
}

export const PAYMENT_RUN_COLUMNS = ['run_id', 'jurisdiction', 'status', 'execution_on', 'currency', 'total_minor', 'payments', 'voided',
  'prepared_by', 'prepared_at', 'released_by', 'released_at', 'cancelled_at'] as const satisfies readonly (keyof PaymentRunRow)[];

/**
 * A statement's state in the list: `incomplete` while an import a crash cut short waits to be
 * finished (entries recorded < entry count), `unresolved` while an unmatched entry waits for a
 * person, `settled` otherwise.
 */
export type StatementState = 'incomplete' | 'unresolved' | 'settled';
export const STATEMENT_STATES = ['incomplete', 'unresolved', 'settled'] as const satisfies readonly StatementState[];

export interface BankStatementRow {
  statement_id: string;
  jurisdiction: string;
  state: StatementState;
  message_id: string;
  imported_by: string;
  imported_at: string;
  entry_count: number;
  /** Entries recorded so far (the import writes them in parts). */
  recorded: number;
  paid: number;
  returned: number;
  unmatched: number;
  not_booked: number;
  resolved: number;
}

export const BANK_STATEMENT_COLUMNS = ['statement_id', 'jurisdiction', 'state', 'message_id', 'imported_by', 'imported_at', 'entry_count', 'recorded',
  'paid', 'returned', 'unmatched', 'not_booked', 'resolved'] as const satisfies readonly (keyof BankStatementRow)[];

/** The run's row after one of its events (`row`: before it; undefined before the run is prepared). */
export function applyPaymentRunEvent(row: PaymentRunRow | undefined, event: PaymentRunEvent): PaymentRunRow | undefined {
  switch (event.type) {
    case 'PaymentRunPrepared': {
      const d = event.data;
      return {
        run_id: d.runId, jurisdiction: d.jurisdiction, status: 'prepared', execution_on: d.executionOn, currency: d.currency, total_minor: d.total.amountMinor,
        payments: d.items.length, voided: 0, prepared_by: d.preparedBy, prepared_at: d.preparedAt, released_by: null, released_at: null, cancelled_at: null,
      };
    }
    case 'PaymentRunReleased':
      return row && { ...row, status: 'released', released_by: event.data.releasedBy, released_at: event.data.releasedAt };
    case 'PaymentRunCancelled':
      return row && { ...row, status: 'cancelled', cancelled_at: event.data.cancelledAt };
    case 'PaymentVoided':
      return row && { ...row, total_minor: event.data.total.amountMinor, voided: row.voided + 1 };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

const stateOf = (r: Omit<BankStatementRow, 'state'>): StatementState =>
  (r.recorded < r.entry_count ? 'incomplete' : r.resolved < r.unmatched ? 'unresolved' : 'settled');

/** The statement's row after one of its events (`row`: before it; undefined before the import). */
export function applyBankStatementEvent(row: BankStatementRow | undefined, event: BankStatementEvent): BankStatementRow | undefined {
  let next: Omit<BankStatementRow, 'state'> | undefined;
  switch (event.type) {
    case 'BankStatementImported': {
      const d = event.data;
      next = {
        statement_id: d.statementId, jurisdiction: d.jurisdiction, message_id: d.messageId, imported_by: d.importedBy, imported_at: d.importedAt,
        entry_count: d.entryCount, recorded: 0, paid: d.counts.paid, returned: d.counts.returned, unmatched: d.counts.unmatched, not_booked: d.counts.notBooked, resolved: 0,
      };
      break;
    }
    case 'BankStatementEntriesRecorded':
      next = row && { ...row, recorded: row.recorded + event.data.entries.length };
      break;
    case 'BankStatementEntryResolved':
      next = row && { ...row, resolved: row.resolved + 1 };
      break;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
  return next && { ...next, state: stateOf(next) };
}
