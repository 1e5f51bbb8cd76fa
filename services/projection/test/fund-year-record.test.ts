/** The fund-year read model as a projection definition, pure: given a ledger's events, then its rows. */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { parseEvent, type FundEvent } from '@cfund/contracts';
import { applyFundEvent, claimFundsOf, initialFundYear, type FundClaimRow, type FundYearRow } from '../src/index.ts';

const A = randomUUID();
const B = randomUUID();
const money = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
const event = (type: FundEvent['type'], data: Record<string, unknown>, schemaVersion = 1) =>
  parseEvent(type, { schemaVersion, jurisdiction: 'RS', year: 2026, ...data }) as FundEvent;

const ledger: FundEvent[] = [
  event('FundBudgetAllocated', { amount: money(1_000_000_000), allocatedBy: 'admin-1', allocatedAt: '2026-01-02T09:00:00.000Z' }),
  event('FundsCommitted', { claimId: A, amount: money(90_000_000) }),
  event('FundsCommitted', { claimId: B, amount: money(30_000_000) }),
  event('FundsDisbursed', { claimId: A, instalment: 1, amount: money(50_000_000) }),
  event('FundsDisbursed', { claimId: A, advance: 1, amount: money(5_000_000) }),
  event('FundsReleased', { claimId: B, amount: money(10_000_000), reason: 'award reduced on appeal' }),
  event('FundsReturned', { claimId: A, instalment: 1, amount: money(50_000_000), reason: 'account closed' }),
  event('RecoveryCredited', { claimId: A, recovery: 2, amount: money(7_000_000) }, 2),
  // Stored before recoveries were numbered (v1).
  event('RecoveryCredited', { claimId: B, amount: money(1_000_000) }),
];

/** The year's row and its claims' rows after the first `count` events. */
function given(count: number): { year: FundYearRow; claims: Map<string, FundClaimRow> } {
  let year = initialFundYear('RS', 2026);
  const claims = new Map<string, FundClaimRow>();
  ledger.slice(0, count).forEach((e, revision) => {
    const claimId = 'claimId' in e.data ? e.data.claimId : undefined;
    const change = applyFundEvent(year, claimId === undefined ? undefined : claims.get(claimId), e, revision);
    year = change.year;
    if (change.claim) claims.set(change.claim.claim_id, change.claim);
  });
  return { year, claims };
}

t.test('given a budget, then the year\'s row and no claim', async (t) => {
  const { year, claims } = given(1);
  t.same(year, { jurisdiction: 'RS', year: 2026, revision: 0, currency: 'RSD', allocated_minor: 1_000_000_000, recovered_minor: 0 });
  t.equal(claims.size, 0);
});

t.test('given commitments, then one row per claim', async (t) => {
  const { year, claims } = given(3);
  t.equal(year.revision, 2);
  t.same(claims.get(A), { claim_id: A, committed_minor: 90_000_000, released_minor: 0, disbursed_minor: 0, instalments: '[]', advances: '[]', recovered_minor: 0, recoveries: '[]' });
  t.same(claimFundsOf(claims.get(B)!), { committed: 30_000_000, released: 0, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] });
});

t.test('given an instalment and an advance paid out, then the claim\'s payments', async (t) => {
  t.same(claimFundsOf(given(5).claims.get(A)!), { committed: 90_000_000, released: 0, disbursed: 55_000_000, instalments: [1], advances: [1], recovered: 0, recoveries: [] });
});

t.test('given a release, then only that claim\'s row changes', async (t) => {
  const before = given(5);
  const after = given(6);
  t.same(claimFundsOf(after.claims.get(B)!), { committed: 30_000_000, released: 10_000_000, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] });
  t.same(after.claims.get(A), before.claims.get(A));
});

t.test('given a payment returned, then it is outstanding again', async (t) => {
  t.same(claimFundsOf(given(7).claims.get(A)!), { committed: 90_000_000, released: 0, disbursed: 5_000_000, instalments: [], advances: [1], recovered: 0, recoveries: [] });
});

t.test('given recoveries, then the year\'s row and the claim\'s: which recoveries, and a credit of before they were numbered in the sums only', async (t) => {
  const before = given(7);
  const after = given(8);
  t.equal(after.year.recovered_minor, 7_000_000);
  t.equal(after.year.allocated_minor, 1_000_000_000);
  t.same(claimFundsOf(after.claims.get(A)!), { ...claimFundsOf(before.claims.get(A)!), recovered: 7_000_000, recoveries: [2] });
  const legacy = given(9);
  t.equal(legacy.year.recovered_minor, 8_000_000);
  t.same([legacy.claims.get(B)!.recovered_minor, legacy.claims.get(B)!.recoveries], [1_000_000, '[]']);
});
