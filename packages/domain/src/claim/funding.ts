import { totalMinor } from '../money.js';
import type { ClaimState } from './state.js';

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

/**
 * What a claim's money must look like in its fund year's ledger: the one rule the command
 * service keeps the ledger to, the reconciler repairs to and the reconciliation report checks.
 *
 * - `paid`: every instalment and advance disbursed and not failed;
 * - `owed`: what the fund has decided to pay and has not paid yet: the standing award less what
 *   was paid, or, before any decision, the advances approved and not paid; nothing once the
 *   claim is rejected, withdrawn or closed;
 * - `tied` = paid + owed: what the ledger must hold committed and not released for the claim;
 * - `recoveries`: what was recovered from the offender, each credited to the ledger of the year
 *   it was received (`recoveryYear`), which need not be the fund year: money comes back when the
 *   offender pays, often years after the award; `recovered` is their sum.
 */
export interface ClaimFunding {
  /** The fund year the claim's money is committed against (fixed by its first commitment). */
  fundYear?: number;
  tied: number;
  paid: number;
  owed: number;
  payments: FundedPayment[];
  recovered: number;
  recoveries: FundedRecovery[];
}

/** The fund year a recovery is credited to: the year of the local date it was received (the scheme's zone). */
export const recoveryYear = (recordedOn: string): number => Number(recordedOn.slice(0, 4));

export function claimFunding(s: ClaimState): ClaimFunding {
  const payments: FundedPayment[] = [];
  for (const a of s.fund.advances) if (a.status === 'disbursed') payments.push({ advance: a.number, amountMinor: a.amount.amountMinor });
  for (const i of s.fund.instalments) if (i.status === 'disbursed') payments.push({ instalment: i.number, amountMinor: i.amount.amountMinor });
  const paid = totalMinor(payments.map((p) => p.amountMinor));
  const owed = owedOf(s, paid);
  const recoveries = s.fund.recoveries.map((r) => ({ recovery: r.number, year: recoveryYear(r.recordedOn), amountMinor: r.amount.amountMinor }));
  return {
    ...(s.fund.fundYear === undefined ? {} : { fundYear: s.fund.fundYear }), tied: totalMinor([paid, owed]), paid, owed, payments,
    recovered: totalMinor(recoveries.map((r) => r.amountMinor)), recoveries,
  };
}

/**
 * What the ledger of `year` must hold for the claim: its commitment and payments in its fund
 * year only (nothing in any other year), and the recoveries received in `year`.
 */
export function fundingInYear(f: ClaimFunding, year: number): ClaimFunding {
  const recoveries = f.recoveries.filter((r) => r.year === year);
  const recovered = totalMinor(recoveries.map((r) => r.amountMinor));
  if (f.fundYear === year) return { ...f, recovered, recoveries };
  return { tied: 0, paid: 0, owed: 0, payments: [], recovered, recoveries };
}

/** Every fund year whose ledger holds something of the claim: its fund year and the years of its recoveries. */
export function ledgerYears(f: ClaimFunding): number[] {
  const years = new Set(f.recoveries.map((r) => r.year));
  if (f.fundYear !== undefined) years.add(f.fundYear);
  return [...years].sort((a, b) => a - b);
}

function owedOf(s: ClaimState, paid: number): number {
  if (s.status === 'withdrawn' || s.status === 'closed' || s.status === 'none') return 0;
  if (s.fund.netAward !== undefined && !s.fund.rejection) return Math.max(0, s.fund.netAward.amountMinor - paid);
  if (s.fund.rejection) return 0;
  return totalMinor(s.fund.advances.filter((a) => a.status === 'approved').map((x) => x.amount.amountMinor));
}

/** The key of a payment in the ledger and in messages: `instalment-2`, `advance-1`. */
export const paymentKey = (p: { instalment?: number; advance?: number }): string =>
  (p.advance !== undefined ? `advance-${p.advance}` : `instalment-${p.instalment ?? 0}`);
