/**
 * The finance lists: payment runs (newest prepared first) and imported bank statements (newest
 * imported first) of some jurisdictions, optionally of one status or state, a page at a time. Each
 * filter has an index in its order (store.ts), so a page reads its own rows, not every run.
 */
import type { Currency } from '@cfund/contracts';
import type { BankStatementRow, PaymentRunRow, StatementState } from '../read-model/payment-records.js';
import type { ReadModelStore } from '../read-model/store.js';

interface Page { offset: number; limit: number }

/** `WHERE` over `jurisdictions` and one optional column's value, and its parameters. */
function filter(jurisdictions: readonly string[], column: string, value: string | undefined): { clause: string; params: string[] } {
  const clause = [`jurisdiction IN (${jurisdictions.map(() => '?').join(', ')})`, ...(value === undefined ? [] : [`${column} = ?`])].join(' AND ');
  return { clause, params: [...jurisdictions, ...(value === undefined ? [] : [value])] };
}

export function paymentRuns(store: ReadModelStore, jurisdictions: readonly string[], f: Page & { status?: PaymentRunRow['status'] | undefined }) {
  const { clause, params } = filter(jurisdictions, 'status', f.status);
  const total = (store.db.prepare(`SELECT count(*) AS n FROM payment_runs WHERE ${clause}`).get(...params) as { n: number }).n;
  const rows = store.db.prepare(`SELECT * FROM payment_runs WHERE ${clause} ORDER BY prepared_at DESC, run_id LIMIT ? OFFSET ?`)
    .all(...params, f.limit, f.offset) as PaymentRunRow[];
  return {
    total, offset: f.offset, limit: f.limit,
    items: rows.map((r) => ({
      runId: r.run_id, jurisdiction: r.jurisdiction, status: r.status, executionOn: r.execution_on,
      total: { amountMinor: r.total_minor, currency: r.currency as Currency }, payments: r.payments, voided: r.voided,
      preparedBy: r.prepared_by, preparedAt: r.prepared_at, releasedBy: r.released_by, releasedAt: r.released_at, cancelledAt: r.cancelled_at,
    })),
  };
}

export function bankStatements(store: ReadModelStore, jurisdictions: readonly string[], f: Page & { state?: StatementState | undefined }) {
  const { clause, params } = filter(jurisdictions, 'state', f.state);
  const total = (store.db.prepare(`SELECT count(*) AS n FROM bank_statements WHERE ${clause}`).get(...params) as { n: number }).n;
  const rows = store.db.prepare(`SELECT * FROM bank_statements WHERE ${clause} ORDER BY imported_at DESC, statement_id LIMIT ? OFFSET ?`)
    .all(...params, f.limit, f.offset) as BankStatementRow[];
  return {
    total, offset: f.offset, limit: f.limit,
    items: rows.map((r) => ({
      statementId: r.statement_id, jurisdiction: r.jurisdiction, state: r.state, messageId: r.message_id, importedBy: r.imported_by, importedAt: r.imported_at,
      entryCount: r.entry_count, counts: { paid: r.paid, returned: r.returned, unmatched: r.unmatched, notBooked: r.not_booked }, unresolved: r.unmatched - r.resolved,
    })),
  };
}

/** What the bank did with each payment of run `runId` that a statement told of, by end-to-end id (`claim_payment_outcomes`, by its run index). */
export function paymentOutcomesOfRun(store: ReadModelStore, runId: string): Map<string, 'paid' | 'returned'> {
  const rows = store.db.prepare('SELECT end_to_end_id, outcome FROM claim_payment_outcomes WHERE run_id = ?').all(runId) as { end_to_end_id: string; outcome: 'paid' | 'returned' }[];
  return new Map(rows.map((r) => [r.end_to_end_id, r.outcome]));
}
