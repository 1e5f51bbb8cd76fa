/**
 * Who a claim's money goes to. The rules, in the claim decider's style (one small function per
 * command); `decide.ts` adds these handlers to its own.
 *
 * | code                      | meaning |
 * | ---                       | --- |
 * | `payee-change-pending`    | a change awaits confirmation: no other change, and no payment, until it is confirmed or rejected |
 * | `no-payee-change-pending` | nothing to confirm or reject |
 * | `stale-payee-change`      | the change named is not the one awaiting confirmation |
 * | `four-eyes` (403)         | the person who asked for a change, or an approver of the claim's award or advance, confirming it |
 *
 * Before anyone approved an award or an advance of the claim, details given are in force at once;
 * after, a change is only requested, and a second person confirms it: redirecting a victim's
 * approved money is the classic fraud path, so it never rests on one person.
 */
import type { ClaimEvent, EncryptedPersonalData, PayeeKind } from '@cfund/contracts';
import { fourEyesError, refuse } from '../errors.js';
import type { ClaimCommandOf } from './commands.js';
import { ev } from './event.js';
import { requireNotQueued } from './payment-queue.js';
import type { ClaimState } from './state.js';

/** What SetPayee carries: the details already encrypted by the service, with what may stay in sight. */
export interface SetPayeeData {
  kind: PayeeKind;
  maskedAccount: string;
  details: EncryptedPersonalData;
}

/** Once an award or an advance of the claim has an approval, its payee changes only with a second person. */
export const payeeLocked = (s: ClaimState): boolean => s.fund.deciders.length > 0 || s.fund.advances.length > 0;

/** No money moves while a change of payee awaits confirmation: whoever is paid must be settled first. */
export function requireNoPendingPayeeChange(s: ClaimState): void {
  if (s.payee.pending) {
    refuse('payee-change-pending', `A change of payee (change ${s.payee.pending.change}) awaits confirmation by a second person: nothing is paid until it is confirmed or rejected.`);
  }
}

const CLOSED_FOR_PAYEE = ['none', 'withdrawn', 'closed'] as const;

function requirePending(s: ClaimState, change: number): NonNullable<ClaimState['payee']['pending']> {
  const pending = s.payee.pending;
  if (!pending) return refuse('no-payee-change-pending', 'No change of payee awaits confirmation.');
  if (pending.change !== change) return refuse('stale-payee-change', `Change ${change} is not the one awaiting confirmation (change ${pending.change} is).`);
  return pending;
}

export const payeeHandlers = {
  SetPayee: (c: ClaimCommandOf<'SetPayee'>, s: ClaimState): ClaimEvent[] => {
    if ((CLOSED_FOR_PAYEE as readonly string[]).includes(s.status)) refuse('not-allowed-in-state', 'Payee details can be given only for an open claim.');
    if (s.personalDataErased) refuse('personal-data-erased', 'The victim\'s personal data has been erased: no payee details can be stored for this claim.');
    requireNoPendingPayeeChange(s);
    requireNotQueued(s);
    const payee = { change: s.payee.changes + 1, payeeKind: c.data.kind, maskedAccount: c.data.maskedAccount, details: c.data.details };
    return payeeLocked(s)
      ? [ev('PayeeChangeRequested', { ...payee, requestedBy: c.actor.sub, requestedAt: c.at }, s)]
      : [ev('PayeeDetailsSet', { ...payee, setBy: c.actor.sub, setAt: c.at }, s)];
  },

  ConfirmPayeeChange: (c: ClaimCommandOf<'ConfirmPayeeChange'>, s: ClaimState): ClaimEvent[] => {
    const pending = requirePending(s, c.data.change);
    if (pending.by === c.actor.sub) throw fourEyesError('requester-confirms-payee', { change: pending.change });
    if (s.fund.deciders.includes(c.actor.sub)) throw fourEyesError('approver-confirms-payee', { change: pending.change });
    return [ev('PayeeChangeConfirmed', { change: pending.change, confirmedBy: c.actor.sub, confirmedAt: c.at }, s)];
  },

  RejectPayeeChange: (c: ClaimCommandOf<'RejectPayeeChange'>, s: ClaimState): ClaimEvent[] => {
    const pending = requirePending(s, c.data.change);
    return [ev('PayeeChangeRejected', { change: pending.change, rejectedBy: c.actor.sub, rejectedAt: c.at, reason: c.data.reason }, s)];
  },
};
