import type { Actor, Currency, FundEvent, Jurisdiction, Money } from '@cfund/contracts';
import { refuse } from '../errors.js';
import { addMinor, formatMoney } from '../money.js';
import { checkAllocation } from './budget.js';

/**
 * The fund-year ledger (contracts' `fundStream(jurisdiction, year)`): the budget, what awards commit of
 * it, what reductions and withdrawals release, what is paid out and what recoveries bring back.
 * It is never over-committed: a commitment larger than what is available is refused.
 */
export interface ClaimFunds {
  committed: number;
  released: number;
  /** Paid out and not returned. */
  disbursed: number;
  /** Instalments and advances paid out and not returned, by number. */
  instalments: number[];
  advances: number[];
  /** Recovered from the offender on the claim and credited in this year, and which recoveries (their numbers on the claim). */
  recovered: number;
  recoveries: number[];
}

export interface LedgerState {
  jurisdiction?: Jurisdiction;
  year?: number;
  currency?: Currency;
  allocated: number;
  recovered: number;
  claims: Record<string, ClaimFunds>;
}

export const initialLedgerState = (): LedgerState => ({ allocated: 0, recovered: 0, claims: {} });

interface Command<T extends string, D> { type: T; actor: Actor; at: string; jurisdiction: Jurisdiction; year: number; data: D }

export type LedgerCommand =
  | Command<'AllocateBudget', { amount: Money }>
  /** Commits what the claim lacks of `tied` (committed and not released); nothing when it has that much. */
  | Command<'CommitFunds', { claimId: string; tied: Money }>
  /** Releases what the claim holds above `tied`, never what was paid out; nothing when it holds no more. */
  | Command<'ReleaseFunds', { claimId: string; tied: Money; reason: string }>
  | Command<'DisburseFunds', { claimId: string; payment: PaymentRef; amount: Money }>
  | Command<'ReturnFunds', { claimId: string; payment: PaymentRef; amount: Money; reason: string }>
  /** Credits the claim's recovery number `recovery`; nothing when it was credited already. */
  | Command<'CreditRecovery', { claimId: string; recovery: number; amount: Money }>;

/** An instalment or an advance of a claim (exactly one of the two). */
export type PaymentRef = { instalment: number; advance?: undefined } | { advance: number; instalment?: undefined };

/**
 * Committed, not released and not paid out: of a claim's entry, or of sums over entries. Summed
 * through addMinor: a stored event may hold amounts beyond today's bounds.
 */
export const outstanding = (f: Pick<ClaimFunds, 'committed' | 'released' | 'disbursed'>): number =>
  addMinor(f.committed, -addMinor(f.released, f.disbursed));
/** Committed to the claim and not released (paid out or still to pay). */
export const tiedOf = (f: ClaimFunds | undefined): number => (f ? f.committed - f.released : 0);
export const emptyClaimFunds = (): ClaimFunds => ({ committed: 0, released: 0, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] });
const isRecorded = (f: ClaimFunds | undefined, p: PaymentRef): boolean =>
  f !== undefined && (p.advance !== undefined ? f.advances.includes(p.advance) : f.instalments.includes(p.instalment!));

/** What new commitments may still take: the budget and recoveries, less what is committed and not released. */
const remainingOf = (allocated: number, recovered: number, tied: number): number => addMinor(addMinor(allocated, recovered), -tied);

export function available(s: LedgerState): number {
  let tied = 0;
  for (const f of Object.values(s.claims)) tied = addMinor(tied, f.committed - f.released);
  return remainingOf(s.allocated, s.recovered, tied);
}

/** A fund year's sums, as the projection's GET /funds/{jurisdiction}/{year} gives them. */
export interface FundYearSums { allocatedMinor: number; committedMinor: number; releasedMinor: number; disbursedMinor: number; recoveredMinor: number }

/**
 * How a fund year's budget is used (the monitoring's budget-use table, the console's funds page):
 * the budget, what awards committed and did not release, what was paid out and not returned, what
 * was recovered from offenders, and what remains for new commitments; `usedShare` is the committed
 * share of the budget (null without a budget).
 */
export interface BudgetUse { allocated: number; committed: number; disbursed: number; recovered: number; remaining: number; usedShare: number | null }

export function budgetUse(y: FundYearSums): BudgetUse {
  const committed = addMinor(y.committedMinor, -y.releasedMinor);
  return {
    allocated: y.allocatedMinor, committed, disbursed: y.disbursedMinor, recovered: y.recoveredMinor,
    remaining: remainingOf(y.allocatedMinor, y.recoveredMinor, committed),
    usedShare: y.allocatedMinor > 0 ? committed / y.allocatedMinor : null,
  };
}

/**
 * Applies one ledger event. A fund year's ledger has an entry per claim, and copying them all for
 * every event made loading a year quadratic (most of a busy command service's CPU); so a fold owns
 * its state: the claims table of the state given is updated in place and shared with the result.
 * Keep a `cloneLedger` of a state you need unchanged after evolving it further.
 */
export function evolveLedger(state: LedgerState, event: FundEvent): LedgerState {
  const d = event.data;
  const s: LedgerState = { ...state, jurisdiction: d.jurisdiction, year: d.year };
  const claim = (id: string): ClaimFunds => (s.claims[id] ??= emptyClaimFunds());
  switch (event.type) {
    case 'FundBudgetAllocated':
      return { ...s, currency: event.data.amount.currency, allocated: addMinor(s.allocated, event.data.amount.amountMinor) };
    case 'FundsCommitted': {
      const f = claim(event.data.claimId);
      f.committed = addMinor(f.committed, event.data.amount.amountMinor);
      return s;
    }
    case 'FundsReleased': {
      const f = claim(event.data.claimId);
      f.released = addMinor(f.released, event.data.amount.amountMinor);
      return s;
    }
    case 'FundsDisbursed': {
      const f = claim(event.data.claimId);
      f.disbursed = addMinor(f.disbursed, event.data.amount.amountMinor);
      if (event.data.advance !== undefined) f.advances.push(event.data.advance);
      else if (event.data.instalment !== undefined) f.instalments.push(event.data.instalment);
      return s;
    }
    case 'FundsReturned': {
      const f = claim(event.data.claimId);
      f.disbursed = addMinor(f.disbursed, -event.data.amount.amountMinor);
      const { advance, instalment } = event.data;
      if (advance !== undefined) f.advances = f.advances.filter((n) => n !== advance);
      else f.instalments = f.instalments.filter((n) => n !== instalment);
      return s;
    }
    case 'RecoveryCredited': {
      const f = claim(event.data.claimId);
      f.recovered = addMinor(f.recovered, event.data.amount.amountMinor);
      // A v1 credit names no recovery: it counts in the sums only.
      if (event.data.recovery !== undefined) f.recoveries.push(event.data.recovery);
      return { ...s, recovered: addMinor(s.recovered, event.data.amount.amountMinor) };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** A deep copy of a ledger state, independent of later `evolveLedger` calls on the original. */
export function cloneLedger(s: LedgerState): LedgerState {
  const claims: Record<string, ClaimFunds> = {};
  for (const [id, f] of Object.entries(s.claims)) claims[id] = { ...f, instalments: [...f.instalments], advances: [...f.advances], recoveries: [...f.recoveries] };
  return { ...s, claims };
}


function requireCurrency(s: LedgerState, amount: Money): void {
  if (s.currency && amount.currency !== s.currency) {
    refuse('currency-mismatch', `This fund year is kept in ${s.currency}; ${amount.currency} was given.`);
  }
}

function requireMoney(s: LedgerState, amount: Money): void {
  requireCurrency(s, amount);
  if (amount.amountMinor <= 0) refuse('zero-amount', 'An amount of zero changes nothing in the ledger.');
}

const paymentFields = (p: PaymentRef): { instalment: number } | { advance: number } =>
  (p.advance !== undefined ? { advance: p.advance } : { instalment: p.instalment! });

export function decideLedger(c: LedgerCommand, s: LedgerState): FundEvent[] {
  const base = { schemaVersion: 1 as const, jurisdiction: c.jurisdiction, year: c.year };
  switch (c.type) {
    case 'AllocateBudget':
      requireMoney(s, c.data.amount);
      checkAllocation(s, c.jurisdiction, c.year, c.data.amount);
      return [{ type: 'FundBudgetAllocated', data: { ...base, amount: c.data.amount, allocatedBy: c.actor.sub, allocatedAt: c.at } }];
    case 'CommitFunds': {
      if (!s.currency) refuse('no-budget', `No budget has been allocated for ${c.jurisdiction} ${c.year}.`, { jurisdiction: c.jurisdiction, year: c.year });
      requireCurrency(s, c.data.tied);
      // A retried commitment (after a crash, or by a second writer) finds the claim funded and changes nothing.
      const lacking = c.data.tied.amountMinor - tiedOf(s.claims[c.data.claimId]);
      if (lacking <= 0) return [];
      const free = available(s);
      if (lacking > free) {
        // Amounts as Money (with the fund year's currency), so that a client can word them.
        const available: Money = { amountMinor: free, currency: c.data.tied.currency };
        const needed: Money = { amountMinor: lacking, currency: c.data.tied.currency };
        refuse('budget-exceeded', `The fund has ${formatMoney(available)} left for ${c.year}; the award needs ${formatMoney(needed)} more.`, { year: c.year, available, needed });
      }
      return [{ type: 'FundsCommitted', data: { ...base, claimId: c.data.claimId, amount: { amountMinor: lacking, currency: c.data.tied.currency } } }];
    }
    case 'ReleaseFunds': {
      requireCurrency(s, c.data.tied);
      const f = s.claims[c.data.claimId];
      if (!f) return [];
      // What was paid out stays tied: only what is committed and not paid can be released.
      const excess = tiedOf(f) - Math.max(c.data.tied.amountMinor, f.disbursed);
      if (excess <= 0) return [];
      return [{ type: 'FundsReleased', data: { ...base, claimId: c.data.claimId, amount: { amountMinor: excess, currency: c.data.tied.currency }, reason: c.data.reason } }];
    }
    case 'DisburseFunds': {
      requireMoney(s, c.data.amount);
      const f = s.claims[c.data.claimId];
      if (isRecorded(f, c.data.payment)) return [];
      if (!f || c.data.amount.amountMinor > outstanding(f)) {
        const held: Money = { amountMinor: f ? outstanding(f) : 0, currency: c.data.amount.currency };
        refuse('disbursement-exceeds-commitment', `A payout must be covered by funds committed to the award: ${formatMoney(held)} is.`, { outstanding: held });
      }
      return [{ type: 'FundsDisbursed', data: { ...base, claimId: c.data.claimId, ...paymentFields(c.data.payment), amount: c.data.amount } }];
    }
    case 'ReturnFunds': {
      requireMoney(s, c.data.amount);
      if (!isRecorded(s.claims[c.data.claimId], c.data.payment)) return [];
      return [{ type: 'FundsReturned', data: { ...base, claimId: c.data.claimId, ...paymentFields(c.data.payment), amount: c.data.amount, reason: c.data.reason } }];
    }
    case 'CreditRecovery': {
      requireMoney(s, c.data.amount);
      // A retry, a crash's repair or the reconciler finds the recovery credited and changes nothing.
      if (s.claims[c.data.claimId]?.recoveries.includes(c.data.recovery)) return [];
      const { claimId, recovery, amount } = c.data;
      return [{ type: 'RecoveryCredited', data: { ...base, schemaVersion: 2, claimId, recovery, amount } }];
    }
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
}

