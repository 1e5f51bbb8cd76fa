import { totalMinor } from '../money.js';
import type { ClaimState } from './state.js';

/** One payment out of the fund for a claim: an instalment of the payout or an advance. */
export interface FundedPayment {
  instalment?: number;
  advance?: number;
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
 * - `tied` = paid + owed: what the ledger must hold committed and not released for the claim.
 */
export interface ClaimFunding {
  /** The fund year the claim's money is committed against (fixed by its first commitment). */
  fundYear?: number;
  tied: number;
  paid: number;
  owed: number;
  payments: FundedPayment[];
}

export function claimFunding(s: ClaimState): ClaimFunding {
  const payments: FundedPayment[] = [];
  for (const a of s.fund.advances) if (a.status === 'disbursed') payments.push({ advance: a.number, amountMinor: a.amount.amountMinor });
  for (const i of s.fund.instalments) if (i.status === 'disbursed') payments.push({ instalment: i.number, amountMinor: i.amount.amountMinor });
  const paid = totalMinor(payments.map((p) => p.amountMinor));
  const owed = owedOf(s, paid);
  return { ...(s.fund.fundYear === undefined ? {} : { fundYear: s.fund.fundYear }), tied: totalMinor([paid, owed]), paid, owed, payments };
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
