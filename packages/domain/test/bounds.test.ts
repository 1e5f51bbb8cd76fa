/**
 * Bounds of amounts: the one home for adding them (addMinor, totalMinor), folds over stored events
 * that hold amounts today's commands refuse (events are facts), a fund year's currency and budget
 * bound, and a victim's date of birth.
 */
import t from 'tap';
import { MAX_AMOUNT_MINOR, MAX_SUM_MINOR, type Actor, type ClaimEvent, type FundEvent } from '@cfund/contracts';
import {
  addMinor, available, beyondBounds, boundedMinor, checkFirstDueOn, checkVictimData, decideLedger, evolve, evolveLedger, fundYearCurrency, initialLedgerState,
  initialState, totalMinor, type LedgerCommand,
} from '@cfund/domain';
import { errorCode } from './helpers.ts';

const HUGE = Number.MAX_SAFE_INTEGER;
const claimId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

t.test('addMinor and totalMinor: exact within the safe range, held at its end beyond', async (t) => {
  t.equal(addMinor(2, 3), 5);
  t.equal(totalMinor([]), 0);
  t.equal(totalMinor([MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR, 1]), 2 * MAX_AMOUNT_MINOR + 1);
  t.equal(addMinor(HUGE - 1, 1), HUGE, 'the largest exact integer itself');
  t.equal(addMinor(HUGE, HUGE), HUGE, 'the attack: 2^53 - 1 twice is held at 2^53 - 1');
  t.equal(totalMinor(Array(100).fill(HUGE)), HUGE);
  t.equal(addMinor(HUGE, -1), HUGE - 1, 'a difference of safe integers is exact');
  t.equal(boundedMinor(2 ** 60), HUGE);
  t.equal(boundedMinor(-(2 ** 60)), -HUGE);
  t.equal(boundedMinor(Number.NaN), 0);
  t.ok(beyondBounds(MAX_SUM_MINOR + 1));
  t.notOk(beyondBounds(MAX_SUM_MINOR));
  t.ok(Number.isSafeInteger(totalMinor([HUGE, 7, HUGE])));
});

t.test('a claim folded from stored amounts beyond the bounds keeps exact totals', async (t) => {
  const paid = (n: number): ClaimEvent => ({ type: 'OffenderPaymentReceived', data: { schemaVersion: 1, claimId, amount: RSD(HUGE), receivedOn: `2025-06-0${n}` } });
  const s = [paid(1), paid(2), paid(3)].reduce(evolve, initialState());
  t.equal(s.court.offenderPaid, HUGE, 'held at 2^53 - 1 rather than an inexact 2.7e16');
});

t.test('a fund year folded from stored amounts beyond the bounds keeps exact totals', async (t) => {
  const base = { schemaVersion: 1 as const, jurisdiction: 'RS' as const, year: 2030 };
  const events: FundEvent[] = [
    { type: 'FundBudgetAllocated', data: { ...base, amount: RSD(HUGE), allocatedBy: 'admin-1', allocatedAt: '2030-01-01T00:00:00.000Z' } },
    { type: 'FundBudgetAllocated', data: { ...base, amount: RSD(HUGE), allocatedBy: 'admin-1', allocatedAt: '2030-01-02T00:00:00.000Z' } },
    { type: 'FundsCommitted', data: { ...base, claimId, amount: RSD(HUGE) } },
    { type: 'FundsCommitted', data: { ...base, claimId, amount: RSD(HUGE) } },
    { type: 'RecoveryCredited', data: { ...base, schemaVersion: 2, claimId, recovery: 1, amount: RSD(HUGE) } },
  ];
  const s = events.reduce(evolveLedger, initialLedgerState());
  t.same([s.allocated, s.claims[claimId]!.committed, s.recovered], [HUGE, HUGE, HUGE]);
  t.ok(Number.isSafeInteger(available(s)), 'what is available is an exact integer');
});

t.test('allocating a budget: the scheme\'s currency, and a bounded total per year', async (t) => {
  const admin: Actor = { sub: 'admin-1', roles: ['fund-admin'] };
  const allocate = (amount: ReturnType<typeof RSD> | { amountMinor: number; currency: 'EUR' }, state = initialLedgerState(), jurisdiction: 'RS' | 'XK' = 'RS') =>
    decideLedger({ type: 'AllocateBudget', actor: admin, at: '2026-02-01T10:00:00.000Z', jurisdiction, year: 2026, data: { amount } } as LedgerCommand, state);
  t.equal(fundYearCurrency('RS', 2026), 'RSD');
  t.equal(fundYearCurrency('XK', 2026), 'EUR');
  t.equal(fundYearCurrency('MK', 2020), 'MKD', 'a year before any version takes the first one\'s');
  t.equal(errorCode(() => allocate({ amountMinor: 100, currency: 'EUR' })), 'currency-mismatch', 'a first allocation in another currency is refused');
  t.equal(allocate(RSD(100)).length, 1, 'in the scheme\'s currency it is accepted');
  t.equal(allocate({ amountMinor: 100, currency: 'EUR' }, initialLedgerState(), 'XK').length, 1, 'Kosovo budgets in euros');
  const nearFull = { ...initialLedgerState(), currency: 'RSD' as const, allocated: MAX_SUM_MINOR - 10 };
  t.equal(allocate(RSD(10), nearFull).length, 1, 'up to the bound');
  t.equal(errorCode(() => allocate(RSD(11), nearFull)), 'amount-out-of-range', 'not beyond it');
});

t.test('a date of birth is not after the filing date (in the scheme\'s time zone)', async (t) => {
  t.equal(errorCode(() => checkVictimData({ dateOfBirth: '1990-05-01' }, 'RS', '2026-03-01T10:00:00.000Z')), undefined);
  t.equal(errorCode(() => checkVictimData({}, 'RS', '2026-03-01T10:00:00.000Z')), undefined, 'it is optional');
  t.equal(errorCode(() => checkVictimData({ dateOfBirth: '2026-03-01' }, 'RS', '2026-03-01T10:00:00.000Z')), undefined, 'born on the filing day');
  t.equal(errorCode(() => checkVictimData({ dateOfBirth: '2026-03-02' }, 'RS', '2026-03-01T10:00:00.000Z')), 'birth-in-future');
  t.equal(errorCode(() => checkVictimData({ dateOfBirth: '2026-03-02' }, 'RS', '2026-03-01T23:30:00.000Z')), undefined, 'already 2 March in Belgrade');
  t.equal(errorCode(() => checkVictimData({ dateOfBirth: '2199-12-31' }, 'RS', '2026-03-01T10:00:00.000Z')), 'birth-in-future');
});

t.test('a payout schedule starts within a year of the day it is made', async (t) => {
  const at = '2026-03-01T10:00:00.000Z';
  t.equal(errorCode(() => checkFirstDueOn('2027-03-01', at, 'Europe/Belgrade')), undefined, 'a year ahead');
  t.equal(errorCode(() => checkFirstDueOn('2026-01-01', at, 'Europe/Belgrade')), undefined, 'a date already past (recorded after the fact)');
  t.equal(errorCode(() => checkFirstDueOn('2027-03-02', at, 'Europe/Belgrade')), 'due-date-too-far');
  t.equal(errorCode(() => checkFirstDueOn('2199-12-31', at, 'Europe/Belgrade')), 'due-date-too-far');
});
