/**
 * The reconciliation report over read-model rows: a claim awarded in one year that recovered
 * money in a later one is checked in that later year's report, even when that year's ledger
 * holds nothing of it (its credit was lost).
 */
import t from 'tap';
import type { ClaimFunding } from '@cfund/domain';
import { ReadModelStore } from '../src/index.ts';
import { claimFundYears } from '../src/read-model/claim-record.ts';
import { fundReconciliation } from '../src/queries/fund-reconciliation.ts';

const AWARDED = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

/** A claim of RS awarded in 2026 (its money in that year), with recoveries received on the dates given. */
function funding(recordedOn: string[]): ClaimFunding {
  return {
    fundYear: 2026, owed: 0, tied: 10_000_000, paid: 10_000_000, payments: [{ instalment: 1, amountMinor: 10_000_000 }],
    years: [{ year: 2026, owed: 0, tied: 10_000_000, paid: 10_000_000, payments: [{ instalment: 1, amountMinor: 10_000_000 }] }],
    recovered: recordedOn.length * 1_000_000,
    recoveries: recordedOn.map((d, i) => ({ recovery: i + 1, year: Number(d.slice(0, 4)), amountMinor: 1_000_000 })),
  };
}

t.test('a recovery received in a year whose ledger lacks it is a difference of that year', async (t) => {
  const store = new ReadModelStore(':memory:');
  t.teardown(() => store.close());
  const insert = store.db.prepare(`INSERT INTO claims (claim_id, revision, jurisdiction, status, updated_at, claimed_minor, awarded_minor, paid_minor,
    outstanding_minor, search_text, fund_year, funding, detail, facts) VALUES (?, 1, ?, 'paid', '2027-02-01', 0, 0, 0, 0, '', 2026, ?, '{}', '{}')`);
  const years = store.db.prepare('INSERT INTO claim_fund_years (claim_id, year, jurisdiction, award_year, tied_minor, paid_minor) VALUES (?, ?, ?, ?, ?, ?)');
  const claim = (id: string, jurisdiction: string, f: ClaimFunding) => {
    insert.run(id, jurisdiction, JSON.stringify(f));
    for (const y of claimFundYears(f)) years.run(id, y.year, jurisdiction, y.awardYear, y.tiedMinor, y.paidMinor);
  };
  claim(AWARDED, 'RS', funding(['2026-11-01', '2027-01-20']));
  // Another jurisdiction's claim with a recovery in 2027 is not this report's.
  claim(OTHER, 'BA', funding(['2027-01-20']));
  store.db.prepare(`INSERT INTO fund_years (stream_id, jurisdiction, year, revision, currency, allocated_minor, recovered_minor)
    VALUES ('fund-RS-2027', 'RS', 2027, 0, 'RSD', 100, 0)`).run();

  const report = fundReconciliation(store, 'RS', 2027);
  t.equal(report.claimsChecked, 1, 'the claim is found through its recovery, not through the ledger');
  t.same(report.differences, [
    { claimId: AWARDED, kind: 'recovered', claimMinor: 1_000_000, ledgerMinor: 0 },
    { claimId: AWARDED, kind: 'recovery-missing-in-ledger', claimMinor: 1_000_000, ledgerMinor: 0, recovery: 2 },
  ], 'recovery 2, received in 2027, is missing; recovery 1 and the award are 2026\'s');
  t.same(fundReconciliation(store, 'RS', 2028).claimsChecked, 0, 'a year it recovered nothing in does not check it');
});

t.test('an instalment due in a year whose ledger lacks its commitment is a difference of that year', async (t) => {
  const store = new ReadModelStore(':memory:');
  t.teardown(() => store.close());
  // Awarded in 2026, 10,000,000 paid; 4,000,000 due in 2027 (committed there), none of it in 2027's ledger.
  const f: ClaimFunding = {
    fundYear: 2026, owed: 4_000_000, tied: 14_000_000, paid: 10_000_000, payments: [{ instalment: 1, amountMinor: 10_000_000 }],
    years: [
      { year: 2026, owed: 0, tied: 10_000_000, paid: 10_000_000, payments: [{ instalment: 1, amountMinor: 10_000_000 }] },
      { year: 2027, owed: 4_000_000, tied: 4_000_000, paid: 0, payments: [] },
    ],
    recovered: 0, recoveries: [],
  };
  store.db.prepare(`INSERT INTO claims (claim_id, revision, jurisdiction, status, updated_at, claimed_minor, awarded_minor, paid_minor,
    outstanding_minor, search_text, fund_year, funding, detail, facts) VALUES (?, 1, 'RS', 'scheduled', '2026-12-01', 0, 0, 0, 0, '', 2026, ?, '{}', '{}')`).run(AWARDED, JSON.stringify(f));
  for (const y of claimFundYears(f)) {
    store.db.prepare('INSERT INTO claim_fund_years (claim_id, year, jurisdiction, award_year, tied_minor, paid_minor) VALUES (?, ?, ?, ?, ?, ?)')
      .run(AWARDED, y.year, 'RS', y.awardYear, y.tiedMinor, y.paidMinor);
  }
  const report = fundReconciliation(store, 'RS', 2027);
  t.equal(report.claimsChecked, 1, 'found through its fund years, not through the ledger');
  t.same(report.differences, [{ claimId: AWARDED, kind: 'tied', claimMinor: 4_000_000, ledgerMinor: 0 }]);
});
