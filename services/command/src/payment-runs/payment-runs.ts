/**
 * Payment runs through the command service: prepare (collect payments, queue each on its claim),
 * release (a second finance officer; the pain.001 file's digest recorded), cancel (before release;
 * the payments leave the run). The file itself is produced again from the stored run on each
 * download (projection service): its names and accounts are never stored in plaintext.
 *
 * Crash safety: preparing writes the run first, then queues its payments one claim at a time. A
 * crash in between leaves a prepared run with some payments not yet queued; preparing again with
 * the same Idempotency-Key (the same run) or releasing it queues the rest first, and a payment
 * another run took meanwhile makes the release refuse (`run-incomplete`), so nothing is paid twice.
 * Cancelling writes the cancellation first, then takes each payment out of the run; cancelling the
 * cancelled run again finishes what a crash left. Voiding one payment goes the same way (`unqueue`):
 * the run first (the bank file leaves it out from then on), then its claim; voiding it again, or
 * releasing or cancelling the run, finishes what a crash left, so the payment is never in the file
 * and on its claim's queue by no run: it can be collected again, into a later run, under a new id.
 * A void that lands while a release is being written makes the release refuse (`run-changed`).
 */
import { createHash } from 'node:crypto';
import { isErased, type PersonalDataProtector } from '@cfund/eventstore';
import type { DebtorAccount, Jurisdiction, PayeeDetails, PaymentRunItem } from '@cfund/contracts';
import {
  DomainError, canActAsFundStaff, claimDecider, decidePaymentRun, ensureAllowed, pain001, paymentsOfRun, paymentsVoided, runPaymentEndToEndId,
  type ClaimState, type Principal, type RunPayment,
} from '@cfund/domain';
import type { Authorize, CommandContext, CommandService } from '../command-service.js';
import { noFaults, type FaultAt } from '../faults.js';

export interface PaymentRequest { claimId: string; instalment?: number | undefined; advance?: number | undefined }

const paymentOf = (p: PaymentRequest): RunPayment =>
  (p.advance !== undefined ? { kind: 'advance', number: p.advance } : { kind: 'instalment', number: p.instalment! });

const messageIdOf = (runId: string): string => `CFUND-${runId.replace(/-/g, '').slice(0, 28)}`;

/** Who queues and unqueues a run's payments on their claims: a finance officer of the claim's jurisdiction. */
const finance: Authorize = (p, c) => canActAsFundStaff(p, c.jurisdiction, 'fund-finance');

const financeOf = (principal: Principal, jurisdiction: Jurisdiction) => ensureAllowed(canActAsFundStaff(principal, jurisdiction, 'fund-finance'));

export class PaymentRuns {
  constructor(
    private readonly service: CommandService,
    private readonly protector: PersonalDataProtector,
    private readonly accounts: Partial<Record<Jurisdiction, DebtorAccount>>,
    private readonly faultAt: FaultAt = noFaults,
  ) {}

  private actor(ctx: CommandContext) {
    return { sub: ctx.principal.sub, roles: ctx.principal.roles };
  }

  /** A payment as its claim is now, checked as QueuePayment will check it (nothing written). */
  private async itemOf(ctx: CommandContext, runId: string, jurisdiction: Jurisdiction, executionOn: string, p: PaymentRequest, index: number): Promise<PaymentRunItem> {
    const { state } = await this.service.loadClaim(p.claimId);
    if (state.jurisdiction !== jurisdiction) {
      throw new DomainError('wrong-jurisdiction', `Claim ${p.claimId} is not of the run's jurisdiction ${jurisdiction}.`, { details: { claimId: p.claimId } });
    }
    const payment = paymentOf(p);
    const e2e = runPaymentEndToEndId(runId, index);
    try {
      claimDecider.decide({ type: 'QueuePayment', actor: this.actor(ctx), at: this.service.at(), data: { runId, payment, executionOn, endToEndId: e2e } }, state);
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError(error.code, `Claim ${state.publicReference ?? p.claimId}: ${error.message}`, { kind: error.kind, details: { ...error.details, claimId: p.claimId } });
      throw error;
    }
    return itemFrom(state, payment, e2e);
  }

  async prepare(ctx: CommandContext, runId: string, request: { jurisdiction: Jurisdiction; executionOn: string; payments: PaymentRequest[] }) {
    financeOf(ctx.principal, request.jurisdiction);
    let run = await this.service.loadPaymentRun(runId);
    let revision: number | undefined;
    if (run.status === 'none') {
      const items = [];
      for (const [i, p] of request.payments.entries()) items.push(await this.itemOf(ctx, runId, request.jurisdiction, request.executionOn, p, i));
      const prepared = await this.service.paymentRunCommand(runId, ctx, {
        type: 'PreparePaymentRun', actor: this.actor(ctx), at: this.service.at(),
        data: { runId, jurisdiction: request.jurisdiction, executionOn: request.executionOn, items },
      });
      run = prepared.state;
      revision = prepared.revision;
    } else if (run.preparedBy !== ctx.principal.sub || run.status !== 'prepared') {
      throw new DomainError('already-prepared', `Payment run ${runId} already exists.`);
    }
    await this.queueAll(ctx, runId, run.executionOn!, paymentsOfRun(run), () => this.faultAt('during-run-preparation', runId));
    return { runId, revision: revision ?? 0, events: revision === undefined ? [] : ['PaymentRunPrepared'], total: run.total!, payments: paymentsOfRun(run).length };
  }

  /** Queues every payment of the run on its claim (a payment queued already by this run is a no-op). */
  private async queueAll(ctx: CommandContext, runId: string, executionOn: string, items: readonly PaymentRunItem[], afterEach: () => void | Promise<void> = () => {}): Promise<void> {
    for (const item of items) {
      try {
        await this.service.claimCommand(item.claimId, ctx, finance, (at) => ({
          type: 'QueuePayment', actor: this.actor(ctx), at, data: { runId, payment: item.payment, executionOn, endToEndId: item.endToEndId },
        }));
        await afterEach();
      } catch (error) {
        if (error instanceof DomainError) {
          throw new DomainError('run-incomplete', `Payment run ${runId} cannot hold ${item.publicReference} ${item.payment.kind} ${item.payment.number} (${error.message}); cancel the run and prepare another.`, { details: { claimId: item.claimId, cause: error.code } });
        }
        throw error;
      }
    }
  }

  async release(ctx: CommandContext, runId: string) {
    const run = await this.service.loadPaymentRun(runId);
    if (run.status === 'none') throw new DomainError('no-such-run', 'There is no such payment run.');
    financeOf(ctx.principal, run.jurisdiction!);
    // The run's own rules first (four-eyes, released or cancelled), then what only the claims can tell.
    const at = this.service.at();
    const debtor = this.accounts[run.jurisdiction!];
    if (!debtor) throw new DomainError('no-fund-account', `No fund account is configured for ${run.jurisdiction} (FUND_ACCOUNTS).`);
    const items = paymentsOfRun(run);
    const paying = items.map((i) => i.endToEndId);
    decidePaymentRun({ type: 'ReleasePaymentRun', actor: this.actor(ctx), at, data: { messageId: 'check', debtor, fileSha256: '0'.repeat(64), paying } }, run);
    await this.queueAll(ctx, runId, run.executionOn!, items);
    await this.unqueue(ctx, runId, paymentsVoided(run), 'voided');
    const payees = await this.payeesOf(items);
    const messageId = messageIdOf(runId);
    const file = pain001({ messageId, createdAt: at, runId, executionOn: run.executionOn!, debtor, items, payees });
    const fileSha256 = createHash('sha256').update(file, 'utf8').digest('hex');
    const released = await this.service.paymentRunCommand(runId, ctx, { type: 'ReleasePaymentRun', actor: this.actor(ctx), at, data: { messageId, debtor, fileSha256, paying } });
    await this.faultAt('after-run-released', runId);
    return { runId, revision: released.revision, events: released.events.map((e) => e.type), fileSha256 };
  }

  async cancel(ctx: CommandContext, runId: string, reason: string) {
    const run = await this.service.loadPaymentRun(runId);
    if (run.status === 'none') throw new DomainError('no-such-run', 'There is no such payment run.');
    financeOf(ctx.principal, run.jurisdiction!);
    // Cancelling a cancelled run again takes its payments out of it: what a crash after the first write left queued.
    const cancelled = run.status === 'cancelled' ? { revision: 0, events: [] }
      : await this.service.paymentRunCommand(runId, ctx, { type: 'CancelPaymentRun', actor: this.actor(ctx), at: this.service.at(), data: { reason } });
    await this.unqueue(ctx, runId, paymentsOfRun(run), 'run-cancelled');
    await this.unqueue(ctx, runId, paymentsVoided(run), 'voided');
    return { runId, revision: cancelled.revision, events: cancelled.events.map((e) => e.type) };
  }

  async voidPayment(ctx: CommandContext, runId: string, request: PaymentRequest & { reason: string }) {
    const run = await this.service.loadPaymentRun(runId);
    if (run.status === 'none') throw new DomainError('no-such-run', 'There is no such payment run.');
    financeOf(ctx.principal, run.jurisdiction!);
    const payment = paymentOf(request);
    const voided = await this.service.paymentRunCommand(runId, ctx, {
      type: 'VoidPayment', actor: this.actor(ctx), at: this.service.at(), data: { claimId: request.claimId, payment, reason: request.reason },
    });
    // Voided now or by an earlier attempt that a crash cut short: off its claim's queue either way.
    const same = (i: PaymentRunItem) => i.claimId === request.claimId && i.payment.kind === payment.kind && i.payment.number === payment.number;
    await this.unqueue(ctx, runId, paymentsVoided(voided.state).filter(same), 'voided');
    return { runId, revision: voided.revision, events: voided.events.map((e) => e.type), total: voided.state.total!, payments: paymentsOfRun(voided.state).length };
  }

  /** Takes payments off their claims' queues (a payment no longer queued by this run is a no-op). */
  private async unqueue(ctx: CommandContext, runId: string, items: readonly PaymentRunItem[], reason: 'run-cancelled' | 'voided'): Promise<void> {
    for (const item of items) {
      await this.service.claimCommand(item.claimId, ctx, finance, (at) => ({ type: 'UnqueuePayment', actor: this.actor(ctx), at, data: { runId, payment: item.payment, reason } }));
    }
  }

  private async payeesOf(items: readonly PaymentRunItem[]): Promise<PayeeDetails[]> {
    const out: PayeeDetails[] = [];
    for (const item of items) {
      const details = await this.protector.decryptPersonalData<PayeeDetails>(item.victimRef, item.payeeDetails);
      if (isErased(details)) throw new DomainError('personal-data-erased', `The payee of ${item.publicReference} was erased with the victim's data: cancel the run and prepare another.`);
      out.push(details);
    }
    return out;
  }
}

/** A run's item from its claim's state: the payee in force, encrypted, and who decided the award. */
function itemFrom(state: ClaimState, payment: RunPayment, e2e: string): PaymentRunItem {
  const payee = state.payee.current!;
  const amount = payment.kind === 'instalment'
    ? state.fund.instalments.find((i) => i.number === payment.number)!.amount
    : state.fund.advances.find((a) => a.number === payment.number)!.amount;
  const advance = payment.kind === 'advance' ? state.fund.advances.find((a) => a.number === payment.number) : undefined;
  return {
    claimId: state.claimId!, publicReference: state.publicReference ?? state.claimId!, victimRef: state.victimRef!, payment, amount, endToEndId: e2e,
    payeeKind: payee.kind, maskedAccount: payee.maskedAccount, payeeDetails: payee.details,
    deciders: [...new Set([...state.fund.deciders, ...(advance ? [advance.approvedBy] : [])])],
  };
}
