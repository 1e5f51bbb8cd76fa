import t from 'tap';
import fc from 'fast-check';
import type { Actor, FundEvent, Money } from '@cfund/contracts';
import {
  available, budgetUse, cloneLedger, decideLedger, evolveLedger, fundingDifferences, initialLedgerState, isDomainError, type ClaimFunding, type LedgerCommand, type LedgerState,
} from '@cfund/domain';

const admin: Actor = { sub: 'admin-1', roles: ['fund-admin'] };
const EUR = (major: number): Money => ({ amountMinor: major * 100, currency: 'EUR' });
const at = '2026-02-01T10:00:00.000Z';
const claim = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const cmd = <T extends LedgerCommand['type']>(type: T, data: Extract<LedgerCommand, { type: T }>['data']) =>
  ({ type, actor: admin, at, jurisdiction: 'XK', year: 2026, data }) as LedgerCommand;

/** Runs commands in order, keeping the events of those that succeed and the codes of refusals. */
function run(commands: LedgerCommand[], start: FundEvent[] = []): { state: LedgerState; events: FundEvent[]; refusals: string[]; details: unknown[] } {
  const events = [...start];
  const refusals: string[] = [];
  const details: unknown[] = [];
  for (const c of commands) {
    try {
      events.push(...decideLedger(c, events.reduce(evolveLedger, initialLedgerState())));
    } catch (err) {
      if (!isDomainError(err)) throw err;
      refusals.push(err.code);
      details.push(err.details);
    }
  }
  return { state: events.reduce(evolveLedger, initialLedgerState()), events, refusals, details };
}

t.test('the budget is never over-committed', async (t) => {
  const commits = Array.from({ length: 20 }, (_, i) => cmd('CommitFunds', { claimId: claim(i), tied: EUR(5_000) }));
  const r = run([cmd('AllocateBudget', { amount: EUR(50_000) }), ...commits]);
  t.equal(r.events.filter((e) => e.type === 'FundsCommitted').length, 10, 'a budget for 10 awards commits exactly 10 of 20');
  t.same(r.refusals, Array(10).fill('budget-exceeded'));
  t.same(r.details[0], { year: 2026, available: EUR(0), needed: EUR(5_000) }, 'the amounts in the fund year\'s currency, which a client can word');
  t.equal(available(r.state), 0);
});

t.test('commitments to a target, releases down to one, payouts, returns and recoveries', async (t) => {
  const r = run([
    cmd('CommitFunds', { claimId: claim(1), tied: EUR(1) }),
    cmd('AllocateBudget', { amount: EUR(10_000) }),
    cmd('AllocateBudget', { amount: { amountMinor: 100, currency: 'MKD' } }),
    cmd('CommitFunds', { claimId: claim(1), tied: EUR(7_000) }),
    cmd('CommitFunds', { claimId: claim(1), tied: EUR(7_000) }),
    cmd('CommitFunds', { claimId: claim(1), tied: EUR(6_000) }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(3_000) }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(3_000) }),
    cmd('ReleaseFunds', { claimId: claim(1), tied: EUR(6_000), reason: 'reduced on appeal' }),
    cmd('ReleaseFunds', { claimId: claim(1), tied: EUR(6_000), reason: 'reduced on appeal' }),
    cmd('CommitFunds', { claimId: claim(2), tied: EUR(4_001) }),
    cmd('CreditRecovery', { claimId: claim(1), recovery: 1, amount: EUR(1) }),
    cmd('CreditRecovery', { claimId: claim(1), recovery: 1, amount: EUR(1) }),
    cmd('CommitFunds', { claimId: claim(2), tied: EUR(4_001) }),
    cmd('DisburseFunds', { claimId: claim(3), payment: { instalment: 1 }, amount: EUR(1) }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { advance: 1 }, amount: EUR(3_001) }),
  ]);
  t.same(r.refusals, ['no-budget', 'currency-mismatch', 'budget-exceeded', 'disbursement-exceeds-commitment', 'disbursement-exceeds-commitment']);
  t.same(r.details.at(-2), { outstanding: EUR(0) }, 'a claim with nothing committed: nothing held, in the currency of the payout');
  t.same(r.events.map((e) => e.type), [
    'FundBudgetAllocated', 'FundsCommitted', 'FundsDisbursed', 'FundsReleased', 'RecoveryCredited', 'FundsCommitted',
  ], 'a retried commitment, a commitment below what is tied, a retried payout, a retried release and a recovery credited again change nothing');
  // 10,000 + 1 recovered - (7,000 - 1,000) - 4,001 = 0
  t.equal(available(r.state), 0);
  t.same(r.state.claims[claim(1)], { committed: 700_000, released: 100_000, disbursed: 300_000, instalments: [1], advances: [], recovered: 100, recoveries: [1] });
});

t.test('a release never frees what was paid out; a returned payment is outstanding again and can be paid once more', async (t) => {
  const r = run([
    cmd('AllocateBudget', { amount: EUR(10_000) }),
    cmd('CommitFunds', { claimId: claim(1), tied: EUR(5_000) }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { advance: 1 }, amount: EUR(1_000) }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(2_000) }),
    cmd('ReturnFunds', { claimId: claim(1), payment: { instalment: 2 }, amount: EUR(2_000), reason: 'never paid' }),
    cmd('ReturnFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(2_000), reason: 'the bank refused it' }),
    cmd('ReturnFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(2_000), reason: 'the bank refused it' }),
    cmd('ReleaseFunds', { claimId: claim(1), tied: EUR(0), reason: 'withdrawn' }),
    cmd('DisburseFunds', { claimId: claim(1), payment: { instalment: 1 }, amount: EUR(2_000) }),
  ]);
  t.same(r.events.map((e) => e.type), ['FundBudgetAllocated', 'FundsCommitted', 'FundsDisbursed', 'FundsDisbursed', 'FundsReturned', 'FundsReleased']);
  t.same(r.refusals, ['disbursement-exceeds-commitment'], 'released money cannot be paid');
  t.same(r.state.claims[claim(1)], { committed: 500_000, released: 400_000, disbursed: 100_000, instalments: [], advances: [1], recovered: 0, recoveries: [] },
    'the advance paid stays tied; everything else was released');
  t.equal(available(r.state), 900_000);
});

t.test('a fold owns its state; cloneLedger keeps a copy that later events do not touch', async (t) => {
  const base = run([cmd('AllocateBudget', { amount: EUR(1_000) }), cmd('CommitFunds', { claimId: claim(1), tied: EUR(100) })]);
  const kept = cloneLedger(base.state);
  const next = evolveLedger(base.state, { type: 'FundsDisbursed', data: { schemaVersion: 1, jurisdiction: 'XK', year: 2026, claimId: claim(1), instalment: 1, amount: EUR(40) } });
  t.equal(next.claims[claim(1)]!.disbursed, 4_000, 'the new state has the payout');
  t.equal(kept.claims[claim(1)]!.disbursed, 0, 'the copy does not');
  t.same(kept.claims[claim(1)]!.instalments, []);
});

t.test('a recovery is credited once, and the ledger and the claim agree on which recoveries a year holds', async (t) => {
  const funding = (recoveries: { recovery: number; amountMinor: number }[]): ClaimFunding => ({
    tied: 0, paid: 0, owed: 0, payments: [], years: [],
    recovered: recoveries.reduce((s, r) => s + r.amountMinor, 0), recoveries: recoveries.map((r) => ({ ...r, year: 2026 })),
  });
  const r = run([
    cmd('CreditRecovery', { claimId: claim(1), recovery: 2, amount: EUR(30) }),
    cmd('CreditRecovery', { claimId: claim(1), recovery: 2, amount: EUR(30) }),
    cmd('CreditRecovery', { claimId: claim(2), recovery: 2, amount: EUR(5) }),
  ]);
  t.same(r.events.map((e) => e.type), ['RecoveryCredited', 'RecoveryCredited'], 'the same recovery of a claim is credited once; another claim\'s recovery 2 is its own');
  t.same(r.events[0]!.data, { schemaVersion: 2, jurisdiction: 'XK', year: 2026, claimId: claim(1), recovery: 2, amount: EUR(30) });
  t.equal(r.state.recovered, 3_500);
  t.equal(available(r.state), 3_500, 'recoveries can fund new commitments');
  t.same(fundingDifferences(claim(1), funding([{ recovery: 2, amountMinor: 3_000 }]), r.state.claims[claim(1)]), [], 'they agree');
  t.same(fundingDifferences(claim(1), funding([{ recovery: 1, amountMinor: 1_000 }, { recovery: 2, amountMinor: 3_000 }]), r.state.claims[claim(1)]), [
    { claimId: claim(1), kind: 'recovered', claimMinor: 4_000, ledgerMinor: 3_000 },
    { claimId: claim(1), kind: 'recovery-missing-in-ledger', claimMinor: 1_000, ledgerMinor: 0, recovery: 1 },
  ], 'a recovery whose credit was lost');
  t.same(fundingDifferences(claim(1), funding([]), r.state.claims[claim(1)]), [
    { claimId: claim(1), kind: 'recovered', claimMinor: 0, ledgerMinor: 3_000 },
    { claimId: claim(1), kind: 'recovery-not-on-claim', claimMinor: 0, ledgerMinor: 0, recovery: 2 },
  ], 'a credit in a year the recovery was not received in');
  // A credit of before recoveries were numbered (v1, read as v2 without a number) counts in the sums only.
  const legacy: FundEvent = { type: 'RecoveryCredited', data: { schemaVersion: 2, jurisdiction: 'XK', year: 2026, claimId: claim(3), amount: EUR(7) } };
  const s = evolveLedger(initialLedgerState(), legacy);
  t.same([s.recovered, s.claims[claim(3)]!.recovered, s.claims[claim(3)]!.recoveries], [700, 700, []]);
});

t.test('budget use (the monitoring\'s table and the console\'s funds page) agrees with the ledger: what remains is what new awards may commit', async (t) => {
  const amount = fc.integer({ min: 1, max: 5_000 }).map(EUR);
  const who = fc.integer({ min: 1, max: 4 }).map(claim);
  const command: fc.Arbitrary<LedgerCommand> = fc.oneof(
    amount.map((a) => cmd('AllocateBudget', { amount: a })),
    fc.tuple(who, amount).map(([c, a]) => cmd('CommitFunds', { claimId: c, tied: a })),
    fc.tuple(who, fc.integer({ min: 0, max: 5_000 }).map(EUR)).map(([c, a]) => cmd('ReleaseFunds', { claimId: c, tied: a, reason: 'reduced' })),
    fc.tuple(who, fc.integer({ min: 1, max: 3 }), amount).map(([c, n, a]) => cmd('DisburseFunds', { claimId: c, payment: { instalment: n }, amount: a })),
    fc.tuple(who, fc.integer({ min: 1, max: 3 }), amount).map(([c, n, a]) => cmd('ReturnFunds', { claimId: c, payment: { instalment: n }, amount: a, reason: 'refused' })),
    fc.tuple(who, fc.integer({ min: 1, max: 3 }), amount).map(([c, n, a]) => cmd('CreditRecovery', { claimId: c, recovery: n, amount: a })),
  );
  fc.assert(fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
    const { state } = run(commands);
    const claims = Object.values(state.claims);
    const sum = (k: 'committed' | 'released' | 'disbursed') => claims.reduce((s, c) => s + c[k], 0);
    const use = budgetUse({
      allocatedMinor: state.allocated, committedMinor: sum('committed'), releasedMinor: sum('released'), disbursedMinor: sum('disbursed'), recoveredMinor: state.recovered,
    });
    const tied = claims.reduce((s, c) => s + c.committed - c.released, 0);
    return use.remaining === available(state) && use.committed === tied && use.disbursed === sum('disbursed') && use.allocated === state.allocated
      && use.recovered === state.recovered && use.usedShare === (state.allocated > 0 ? tied / state.allocated : null);
  }), { numRuns: 300 });
  t.pass('300 random ledgers: budget use and the ledger agree');
  t.same(budgetUse({ allocatedMinor: 0, committedMinor: 0, releasedMinor: 0, disbursedMinor: 0, recoveredMinor: 500 }),
    { allocated: 0, committed: 0, disbursed: 0, recovered: 500, remaining: 500, usedShare: null }, 'no budget: no share, recoveries remain');
});
