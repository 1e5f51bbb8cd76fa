/**
 * Keeps each fund-year ledger in step with its claims' money. The rule of what a claim ties up
 * and has paid is the domain's `claimFunding`; this module only moves the ledger to it.
 *
 * A claim's money may be held by several fund years (`claimFunding`'s `years`): the award's
 * fund year, and the years its scheduled instalments fall due in. A claim stream and a ledger
 * stream have no transaction between them, so the order is chosen so that a crash anywhere
 * leaves money committed to nothing rather than a decision, schedule or payment without funds:
 *   1. before a claim's events are appended, whatever they newly tie up in each year is
 *      committed in that year's ledger (refused with `budget-exceeded`, or `no-budget` when the
 *      year has no budget yet: then nothing is appended, and what was committed in other years
 *      for it is released), and every payment they record is checked against what the ledger of
 *      its year holds for the claim (`disbursement-exceeds-commitment`: nothing is appended);
 *   2. the claim's events are appended;
 *   3. the ledgers are settled: payments recorded, failed ones returned, what the claim no longer
 *      ties up in a year released (a schedule's later instalments out of the award's year),
 *      recoveries from the offender credited (in the ledger of the year each
 *      was received, which need not be the claim's fund year; each once, by its number).
 * A crash between 1 and 2 leaves an excess commitment (a schedule's money held twice: in its
 * later years and still in the award's year), between 2 and 3 an unrecorded payment,
 * release or recovery: the claim's next command that moves its money, or the reconciler, settles
 * them. A recovery is money coming in, so it is credited only after the claim recorded it: a
 * crash can leave the fund poorer on paper, never richer.
 */
import type { Jurisdiction, Money } from '@cfund/contracts';
import {
  DomainError, formatMoney, claimFunding, emptyClaimFunds, fundingDifferences, fundingInYear, ledgerYears, outstanding, paymentKey, tiedOf,
  type ClaimFunding, type ClaimFunds, type ClaimState, type FundedPayment, type FundingDifference, type LedgerCommand, type LedgerState, type PaymentRef, type YearFunding,
} from '@cfund/domain';
import type { CommandContext } from '../command-service.js';
import type { Metrics } from '../metrics.js';

/** What the module needs of the ledger streams (the command service's batched ledger writer). */
export interface LedgerPort {
  ledgerCommand(jurisdiction: Jurisdiction, year: number, ctx: FundingContext, command: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>): Promise<unknown>;
  /** The cached ledger, read only when unknown (ledger commands decide on the store's state anyway). */
  cachedLedger(jurisdiction: Jurisdiction, year: number): Promise<Readonly<LedgerState>>;
  /** The ledger as the store has it now. */
  loadLedger(jurisdiction: Jurisdiction, year: number): Promise<Readonly<LedgerState>>;
}

/** Who acts (the ledger events are written under the claim command's actor and correlation). */
export type FundingContext = CommandContext;

const refKey = (p: FundedPayment): PaymentRef => (p.advance !== undefined ? { advance: p.advance } : { instalment: p.instalment! });
const recordedIn = (f: ClaimFunds | undefined, p: FundedPayment): boolean =>
  f !== undefined && (p.advance !== undefined ? f.advances.includes(p.advance) : f.instalments.includes(p.instalment!));

/** Whether the claim's money differs between two states (most commands change none of it). */
export function fundingChanged(a: ClaimFunding, b: ClaimFunding): boolean {
  if (a.tied !== b.tied || a.paid !== b.paid || a.payments.length !== b.payments.length || a.fundYear !== b.fundYear) return true;
  // A schedule ties up what the award did, spread over the years its instalments fall due in.
  if (a.years.length !== b.years.length || a.years.some((y, i) => y.year !== b.years[i]!.year || y.tied !== b.years[i]!.tied)) return true;
  // Recoveries are only ever added to a claim.
  if (a.recoveries.length !== b.recoveries.length) return true;
  const keys = new Set(b.payments.map(paymentKey));
  return a.payments.some((p) => !keys.has(paymentKey(p)));
}

/** A claim command's effect on the claim's money: `claimFunding` of the states before and after, computed once per command. */
export interface FundingChange {
  before: ClaimFunding;
  after: ClaimFunding;
}

export const fundingChange = (before: ClaimState, after: ClaimState): FundingChange => ({ before: claimFunding(before), after: claimFunding(after) });

export class AwardFunding {
  constructor(private readonly ledgers: LedgerPort, private readonly metrics: Metrics) {}

  /**
   * Step 1: commit what `after` ties up beyond what the ledgers hold, in each year, and check
   * that every new payment is covered by the ledger of its year. Safe to repeat (commitments
   * are to a target, not by an amount). Tells `committed` of each year it committed in, as it
   * goes: a refusal in a later year leaves the earlier ones to be settled by the caller.
   */
  async beforeAppend(claimId: string, after: ClaimState, change: FundingChange, ctx: FundingContext, committed: (year: number) => void): Promise<void> {
    const { after: a, before: b } = change;
    if (!fundingChanged(a, b) || a.years.length === 0) return;
    const jurisdiction = after.jurisdiction!;
    const money = (amountMinor: number): Money => ({ amountMinor, currency: after.currency! });
    const tiedBefore = (year: number): number => b.years.find((y) => y.year === year)?.tied ?? 0;
    const newPayments = new Set(a.payments.filter((p) => !b.payments.some((q) => paymentKey(q) === paymentKey(p))).map(paymentKey));
    if (newPayments.size > 0) {
      for (const y of a.years) {
        if (y.payments.some((p) => newPayments.has(paymentKey(p)))) await this.checkPayment(claimId, after, y, tiedBefore(y.year), jurisdiction, ctx, committed);
      }
      return;
    }
    for (const y of a.years) {
      if (y.tied <= tiedBefore(y.year)) continue;
      // A decision or schedule that ties up more in this year: commit it (a retry after a crash finds it committed).
      const cached = (await this.ledgers.cachedLedger(jurisdiction, y.year)).claims[claimId];
      if (y.tied <= tiedOf(cached)) {
        this.metrics.ledgerRepairs.inc({ kind: 'commitment-reused' });
        continue;
      }
      await this.ledgers.ledgerCommand(jurisdiction, y.year, ctx, { type: 'CommitFunds', data: { claimId, tied: money(y.tied) } });
      committed(y.year);
    }
  }

  /**
   * Money leaves the fund from the ledger of `y.year`: decide on that ledger as the store has it,
   * not on a cached copy. A ledger that holds less than the claim's standing decisions tie up in
   * the year (a write lost, or written before the ledger followed every decision) gets the
   * shortfall committed first, with the budget check, so that the payment is covered or refused.
   */
  private async checkPayment(claimId: string, after: ClaimState, y: YearFunding, tiedBefore: number, jurisdiction: Jurisdiction, ctx: FundingContext, committed: (year: number) => void): Promise<void> {
    let f = (await this.ledgers.loadLedger(jurisdiction, y.year)).claims[claimId];
    if (y.tied > tiedOf(f)) {
      await this.ledgers.ledgerCommand(jurisdiction, y.year, ctx, { type: 'CommitFunds', data: { claimId, tied: { amountMinor: y.tied, currency: after.currency! } } });
      if (y.tied > tiedBefore) committed(y.year);
      this.metrics.ledgerRepairs.inc({ kind: 'shortfall-committed' });
      f = (await this.ledgers.loadLedger(jurisdiction, y.year)).claims[claimId];
    }
    const held = f ?? emptyClaimFunds();
    const paying = y.payments.filter((p) => !recordedIn(held, p)).reduce((s, p) => s + p.amountMinor, 0);
    const returning = this.toReturn(after, held).reduce((s, r) => s + r.amount, 0);
    const free = outstanding(held) + returning;
    if (paying > free) {
      const held: Money = { amountMinor: free, currency: after.currency! };
      const needed: Money = { amountMinor: paying, currency: after.currency! };
      throw new DomainError('disbursement-exceeds-commitment', `The fund holds ${formatMoney(held)} for this claim in ${y.year}; this payment needs ${formatMoney(needed)}.`, {
        details: { year: y.year, outstanding: held, needed },
      });
    }
  }

  /** Step 3 after a claim's events were appended: settles the ledger when the claim's money changed. */
  async afterAppend(claimId: string, after: ClaimState, change: FundingChange, ctx: FundingContext): Promise<string[]> {
    if (!fundingChanged(change.after, change.before)) return [];
    return this.settle(claimId, after, ctx);
  }

  /**
   * Moves the claim's entries in the ledgers of the years its award is held in and of the years
   * it recovered money in (`ledgerYears`) to what the claim says: failed payments returned, a
   * shortfall committed, payments recorded, an excess released, recoveries credited. Later years
   * first: money moving from the award's year into the years its instalments fall due in is
   * committed there before it is released here (a refusal on the way leaves it held twice,
   * never nowhere). Returns the ledger events' types it caused (empty when they agree).
   * `ledgerState`: the fund year's ledger, if already loaded.
   */
  async settle(claimId: string, state: ClaimState, ctx: FundingContext, ledgerState?: Readonly<LedgerState>): Promise<string[]> {
    if (state.jurisdiction === undefined) return [];
    const funding = claimFunding(state);
    const done: string[] = [];
    for (const year of ledgerYears(funding).reverse()) {
      done.push(...await this.settleIn(claimId, state, state.jurisdiction, year, ctx, year === funding.fundYear ? ledgerState : undefined));
    }
    return done;
  }

  /**
   * `settle` in one fund year's ledger, to what that year must hold for the claim
   * (`fundingInYear`). A year that holds none of the award (funds committed for a decision or
   * schedule that never reached the claim) owes the claim nothing:
   * what was committed there and not paid out is released; it is credited the recoveries received in it.
   */
  async settleIn(claimId: string, state: ClaimState, jurisdiction: Jurisdiction, year: number, ctx: FundingContext, ledgerState?: Readonly<LedgerState>): Promise<string[]> {
    const a = fundingInYear(claimFunding(state), year);
    const ledger = ledgerState ?? await this.ledgers.cachedLedger(jurisdiction, year);
    const money = (amountMinor: number): Money => ({ amountMinor, currency: state.currency ?? ledger.currency! });
    const f = ledger.claims[claimId];
    if (fundingDifferences(claimId, a, f).length === 0) return [];
    const done: string[] = [];
    const run = async (command: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>, event: string): Promise<void> => {
      const r = await this.ledgers.ledgerCommand(jurisdiction, year, ctx, command) as { events: unknown[] };
      if (r.events.length > 0) done.push(event);
    };
    if (a.years.length === 0) {
      // Payments recorded in a year that holds none of the claim's award cannot be undone here: report them (differences), release the rest.
      if (f && tiedOf(f) > f.disbursed) await run({ type: 'ReleaseFunds', data: { claimId, tied: money(0), reason: 'committed to a decision that was not completed' } }, 'FundsReleased');
    } else {
      for (const r of this.toReturn(state, f)) {
        await run({ type: 'ReturnFunds', data: { claimId, payment: r.payment, amount: money(r.amount), reason: 'the payment failed' } }, 'FundsReturned');
      }
      if (a.tied > tiedOf(f)) await run({ type: 'CommitFunds', data: { claimId, tied: money(a.tied) } }, 'FundsCommitted');
      for (const p of a.payments) {
        if (!recordedIn(f, p)) await run({ type: 'DisburseFunds', data: { claimId, payment: refKey(p), amount: money(p.amountMinor) } }, 'FundsDisbursed');
      }
      if (tiedOf(f) > a.tied) await run({ type: 'ReleaseFunds', data: { claimId, tied: money(a.tied), reason: 'no longer owed on the claim' } }, 'FundsReleased');
    }
    // Never beyond what the claim recovered in the year: a credit of before recoveries were
    // numbered (v1) names none of them, and is left to a person as a difference, not credited twice.
    let credited = f?.recovered ?? 0;
    for (const r of a.recoveries) {
      if (f?.recoveries.includes(r.recovery) || credited + r.amountMinor > a.recovered) continue;
      await run({ type: 'CreditRecovery', data: { claimId, recovery: r.recovery, amount: money(r.amountMinor) } }, 'RecoveryCredited');
      credited += r.amountMinor;
    }
    for (const kind of done) this.metrics.ledgerSettlements.inc({ kind });
    return done;
  }

  /** The claim's differences from the ledger of `year` (empty when they agree). */
  differences(claimId: string, state: ClaimState, year: number, ledger: Readonly<LedgerState>): FundingDifference[] {
    return fundingDifferences(claimId, fundingInYear(claimFunding(state), year), ledger.claims[claimId]);
  }

  /** Payments the ledger records that the claim no longer counts as paid (they failed), with their amounts. */
  private toReturn(state: ClaimState, f: ClaimFunds | undefined): { payment: PaymentRef; amount: number }[] {
    if (!f) return [];
    const out: { payment: PaymentRef; amount: number }[] = [];
    for (const n of f.instalments) {
      const i = state.fund.instalments.find((x) => x.number === n);
      if (i && i.status !== 'disbursed') out.push({ payment: { instalment: n }, amount: i.amount.amountMinor });
    }
    for (const n of f.advances) {
      const adv = state.fund.advances.find((x) => x.number === n);
      if (adv && adv.status !== 'disbursed') out.push({ payment: { advance: n }, amount: adv.amount.amountMinor });
    }
    return out;
  }
}
