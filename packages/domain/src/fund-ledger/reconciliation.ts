import { paymentKey, type ClaimFunding } from '../claim/funding.js';
import { tiedOf, type ClaimFunds } from './ledger.js';

/** One way a claim's money and its fund year's ledger disagree. */
export interface FundingDifference {
  claimId: string;
  /**
   * - `tied`: committed and not released in the ledger differs from what the claim has paid and owes;
   * - `disbursed`: paid out in the ledger differs from what the claim has paid;
   * - `payment-missing-in-ledger` / `payment-not-on-claim`: a payment (`instalment-2`, `advance-1`)
   *   recorded on one side only.
   */
  kind: 'tied' | 'disbursed' | 'payment-missing-in-ledger' | 'payment-not-on-claim';
  claimMinor: number;
  ledgerMinor: number;
  payment?: string;
}

/** Compares a claim's funding with its entry in the ledger: the one rule of agreement. */
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
  return out;
}
