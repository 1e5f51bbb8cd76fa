/**
 * GET /funds/{jurisdiction}/{year}/reconciliation: every claim's money against its fund year's
 * ledger, by the domain's one rule of agreement (`fundingDifferences`), as the read model has
 * both now. A difference seen while a command is between its claim and ledger events disappears
 * on the next read; one that stays is a defect or an interrupted write the reconciler repairs.
 */
import {
  claimFunding, fundingDifferences, type ClaimFunding, type ClaimState, type FundingDifference, type LedgerState,
} from '@cfund/domain';
import type { ReadModelStore } from '../read-model/store.js';

const NOTHING: ClaimFunding = { tied: 0, paid: 0, owed: 0, payments: [] };

export interface FundReconciliation {
  jurisdiction: string;
  year: number;
  /** The ledger's revision the report was made at (-1: no ledger yet). */
  ledgerRevision: number;
  claimsChecked: number;
  differences: FundingDifference[];
}

export function fundReconciliation(store: ReadModelStore, jurisdiction: string, year: number): FundReconciliation {
  const row = store.db.prepare('SELECT revision, state FROM fund_years WHERE jurisdiction = ? AND year = ?').get(jurisdiction, year) as
    { revision: number; state: string } | undefined;
  const ledger: Pick<LedgerState, 'claims'> = row ? JSON.parse(row.state) as LedgerState : { claims: {} };
  // The claims whose money belongs to this year, and the claims the ledger holds money for.
  const states = new Map<string, ClaimState>();
  const ofYear = store.db.prepare("SELECT claim_id, state FROM claims WHERE jurisdiction = ? AND json_extract(state, '$.fund.fundYear') = ?")
    .all(jurisdiction, year) as { claim_id: string; state: string }[];
  for (const r of ofYear) states.set(r.claim_id, JSON.parse(r.state) as ClaimState);
  const byId = store.db.prepare('SELECT state FROM claims WHERE claim_id = ?');
  for (const claimId of Object.keys(ledger.claims)) {
    if (states.has(claimId)) continue;
    const r = byId.get(claimId) as { state: string } | undefined;
    if (r) states.set(claimId, JSON.parse(r.state) as ClaimState);
  }
  const ids = [...new Set([...states.keys(), ...Object.keys(ledger.claims)])].sort();
  const differences: FundingDifference[] = [];
  for (const claimId of ids) {
    const state = states.get(claimId);
    const funding = state ? claimFunding(state) : NOTHING;
    // Money of a claim that is not this year's (or of no claim the read model knows) should not be here.
    const expected = funding.fundYear === year ? funding : NOTHING;
    differences.push(...fundingDifferences(claimId, expected, ledger.claims[claimId]));
  }
  return { jurisdiction, year, ledgerRevision: row?.revision ?? -1, claimsChecked: ids.length, differences };
}
