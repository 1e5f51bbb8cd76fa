/**
 * A payment run (stream `paymentrun-<runId>`): payments due, collected by one finance officer for
 * one jurisdiction and execution date, released to the bank by a second one. Events and state in
 * one file, `decide` with one small function per command, `evolve`, `initialPaymentRunState()`.
 *
 * | code                  | meaning |
 * | ---                   | --- |
 * | `already-prepared`    | the run exists |
 * | `empty-run`           | a run pays something |
 * | `mixed-currencies`    | one run, one currency (the scheme's) |
 * | `duplicate-payment`   | a payment (or an end-to-end id) twice in one run |
 * | `execution-in-past`   | the bank cannot execute before today (the jurisdiction's local date) |
 * | `no-such-run`         | nothing to release, cancel or void in |
 * | `run-released`        | a released run is the bank's: it is not released twice, cancelled, nor has a payment voided |
 * | `run-cancelled`       | a cancelled run is not released, nor has a payment voided |
 * | `payment-not-in-run`  | the payment to void is not one of the run's |
 * | `last-payment`        | the run's last payment is not voided: the run is cancelled instead (a run pays something) |
 * | `run-changed`         | a release whose file pays other payments than the run now does (one was voided meanwhile) |
 * | `four-eyes` (403)     | who prepared the run, or an approver of an award in it, releasing it |
 */
import type { DebtorAccount, Jurisdiction, Money, PaymentRunEvent, PaymentRunItem } from '@cfund/contracts';
import type { Actor } from '@cfund/contracts';
import { fourEyesError, refuse, type DomainError } from '../errors.js';
import { localDateOf } from '../deadlines.js';
import { schemeAt } from '../schemes/index.js';

export type PaymentRunStatus = 'none' | 'prepared' | 'released' | 'cancelled';

export interface PaymentRunState {
  status: PaymentRunStatus;
  runId?: string;
  jurisdiction?: Jurisdiction;
  executionOn?: string;
  preparedBy?: string;
  preparedAt?: string;
  /** Every payment as prepared, in its place: an end-to-end id names its run and this place. */
  items: PaymentRunItem[];
  /** Payments voided before the release, by end-to-end id: in `items` still, but never paid by this run. */
  voided: Record<string, { by: string; at: string; reason: string }>;
  /** What the run pays: its payments less those voided. */
  total?: Money;
  released?: { by: string; at: string; messageId: string; debtor: DebtorAccount; fileSha256: string };
}

export const initialPaymentRunState = (): PaymentRunState => ({ status: 'none', items: [], voided: {} });

/** The payments the run pays (the bank file's): those prepared, less those voided. */
export const paymentsOfRun = (s: PaymentRunState): PaymentRunItem[] => s.items.filter((i) => !s.voided[i.endToEndId]);

/** The payments voided from the run. */
export const paymentsVoided = (s: PaymentRunState): PaymentRunItem[] => s.items.filter((i) => s.voided[i.endToEndId]);

interface Command<T extends string, D> { type: T; actor: Actor; at: string; data: D }
export type PaymentRunCommand =
  | Command<'PreparePaymentRun', { runId: string; jurisdiction: Jurisdiction; executionOn: string; items: PaymentRunItem[] }>
  | Command<'ReleasePaymentRun', { messageId: string; debtor: DebtorAccount; fileSha256: string; /** the end-to-end ids the file pays, in order */ paying: string[] }>
  | Command<'CancelPaymentRun', { reason: string }>
  | Command<'VoidPayment', { claimId: string; payment: PaymentRunItem['payment']; reason: string }>;

const paymentName = (i: PaymentRunItem) => `${i.claimId} ${i.payment.kind} ${i.payment.number}`;

function prepare(c: Extract<PaymentRunCommand, { type: 'PreparePaymentRun' }>, s: PaymentRunState): PaymentRunEvent[] {
  if (s.status !== 'none') refuse('already-prepared', `Payment run ${s.runId} already exists.`);
  const { items } = c.data;
  if (items.length === 0) refuse('empty-run', 'A payment run pays at least one instalment or advance.');
  const currency = items[0]!.amount.currency;
  if (items.some((i) => i.amount.currency !== currency)) refuse('mixed-currencies', 'All payments of a run are in one currency.');
  const seen = new Set<string>();
  for (const i of items) {
    for (const key of [paymentName(i), `e2e ${i.endToEndId}`]) {
      if (seen.has(key)) refuse('duplicate-payment', `${key} is in the run twice.`);
      seen.add(key);
    }
  }
  const today = localDateOf(c.at, schemeAt(c.data.jurisdiction, c.at).timeZone);
  if (c.data.executionOn < today) refuse('execution-in-past', `The execution date ${c.data.executionOn} is before today (${today}).`);
  const total = { amountMinor: items.reduce((sum, i) => sum + i.amount.amountMinor, 0), currency };
  return [{
    type: 'PaymentRunPrepared',
    data: {
      schemaVersion: 1, runId: c.data.runId, jurisdiction: c.data.jurisdiction, currency, executionOn: c.data.executionOn,
      preparedBy: c.actor.sub, preparedAt: c.at, items, total,
    },
  }];
}

function requirePrepared(s: PaymentRunState, action: string): void {
  if (s.status === 'none') refuse('no-such-run', 'There is no such payment run.');
  if (s.status === 'released') refuse('run-released', `The run was released to the bank: it cannot ${action}.`);
  if (s.status === 'cancelled') refuse('run-cancelled', `The run was cancelled: it cannot ${action}.`);
}

/** What the four-eyes rule of a release reads of a run: who prepared it, and who approved the awards of the payments it pays (read models pass their own). */
export interface RunReleaseFacts { preparedBy?: string | undefined; paying: readonly { deciders: readonly string[] }[] }

/** Why `who` may not release the run (four-eyes): they prepared it, or approved an award it pays. */
export function releaseConflict(run: RunReleaseFacts, who: string): DomainError | undefined {
  if (run.preparedBy === who) return fourEyesError('preparer-releases-run');
  if (run.paying.some((i) => i.deciders.includes(who))) return fourEyesError('approver-releases-run');
  return undefined;
}

function release(c: Extract<PaymentRunCommand, { type: 'ReleasePaymentRun' }>, s: PaymentRunState): PaymentRunEvent[] {
  requirePrepared(s, 'be released');
  const items = paymentsOfRun(s);
  const conflict = releaseConflict({ preparedBy: s.preparedBy, paying: items }, c.actor.sub);
  if (conflict) throw conflict;
  // The file's digest is of the payments it was built from: a void that came in between makes it another run's file.
  if (c.data.paying.join() !== items.map((i) => i.endToEndId).join()) refuse('run-changed', 'A payment was voided from the run while it was being released: release it again.');
  return [{
    type: 'PaymentRunReleased',
    data: { schemaVersion: 1, runId: s.runId!, releasedBy: c.actor.sub, releasedAt: c.at, messageId: c.data.messageId, debtor: c.data.debtor, fileSha256: c.data.fileSha256 },
  }];
}

function cancel(c: Extract<PaymentRunCommand, { type: 'CancelPaymentRun' }>, s: PaymentRunState): PaymentRunEvent[] {
  requirePrepared(s, 'be cancelled');
  return [{ type: 'PaymentRunCancelled', data: { schemaVersion: 1, runId: s.runId!, cancelledBy: c.actor.sub, cancelledAt: c.at, reason: c.data.reason } }];
}

/** Voiding a payment voided already is a retry: nothing new (the service then finishes taking it off its claim). */
function voidPayment(c: Extract<PaymentRunCommand, { type: 'VoidPayment' }>, s: PaymentRunState): PaymentRunEvent[] {
  requirePrepared(s, 'have a payment voided');
  const { claimId, payment, reason } = c.data;
  const item = s.items.find((i) => i.claimId === claimId && i.payment.kind === payment.kind && i.payment.number === payment.number);
  if (!item) return refuse('payment-not-in-run', `The ${payment.kind} ${payment.number} of claim ${claimId} is not in payment run ${s.runId}.`);
  if (s.voided[item.endToEndId]) return [];
  const rest = paymentsOfRun(s).filter((i) => i !== item);
  if (rest.length === 0) refuse('last-payment', `The ${payment.kind} ${payment.number} of ${item.publicReference} is the run's last payment: cancel the run instead.`);
  const total = { amountMinor: s.total!.amountMinor - item.amount.amountMinor, currency: s.total!.currency };
  return [{
    type: 'PaymentVoided',
    data: { schemaVersion: 1, runId: s.runId!, claimId, payment, endToEndId: item.endToEndId, amount: item.amount, voidedBy: c.actor.sub, voidedAt: c.at, reason, total },
  }];
}

export function decidePaymentRun(command: PaymentRunCommand, state: PaymentRunState): PaymentRunEvent[] {
  switch (command.type) {
    case 'PreparePaymentRun': return prepare(command, state);
    case 'ReleasePaymentRun': return release(command, state);
    case 'CancelPaymentRun': return cancel(command, state);
    case 'VoidPayment': return voidPayment(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolvePaymentRun(state: PaymentRunState, event: PaymentRunEvent): PaymentRunState {
  switch (event.type) {
    case 'PaymentRunPrepared': {
      const d = event.data;
      return {
        status: 'prepared', runId: d.runId, jurisdiction: d.jurisdiction, executionOn: d.executionOn, preparedBy: d.preparedBy,
        preparedAt: d.preparedAt, items: d.items, voided: {}, total: d.total,
      };
    }
    case 'PaymentRunReleased': {
      const d = event.data;
      return { ...state, status: 'released', released: { by: d.releasedBy, at: d.releasedAt, messageId: d.messageId, debtor: d.debtor, fileSha256: d.fileSha256 } };
    }
    case 'PaymentRunCancelled':
      return { ...state, status: 'cancelled' };
    case 'PaymentVoided': {
      const d = event.data;
      return { ...state, voided: { ...state.voided, [d.endToEndId]: { by: d.voidedBy, at: d.voidedAt, reason: d.reason } }, total: d.total };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
