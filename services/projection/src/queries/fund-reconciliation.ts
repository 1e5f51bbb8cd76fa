/**
 * GET /funds/{jurisdiction}/{year}/reconciliation: every claim's money against its fund year's
 * ledger, by the domain's one rule of agreement (`fundingDifferences`), as the read model has
 * both now. A difference seen while a command is between its claim and ledger events disappears
 * on the next read; one that stays is a defect or an interrupted write the reconciler repairs.
 */
import { fundingDifferences, fundingInYear, type ClaimFunding, type FundingDifference } from '@cfund/domain';
import type { ReadModelStore } from '../read-model/store.js';
import { fundYearLedger } from './fund-year.js';

const NOTHING: ClaimFunding = { tied: 0, paid: 0, owed: 0, payments: [], years: [], recovered: 0, recoveries: [] };

export interface FundReconciliation {
  jurisdiction: string;
  year: number;
  /** The ledger's revision the report was made at (-1: no ledger yet). */
  ledgerRevision: number;
  claimsChecked: number;
  differences: FundingDifference[];
}

export function fundReconciliation(store: ReadModelStore, jurisdiction: string, year: number): FundReconciliation {
  const ledger = fundYearLedger(store, jurisdiction, year);
  const inLedger = ledger?.claims ?? new Map();
  // The claims whose money belongs to this year (`claim_fund_years`: awarded in it, instalments
  // due in it, or recovered from the offender in it), and the claims the ledger holds money for.
  // Each claim's funding (the domain's `claimFunding`) was computed when its last event was applied.
  const fundings = new Map<string, ClaimFunding>();
  const ofYear = store.db.prepare(`SELECT c.claim_id, c.funding FROM claim_fund_years y JOIN claims c ON c.claim_id = y.claim_id
      WHERE y.jurisdiction = ? AND y.year = ?`)
    .all(jurisdiction, year) as { claim_id: string; funding: string }[];
  for (const r of ofYear) fundings.set(r.claim_id, JSON.parse(r.funding) as ClaimFunding);
  const byId = store.db.prepare('SELECT funding FROM claims WHERE claim_id = ?');
  for (const claimId of inLedger.keys()) {
    if (fundings.has(claimId)) continue;
    const r = byId.get(claimId) as { funding: string } | undefined;
    if (r) fundings.set(claimId, JSON.parse(r.funding) as ClaimFunding);
  }
  const ids = [...new Set([...fundings.keys(), ...inLedger.keys()])].sort();
  const differences: FundingDifference[] = [];
  for (const claimId of ids) {
    const funding = fundings.get(claimId) ?? NOTHING;
    // Money of a claim that is not this year's (or of no claim the read model knows) should not be here.
    differences.push(...fundingDifferences(claimId, fundingInYear(funding, year), inLedger.get(claimId)));
  }
  return { jurisdiction, year, ledgerRevision: ledger?.year.revision ?? -1, claimsChecked: ids.length, differences };
}
