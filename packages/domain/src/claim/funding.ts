import { addMinor, totalMinor } from '../money.js';
import { advanceUnpaid, type ClaimState } from './state.js';

/** One payment out of the fund for a claim: an instalment of the payout or an advance. */
export interface FundedPayment {
  instalment?: number;
  advance?: number;
  amountMinor: number;
}

/** A recovery from the offender as the ledger credits it: in the fund year it was received. */
export interface FundedRecovery {
  /** Its number on the claim: what makes a second credit of it a no-op. */
  recovery: number;
  year: number;
  amountMinor: number;
}

/** What one fund year's ledger must hold of a claim's award: its part of `tied`, `paid`, `owed` and `payments`. */
export interface YearFunding {
  year: number;
  tied: number;
  paid: number;
  owed: number;
  payments: FundedPayment[];
}

/**
 * What a claim's money must look like in the fund-year ledgers: the one rule the command service
 * keeps the ledgers to, the reconciler repairs to and the reconciliation report checks.
 *
 * - `paid`: every instalment and advance disbursed and not failed;
 * - `owed`: what the fund has decided to pay and has not paid yet: the standing award less what
 *   was paid, or, before any decision, the advances approved and not paid; nothing once the
 *   claim is rejected, withdrawn or closed;
 * - `tied` = paid + owed: what the ledgers must hold committed and not released for the claim;
 * - `years`: where `tied` is held (`yearsOfAward`): a scheduled instalment in the fund year of its
 *   due date, the rest in the award's fund year;
 * - `recoveries`: what was recovered from the offender, each credited to the ledger of the year
 *   it was received (`recoveryYear`), which need not be the fund year: money comes back when the
 *   offender pays, often years after the award; `recovered` is their sum.
 */
export interface ClaimFunding {
  /** The award's fund year: its decision's year (fixed by its first commitment). */
  fundYear?: number;
  tied: number;
  paid: number;
  owed: number;
  payments: FundedPayment[];
  /** The award's money by fund year, in year order: the fund year first, then the years later instalments fall due in. */
  years: YearFunding[];
  recovered: number;
  recoveries: FundedRecovery[];
}

/** The fund year a recovery is credited to: the year of the local date it was received (the scheme's zone). */
export const recoveryYear = (recordedOn: string): number => Number(recordedOn.slice(0, 4));

/**
 * The fund year an instalment falls due in, for its commitment: the year of its due date (a local
 * date in the scheme's zone), never before the award's fund year (a schedule recorded after the
 * fact does not reach back into a past year's budget).
 */
export const dueYear = (dueOn: string, fundYear: number): number => Math.max(fundYear, Number(dueOn.slice(0, 4)));

/**
 * The fund year an instalment's money is committed in: its `dueYear`, fixed by the schedule (paid
 * early or failed, it stays there). A schedule of before this rule (`committedByDueYear` false)
 * keeps every instalment in the award's fund year, except those a fund admin moved to their due
 * year since (`SpreadCommitmentsByYear`: the ones not paid then).
 */
export const instalmentYear = (s: ClaimState, i: { number: number; dueOn: string }, fundYear: number): number =>
  (s.fund.committedByDueYear ? dueYear(i.dueOn, fundYear) : s.fund.spreadYears?.[i.number] ?? fundYear);

/** An instalment whose money an old schedule's spread moves: not paid, and due in a year after the award's fund year. */
const laterThanAwardYear = (i: { dueOn: string; status: string }, fundYear: number): boolean =>
  i.status !== 'disbursed' && dueYear(i.dueOn, fundYear) > fundYear;

/** Whether the award's commitments are in the years its instalments fall due in: by its schedule, or spread since. */
export const commitmentsSpreadByYear = (s: ClaimState): boolean => Boolean(s.fund.committedByDueYear || s.fund.spreadYears);

/** The statuses in which an old schedule's commitments may be spread by year (a schedule exists, money is still owed or was paid). */
export const SPREAD_STATUSES = ['scheduled', 'paid'] as const;

/**
 * Whether SpreadCommitmentsByYear can succeed on a claim, from what a read model's claim view
 * says of it (the decider refuses in exactly the other cases): in a spread status, not spread yet,
 * and an instalment not paid falls due after the award's fund year.
 */
export function canSpreadCommitments(claim: {
  status: string; fund: { commitmentsSpreadByYear: boolean; fundYear: number | null; instalments: readonly { dueOn: string; status: string }[] };
}): boolean {
  const { fundYear } = claim.fund;
  return (SPREAD_STATUSES as readonly string[]).includes(claim.status) && !claim.fund.commitmentsSpreadByYear && fundYear !== null
    && claim.fund.instalments.some((i) => laterThanAwardYear(i, fundYear));
}

/**
 * What moving an old schedule's money to the years its instalments fall due in moves: each
 * instalment not paid whose due year is after the award's fund year (paid ones stay where the
 * ledger recorded their payment).
 */
export const instalmentsToSpread = (s: ClaimState): { instalment: number; year: number }[] => {
  const fundYear = s.fund.fundYear;
  if (fundYear === undefined || commitmentsSpreadByYear(s)) return [];
  return s.fund.instalments
    .filter((i) => laterThanAwardYear(i, fundYear))
    .map((i) => ({ instalment: i.number, year: dueYear(i.dueOn, fundYear) }));
};

export function claimFunding(s: ClaimState): ClaimFunding {
  const payments: FundedPayment[] = [];
  for (const a of s.fund.advances) if (a.status === 'disbursed') payments.push({ advance: a.number, amountMinor: a.amount.amountMinor });
  for (const i of s.fund.instalments) if (i.status === 'disbursed') payments.push({ instalment: i.number, amountMinor: i.amount.amountMinor });
  const paid = totalMinor(payments.map((p) => p.amountMinor));
  const owed = owedOf(s, paid);
  const recoveries = s.fund.recoveries.map((r) => ({ recovery: r.number, year: recoveryYear(r.recordedOn), amountMinor: r.amount.amountMinor }));
  return {
    ...(s.fund.fundYear === undefined ? {} : { fundYear: s.fund.fundYear }), tied: totalMinor([paid, owed]), paid, owed, payments,
    years: yearsOfAward(s, payments, owed),
    recovered: totalMinor(recoveries.map((r) => r.amountMinor)), recoveries,
  };
}

/**
 * Spreads the claim's payments and what it owes over fund years: each instalment, paid or owed,
 * in its `instalmentYear`; advances and what is owed and not scheduled (the award before its
 * schedule) in the fund year. What later years are owed never exceeds `owed` (taken in
 * instalment order), so the years always add up to the claim's totals.
 */
function yearsOfAward(s: ClaimState, payments: readonly FundedPayment[], owed: number): YearFunding[] {
  const fundYear = s.fund.fundYear;
  if (fundYear === undefined) return [];
  const years = new Map<number, YearFunding>([[fundYear, { year: fundYear, tied: 0, paid: 0, owed: 0, payments: [] }]]);
  const entry = (year: number): YearFunding => {
    let y = years.get(year);
    if (!y) years.set(year, y = { year, tied: 0, paid: 0, owed: 0, payments: [] });
    return y;
  };
  const yearOf = new Map(s.fund.instalments.map((i) => [i.number, instalmentYear(s, i, fundYear)]));
  for (const p of payments) {
    const y = entry(p.instalment === undefined ? fundYear : yearOf.get(p.instalment) ?? fundYear);
    y.payments.push(p);
    y.paid = addMinor(y.paid, p.amountMinor);
  }
  let unplaced = owed;
  for (const i of s.fund.instalments) {
    const year = yearOf.get(i.number)!;
    const y = entry(year);
    if (i.status === 'disbursed' || year === fundYear) continue;
    const part = Math.min(i.amount.amountMinor, unplaced);
    y.owed = addMinor(y.owed, part);
    unplaced -= part;
  }
  years.get(fundYear)!.owed = unplaced;
  for (const y of years.values()) y.tied = addMinor(y.paid, y.owed);
  return [...years.values()].sort((a, b) => a.year - b.year);
}

/**
 * What the ledger of `year` must hold for the claim: the award's part in that year (`years`;
 * nothing when the year holds none of it, then `years` is empty) and the recoveries received in
 * `year`.
 */
export function fundingInYear(f: ClaimFunding, year: number): ClaimFunding {
  const recoveries = f.recoveries.filter((r) => r.year === year);
  const recovered = totalMinor(recoveries.map((r) => r.amountMinor));
  const y = f.years.find((x) => x.year === year);
  if (!y) return { tied: 0, paid: 0, owed: 0, payments: [], years: [], recovered, recoveries };
  return {
    ...(f.fundYear === undefined ? {} : { fundYear: f.fundYear }), tied: y.tied, paid: y.paid, owed: y.owed, payments: y.payments, years: [y], recovered, recoveries,
  };
}

/** Every fund year whose ledger holds something of the claim: the years of its award (`years`) and of its recoveries. */
export function ledgerYears(f: ClaimFunding): number[] {
  const years = new Set([...f.years.map((y) => y.year), ...f.recoveries.map((r) => r.year)]);
  return [...years].sort((a, b) => a - b);
}

function owedOf(s: ClaimState, paid: number): number {
  if (s.status === 'withdrawn' || s.status === 'closed' || s.status === 'none') return 0;
  if (s.fund.netAward !== undefined && !s.fund.rejection) return Math.max(0, s.fund.netAward.amountMinor - paid);
  if (s.fund.rejection) return 0;
  return totalMinor(s.fund.advances.filter(advanceUnpaid).map((x) => x.amount.amountMinor));
}

/** The key of a payment in the ledger and in messages: `instalment-2`, `advance-1`. */
export const paymentKey = (p: { instalment?: number; advance?: number }): string =>
  (p.advance !== undefined ? `advance-${p.advance}` : `instalment-${p.instalment ?? 0}`);
