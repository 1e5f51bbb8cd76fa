import t from 'tap';
import type { Money } from '@cfund/contracts';
import {
  type DomainErrorCode, domainErrorProblem,
  DomainError, add, allocate, assertSameCurrency, clamp, compare, equals, formatMoney, fromMajor, greaterThan,
  isDomainError, isZero, lessThan, max, min, money, multiplyRatio, parseMoney, percentage, signedDifference,
  split, subtract, sum, zero,
} from '../src/index.ts';
import { errorCode as code } from './helpers.ts';

const eur = (minor: number): Money => money(minor, 'EUR');

t.test('DomainError', async (t) => {
  const e = new DomainError('late-filing', 'The application came after the deadline.', { details: { deadline: '2026-01-05' } });
  t.equal(e.code, 'late-filing');
  t.equal(e.kind, 'rule');
  t.equal(e.name, 'DomainError');
  t.ok(e instanceof Error);
  t.same(e.toJSON(), { code: 'late-filing', kind: 'rule', message: 'The application came after the deadline.', details: { deadline: '2026-01-05' } });
  // The answer carries the facts, so that a client can word the refusal in its own language.
  t.same(domainErrorProblem(e), {
    type: 'https://cfund.example/problems/late-filing', title: 'Conflict', status: 409, detail: 'The application came after the deadline.', code: 'late-filing', details: { deadline: '2026-01-05' },
  });
  t.notOk('details' in domainErrorProblem(new DomainError('four-eyes', 'x', { kind: 'authorization' }))!, 'no facts, no details');
  t.ok(isDomainError(e, 'late-filing'));
  t.notOk(isDomainError(e, 'four-eyes'));
  t.notOk(isDomainError(new Error('x')));
  t.throws(() => new DomainError('Late_Filing' as DomainErrorCode, 'x'), TypeError, 'codes are kebab-case');
  t.throws(() => new DomainError('late-filing', '  '), TypeError, 'a message is required');
  t.ok(Object.isFrozen(e.details));
});

t.test('construction, parsing and formatting', async (t) => {
  t.same(money(0, 'RSD'), { amountMinor: 0, currency: 'RSD' });
  t.equal(code(() => money(1.5, 'EUR')), 'invalid-amount', 'fractions of a minor unit are refused');
  t.equal(code(() => money(Number.NaN, 'EUR')), 'invalid-amount');
  t.equal(code(() => money(-1, 'EUR')), 'negative-amount');
  t.equal(code(() => money(Number.MAX_SAFE_INTEGER + 1, 'EUR')), 'invalid-amount');
  t.same(fromMajor(5_000, 'EUR'), eur(500_000));
  t.equal(code(() => fromMajor(1.5, 'EUR')), 'invalid-amount');
  t.equal(code(() => fromMajor(Number.MAX_SAFE_INTEGER, 'EUR')), 'amount-out-of-range');
  t.same(parseMoney('1234.5', 'BAM'), money(123_450, 'BAM'));
  t.same(parseMoney('1234.05', 'BAM'), money(123_405, 'BAM'));
  t.same(parseMoney('7', 'MKD'), money(700, 'MKD'));
  t.same(parseMoney('0.00', 'EUR'), eur(0));
  t.equal(code(() => parseMoney('1.234', 'EUR')), 'invalid-amount', 'three decimals in a two-decimal currency');
  t.equal(code(() => parseMoney('-1', 'EUR')), 'invalid-amount');
  t.equal(code(() => parseMoney('1e3', 'EUR')), 'invalid-amount');
  t.equal(formatMoney(eur(500_000)), 'EUR 5,000.00');
  t.equal(formatMoney(money(100_000_000, 'RSD')), 'RSD 1,000,000.00');
  t.equal(formatMoney(eur(5)), 'EUR 0.05');
  t.equal(formatMoney(eur(0)), 'EUR 0.00');
});

t.test('add, subtract, sum, zero', async (t) => {
  t.same(add(eur(150), eur(250)), eur(400));
  t.same(add(eur(0), eur(0)), eur(0));
  t.same(subtract(eur(400), eur(150)), eur(250));
  t.same(subtract(eur(400), eur(400)), eur(0));
  t.ok(isZero(subtract(eur(400), eur(400))));
  t.notOk(isZero(eur(1)));
  const neg = t.throws(() => subtract(eur(100), eur(101))) as DomainError;
  t.equal(neg.code, 'negative-amount');
  t.match(neg.message, /EUR 1\.01 cannot be taken from EUR 1\.00/);
  t.same(subtract(eur(100), eur(101), { floorAtZero: true }), eur(0), 'floored at zero when asked');
  t.same(subtract(eur(100), eur(40), { floorAtZero: true }), eur(60), 'floor does not change a positive result');
  t.equal(signedDifference(eur(100), eur(101)), -1);
  t.same(sum([eur(1), eur(2), eur(3)], 'EUR'), eur(6));
  t.same(sum([], 'ALL'), zero('ALL'), 'the sum of nothing is zero in the given currency');
  t.equal(code(() => sum([eur(1)], 'RSD')), 'currency-mismatch', 'the sum currency must match');
  const big = Number.MAX_SAFE_INTEGER - 1;
  t.same(add(eur(big), eur(1)), eur(Number.MAX_SAFE_INTEGER), 'the largest safe amount is exact');
  t.equal(code(() => add(eur(big), eur(2))), 'amount-out-of-range');
  t.equal(code(() => sum([eur(big), eur(big)], 'EUR')), 'amount-out-of-range');
  t.equal(code(() => add(eur(1), { amountMinor: 0.5, currency: 'EUR' })), 'invalid-amount', 'operands are checked too');
});

t.test('currency mismatch', async (t) => {
  const rsd = money(100, 'RSD');
  for (const [name, fn] of [
    ['add', () => add(eur(1), rsd)],
    ['subtract', () => subtract(eur(1), rsd)],
    ['compare', () => compare(eur(1), rsd)],
    ['min', () => min(eur(1), rsd)],
    ['max', () => max(eur(1), eur(2), rsd)],
    ['clamp', () => clamp(eur(1), rsd, eur(5))],
    ['sum', () => sum([eur(1), rsd], 'EUR')],
    ['signedDifference', () => signedDifference(eur(1), rsd)],
    ['assertSameCurrency', () => assertSameCurrency([eur(1), eur(2), rsd])],
  ] as const) {
    t.equal(code(fn), 'currency-mismatch', name);
  }
  const e = t.throws(() => add(eur(1), rsd)) as DomainError;
  t.same(e.details, { expected: 'EUR', actual: 'RSD' });
  t.match(e.message, /one currency/);
  t.doesNotThrow(() => assertSameCurrency([]));
  t.equal(code(() => assertSameCurrency([eur(1)], 'MKD')), 'currency-mismatch');
});

t.test('compare, min, max, clamp', async (t) => {
  t.equal(compare(eur(1), eur(2)), -1);
  t.equal(compare(eur(2), eur(2)), 0);
  t.equal(compare(eur(3), eur(2)), 1);
  t.ok(equals(eur(2), eur(2)));
  t.ok(greaterThan(eur(3), eur(2)));
  t.notOk(greaterThan(eur(2), eur(2)));
  t.ok(lessThan(eur(1), eur(2)));
  t.same(min(eur(5), eur(3), eur(9)), eur(3));
  t.same(max(eur(5), eur(3), eur(9)), eur(9));
  t.same(min(eur(5)), eur(5));
  t.same(clamp(eur(50), eur(10), eur(40)), eur(40), 'capped');
  t.same(clamp(eur(5), eur(10), eur(40)), eur(10), 'floored');
  t.same(clamp(eur(20), eur(10), eur(40)), eur(20), 'unchanged inside');
  t.same(clamp(eur(20), eur(0), eur(0)), eur(0), 'a zero cap');
  t.equal(code(() => clamp(eur(20), eur(50), eur(40))), 'invalid-amount', 'lower above upper');
});

t.test('percentage and ratios with explicit rounding', async (t) => {
  // 1% of 2.50 = 0.025 -> a tie between 0.02 and 0.03
  t.same(percentage(eur(250), 1, 'half-up'), eur(3));
  t.same(percentage(eur(250), 1, 'half-even'), eur(2), "banker's: tie to even 2");
  t.same(percentage(eur(350), 1, 'half-even'), eur(4), "banker's: tie to even 4");
  t.same(percentage(eur(350), 1, 'half-up'), eur(4));
  t.same(percentage(eur(250), 1, 'down'), eur(2));
  t.same(percentage(eur(250), 1, 'up'), eur(3));
  // not a tie: 1% of 2.60 = 0.026
  t.same(percentage(eur(260), 1, 'half-even'), eur(3));
  t.same(percentage(eur(240), 1, 'half-up'), eur(2));
  t.same(percentage(eur(200), 1, 'up'), eur(2), 'exact results are not rounded');
  t.same(percentage(eur(1_000), 12.5, 'half-up'), eur(125), 'fractional percent');
  t.same(percentage(eur(10_000), 33.33, 'down'), eur(3_333));
  t.same(percentage(eur(10_000), 0.1 + 0.2, 'down'), eur(30), '0.1 + 0.2 read as 0.30%, no float error');
  t.same(percentage(eur(12_345), 0, 'up'), eur(0));
  t.same(percentage(eur(0), 50, 'up'), eur(0));
  t.same(percentage(eur(12_345), 100, 'down'), eur(12_345));
  t.same(percentage(eur(100), 150, 'down'), eur(150), 'above 100% allowed');
  t.equal(code(() => percentage(eur(100), 12.345, 'down')), 'invalid-rate', 'three decimals refused');
  t.equal(code(() => percentage(eur(100), -5, 'down')), 'invalid-rate');
  t.equal(code(() => percentage(eur(100), Number.POSITIVE_INFINITY, 'down')), 'invalid-rate');
  // large amounts stay exact (BigInt inside): 9,007,199,254,740,991 * 50% = 4,503,599,627,370,495.5
  t.same(percentage(eur(Number.MAX_SAFE_INTEGER), 50, 'down'), eur(4_503_599_627_370_495));
  t.same(percentage(eur(Number.MAX_SAFE_INTEGER), 50, 'half-even'), eur(4_503_599_627_370_496));
  t.equal(code(() => percentage(eur(Number.MAX_SAFE_INTEGER), 200, 'down')), 'amount-out-of-range');
  t.same(multiplyRatio(eur(100), 1, 3, 'half-up'), eur(33));
  t.same(multiplyRatio(eur(200), 1, 3, 'half-up'), eur(67));
  t.equal(code(() => multiplyRatio(eur(100), 1, 0, 'down')), 'invalid-rate');
  t.equal(code(() => multiplyRatio(eur(100), 0.5, 1, 'down')), 'invalid-rate');
});

t.test('split into instalments adds up exactly', async (t) => {
  t.same(split(eur(100), 3), [eur(34), eur(33), eur(33)], 'remainder to the first instalments');
  t.same(split(eur(101), 3), [eur(34), eur(34), eur(33)]);
  t.same(split(eur(99), 3), [eur(33), eur(33), eur(33)]);
  t.same(split(eur(2), 5), [eur(1), eur(1), eur(0), eur(0), eur(0)]);
  t.same(split(eur(0), 4), [eur(0), eur(0), eur(0), eur(0)]);
  t.same(split(eur(7), 1), [eur(7)]);
  t.equal(code(() => split(eur(7), 0)), 'invalid-split');
  t.equal(code(() => split(eur(7), 2.5)), 'invalid-split');
  for (const [total, n] of [[1_000_000_01, 7], [Number.MAX_SAFE_INTEGER, 12], [5, 13], [123_457, 36]] as const) {
    const parts = split(eur(total), n);
    t.equal(parts.length, n);
    t.same(sum(parts, 'EUR'), eur(total), `${total} in ${n} adds up`);
    const amounts = parts.map((p) => p.amountMinor);
    t.ok(Math.max(...amounts) - Math.min(...amounts) <= 1, 'instalments differ by at most one minor unit');
    t.same(amounts, [...amounts].sort((a, b) => b - a), 'earlier instalments are never smaller');
  }
});

t.test('allocate by weights (largest remainder)', async (t) => {
  t.same(allocate(eur(100), [1, 1, 1]), [eur(34), eur(33), eur(33)], 'ties go to the earliest');
  t.same(allocate(eur(100), [1, 2]), [eur(33), eur(67)], '66.67 has the larger remainder');
  t.same(allocate(eur(10), [0, 1, 0]), [eur(0), eur(10), eur(0)]);
  t.same(allocate(eur(5), [3, 3, 4]), [eur(2), eur(1), eur(2)], '1.5, 1.5, 2.0: the one unit left goes to the first of the tie');
  t.same(allocate(eur(0), [0, 0]), [eur(0), eur(0)]);
  t.equal(code(() => allocate(eur(1), [0, 0])), 'invalid-split');
  t.equal(code(() => allocate(eur(1), [])), 'invalid-split');
  t.equal(code(() => allocate(eur(1), [1, -1])), 'invalid-split');
  t.equal(code(() => allocate(eur(1), [0.5])), 'invalid-split');
  const weights = [Number.MAX_SAFE_INTEGER, 3, 1];
  t.same(sum(allocate(eur(Number.MAX_SAFE_INTEGER), weights), 'EUR'), eur(Number.MAX_SAFE_INTEGER), 'large weights stay exact');
  t.same(allocate(money(1_000_000, 'RSD'), [600_000, 300_000, 100_000]), [money(600_000, 'RSD'), money(300_000, 'RSD'), money(100_000, 'RSD')]);
});
