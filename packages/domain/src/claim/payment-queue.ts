/**
 * A claim's payments in payment runs. Queuing a payment on its claim is what keeps it in one run
 * only, and out of the hands of anyone paying it directly, while the run goes to the bank.
 *
 * | code               | meaning |
 * | ---                | --- |
 * | `payment-in-run`   | the payment is in a run (another one, for QueuePayment): it is paid by that run or the run is cancelled first; no change of payee meanwhile |
 * | `no-payee`         | nobody to pay: the claim has no payee in force |
 * | `not-yet-due`      | an instalment due after the run's execution date |
 * | `unknown-instalment`, `unknown-advance`, `already-disbursed`, `advance-cancelled` | as for paying by hand |
 */
import type { ClaimEvent } from '@cfund/contracts';
import { refuse } from '../errors.js';
import { paymentConflict } from './approvals.js';
import type { ClaimCommandOf } from './commands.js';
import { ev } from './event.js';
import { requireNoPendingPayeeChange } from './payee.js';
import { queueKey, type ClaimState } from './state.js';


/** Paying by hand, or changing the payee, while a payment is in a run is refused. */
export function requireNotQueued(s: ClaimState, payment?: { kind: 'instalment' | 'advance'; number: number }): void {
  const entries = payment ? [[queueKey(payment), s.fund.queued[queueKey(payment)]] as const] : Object.entries(s.fund.queued);
  for (const [key, queued] of entries) {
    if (queued) refuse('payment-in-run', `The payment ${key} is in payment run ${queued.runId}: it is paid by that run, or the run is cancelled first.`, { runId: queued.runId });
  }
}

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
  if (s.fund.rejection || ['withdrawn', 'closed', 'rejected'].includes(s.status)) refuse('advance-cancelled', 'The claim was rejected, withdrawn or closed: advances not yet paid are no longer paid.');
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
    const { payment, runId } = c.data;
    if (s.fund.queued[queueKey(payment)]?.runId !== runId) return []; // not (or no longer) in this run
    return [ev('PaymentUnqueued', { runId, payment, reason: 'run-cancelled' }, s)];
  },
};
