import { paymentKey, type ClaimFunding } from '../claim/funding.js';
import { tiedOf, type ClaimFunds } from './ledger.js';

/** One way a claim's money and its fund year's ledger disagree. */
export interface FundingDifference {
  claimId: string;
  /**
   * - `tied`: committed and not released in the ledger differs from what the claim has paid and owes;
   * - `disbursed`: paid out in the ledger differs from what the claim has paid;
   * - `payment-missing-in-ledger` / `payment-not-on-claim`: a payment (`instalment-2`, `advance-1`)
   *   recorded on one side only;
   * - `recovered`: credited in the year's ledger differs from what the claim recovered that year;
   * - `recovery-missing-in-ledger` / `recovery-not-on-claim`: a recovery (`recovery`, its number
   *   on the claim) received in the year and not credited, or credited and not received that year.
   */
  kind: 'tied' | 'disbursed' | 'payment-missing-in-ledger' | 'payment-not-on-claim' | 'recovered' | 'recovery-missing-in-ledger' | 'recovery-not-on-claim';
  claimMinor: number;
  ledgerMinor: number;
  payment?: string;
  recovery?: number;
}

/**
 * Compares what a fund year's ledger must hold for a claim (`fundingInYear` of its funding) with
 * the claim's entry in that ledger: the one rule of agreement.
 */
export function fundingDifferences(claimId: string, funding: ClaimFunding, funds: ClaimFunds | undefined): FundingDifference[] {
  const out: FundingDifference[] = [];
  const ledgerTied = tiedOf(funds);
  if (funding.tied !== ledgerTied) out.push({ claimId, kind: 'tied', claimMinor: funding.tied, ledgerMinor: ledgerTied });
  const ledgerPaid = funds?.disbursed ?? 0;
  if (funding.paid !== ledgerPaid) out.push({ claimId, kind: 'disbursed', claimMinor: funding.paid, ledgerMinor: ledgerPaid });
  const onClaim = new Set(funding.payments.map(paymentKey));
  const inLedger = new Set([
    ...(funds?.instalments ?? []).map((instalment) => paymentKey({ instalment })),
    ...(funds?.advances ?? []).map((advance) => paymentKey({ advance })),
  ]);
  for (const p of funding.payments) {
    const key = paymentKey(p);
    if (!inLedger.has(key)) out.push({ claimId, kind: 'payment-missing-in-ledger', claimMinor: p.amountMinor, ledgerMinor: 0, payment: key });
  }
  for (const key of inLedger) {
    if (!onClaim.has(key)) out.push({ claimId, kind: 'payment-not-on-claim', claimMinor: 0, ledgerMinor: 0, payment: key });
  }
  const ledgerRecovered = funds?.recovered ?? 0;
  if (funding.recovered !== ledgerRecovered) out.push({ claimId, kind: 'recovered', claimMinor: funding.recovered, ledgerMinor: ledgerRecovered });
  const credited = new Set(funds?.recoveries ?? []);
  for (const r of funding.recoveries) {
    if (!credited.has(r.recovery)) out.push({ claimId, kind: 'recovery-missing-in-ledger', claimMinor: r.amountMinor, ledgerMinor: 0, recovery: r.recovery });
  }
  const received = new Set(funding.recoveries.map((r) => r.recovery));
  for (const n of credited) {
    if (!received.has(n)) out.push({ claimId, kind: 'recovery-not-on-claim', claimMinor: 0, ledgerMinor: 0, recovery: n });
  }
  return out;
}
