/**
 * A claim's payments in payment runs. Queuing a payment on its claim is what keeps it in one run
 * only, and out of the hands of anyone paying it directly, while the run goes to the bank.
 *
 * | code               | meaning |
 * | ---                | --- |
 * | `payment-in-run`   | the payment is in a run (another one, for QueuePayment): it is paid by that run, or the run is cancelled or the payment voided from it first; no change of payee meanwhile |
 * | `no-payee`         | nobody to pay: the claim has no payee in force |
 * | `not-yet-due`      | an instalment due after the run's execution date |
 * | `unknown-instalment`, `unknown-advance`, `already-disbursed`, `advance-cancelled` | as for paying by hand |
 * | `not-in-run`       | a bank statement tells of a payment this claim is not waiting for from that run |
 * | `amount-differs`   | the bank booked or returned another amount than the payment's |
 * | `booked-twice`     | the bank booked the payment again under another reference |
 * | `payment-returned` | the bank books a payment it returned before |
 *
 * What a bank statement says is recorded with the payment's end-to-end id, so importing it again
 * (or a statement that repeats an entry) changes nothing.
 */
import type { ClaimEvent } from '@cfund/contracts';
import { refuse } from '../errors.js';
import { localDateOf } from '../deadlines.js';
import { schemeFor } from '../schemes/index.js';
import { paymentConflict } from './approvals.js';
import type { BankOutcomeData, ClaimCommandOf } from './commands.js';
import { ev } from './event.js';
import { requireNoPendingPayeeChange } from './payee.js';
import { advanceUnpaid, queueKey, type ClaimState } from './state.js';


/** Paying by hand, or changing the payee, while a payment is in a run is refused. */
export function requireNotQueued(s: ClaimState, payment?: { kind: 'instalment' | 'advance'; number: number }): void {
  const entries = payment ? [[queueKey(payment), s.fund.queued[queueKey(payment)]] as const] : Object.entries(s.fund.queued);
  for (const [key, queued] of entries) {
    if (queued) refuse('payment-in-run', `The payment ${key} is in payment run ${queued.runId}: it is paid by that run, or the run is cancelled or the payment voided from it first.`, { runId: queued.runId });
  }
}

/** A rejected, withdrawn or closed claim's advances not yet paid are never paid (by a run or otherwise). */
export const advancesCancelled = (s: ClaimState): boolean => Boolean(s.fund.rejection) || ['withdrawn', 'closed', 'rejected'].includes(s.status);

/** The claim's advances a payment run may still pay: approved and not paid (or paid and returned), the claim not rejected, withdrawn or closed. */
export const payableAdvances = (s: ClaimState): ClaimState['fund']['advances'] =>
  (advancesCancelled(s) ? [] : s.fund.advances.filter(advanceUnpaid));

/** What a payment run needs to know of a payment before queuing it: its amount, or why it cannot be paid. */
function payable(c: ClaimCommandOf<'QueuePayment'>, s: ClaimState) {
  const { payment } = c.data;
  if (payment.kind === 'instalment') {
    if (s.status !== 'scheduled') refuse('not-allowed-in-state', 'Only a scheduled payout has instalments to pay.', { status: s.status });
    const instalment = s.fund.instalments.find((i) => i.number === payment.number);
    if (!instalment) return refuse('unknown-instalment', `The schedule has no instalment ${payment.number}.`);
    if (instalment.status === 'disbursed') refuse('already-disbursed', `Instalment ${payment.number} has already been paid (${instalment.paymentReference}).`);
    if (instalment.dueOn > c.data.executionOn) refuse('not-yet-due', `Instalment ${payment.number} is due on ${instalment.dueOn}, after the run's execution date ${c.data.executionOn}.`, { dueOn: instalment.dueOn });
    return instalment.amount;
  }
  const advance = s.fund.advances.find((a) => a.number === payment.number);
  if (!advance) return refuse('unknown-advance', `No advance ${payment.number} was approved for this claim.`);
  if (advance.status === 'disbursed') refuse('already-disbursed', `Advance ${payment.number} has already been paid (${advance.paymentReference}).`);
  if (advancesCancelled(s)) refuse('advance-cancelled', 'The claim was rejected, withdrawn or closed: advances not yet paid are no longer paid.');
  return advance.amount;
}

export const paymentQueueHandlers = {
  QueuePayment: (c: ClaimCommandOf<'QueuePayment'>, s: ClaimState): ClaimEvent[] => {
    const { payment, runId } = c.data;
    const advance = payment.kind === 'advance' ? s.fund.advances.find((a) => a.number === payment.number) : undefined;
    const conflict = paymentConflict(s, c.actor.sub, advance);
    if (conflict) throw conflict;
    const queued = s.fund.queued[queueKey(payment)];
    if (queued?.runId === runId) return []; // queued by this run already: a retry
    requireNotQueued(s, payment);
    const amount = payable(c, s);
    requireNoPendingPayeeChange(s);
    if (!s.payee.current) refuse('no-payee', 'The claim has no payee in force: give the payee details first.');
    return [ev('PaymentQueued', { runId, payment, amount, endToEndId: c.data.endToEndId }, s)];
  },

  UnqueuePayment: (c: ClaimCommandOf<'UnqueuePayment'>, s: ClaimState): ClaimEvent[] => {
    const { payment, runId, reason } = c.data;
    if (s.fund.queued[queueKey(payment)]?.runId !== runId) return []; // not (or no longer) in this run
    return [ev('PaymentUnqueued', { runId, payment, reason }, s)];
  },
};

/** The instalment or advance a statement tells of, with the checks every bank outcome shares. */
function bankPayment(c: { data: BankOutcomeData }, s: ClaimState) {
  const { payment, amount } = c.data;
  const found = payment.kind === 'instalment'
    ? s.fund.instalments.find((i) => i.number === payment.number)
    : s.fund.advances.find((a) => a.number === payment.number);
  if (!found) return refuse('not-in-run', `The claim has no ${payment.kind} ${payment.number}.`);
  if (found.amount.amountMinor !== amount.amountMinor || found.amount.currency !== amount.currency) {
    refuse('amount-differs', `The bank's amount ${amount.amountMinor} ${amount.currency} is not the ${payment.kind}'s ${found.amount.amountMinor} ${found.amount.currency}.`, { expected: found.amount });
  }
  return found;
}

function requireQueuedBy(s: ClaimState, d: BankOutcomeData): void {
  const queued = s.fund.queued[queueKey(d.payment)];
  if (queued?.runId !== d.runId || queued.endToEndId !== d.endToEndId) {
    refuse('not-in-run', `The ${d.payment.kind} ${d.payment.number} is not waiting for payment ${d.endToEndId} of run ${d.runId}.`);
  }
}

export const bankOutcomeHandlers = {
  /** The bank booked a released run's payment: it is paid, with the bank's reference. */
  RecordBankBooking: (c: ClaimCommandOf<'RecordBankBooking'>, s: ClaimState): ClaimEvent[] => {
    const d = c.data;
    const before = s.fund.bankOutcomes[d.endToEndId];
    const found = bankPayment(c, s);
    if (before === 'paid') {
      if (found.paymentReference === d.bankReference) return []; // the same booking again
      return refuse('booked-twice', `The bank booked ${d.endToEndId} before under ${found.paymentReference}; this booking (${d.bankReference}) is for a person to look into.`);
    }
    if (before === 'returned') refuse('payment-returned', `The bank returned ${d.endToEndId} before; a later booking of it is for a person to look into.`);
    requireQueuedBy(s, d);
    const paid = { amount: found.amount, paymentReference: d.bankReference, disbursedBy: d.releasedBy, disbursedAt: c.at, endToEndId: d.endToEndId };
    if (d.payment.kind === 'advance') return [ev('AdvanceDisbursed', { advance: d.payment.number, ...paid }, s)];
    if (s.status !== 'scheduled') refuse('not-allowed-in-state', 'Only a scheduled payout has instalments to pay.', { status: s.status });
    const early = (found as { dueOn: string }).dueOn > localDateOf(c.at, schemeFor(s.jurisdiction!, s.schemeVersion!).timeZone);
    return [ev('PayoutDisbursed', { instalment: d.payment.number, ...paid, ...(early ? { early: true } : {}) }, s)];
  },

  /**
   * The bank returned or rejected a released run's payment: either way its payment failed and can
   * be paid in a new run. A booked one's money comes back to the fund (the ledger returns it); one
   * never booked first leaves its run, and the ledger has nothing to return (nothing was paid).
   */
  RecordBankReturn: (c: ClaimCommandOf<'RecordBankReturn'>, s: ClaimState): ClaimEvent[] => {
    const d = c.data;
    const before = s.fund.bankOutcomes[d.endToEndId];
    if (before === 'returned') return []; // the same return again
    const found = bankPayment(c, s);
    const code = `${d.returnReason ?? 'no reason code'}, reference ${d.bankReference}`;
    const failed = (reason: string, unbooked?: true): ClaimEvent => {
      const body = { reason, failedAt: c.at, endToEndId: d.endToEndId, ...(unbooked ? { unbooked } : {}) };
      return d.payment.kind === 'advance' ? ev('AdvanceFailed', { advance: d.payment.number, ...body }, s) : ev('PayoutFailed', { instalment: d.payment.number, ...body }, s);
    };
    if (before === 'paid') {
      if (found.status !== 'disbursed') refuse('not-in-run', `The ${d.payment.kind} ${d.payment.number} is not paid: there is nothing to return.`);
      return [failed(`Returned by the bank (${code}).`)];
    }
    requireQueuedBy(s, d);
    return [
      ev('PaymentUnqueued', { runId: d.runId, payment: d.payment, reason: 'rejected-by-bank', endToEndId: d.endToEndId }, s),
      failed(`Rejected by the bank before booking (${code}).`, true),
    ];
  },
};
