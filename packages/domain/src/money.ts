/**
 * Money arithmetic in integer minor units (never floats). Every operation checks that its
 * operands share one currency (`currency-mismatch` otherwise) and that every result stays a
 * non-negative safe integer (`negative-amount`, `amount-out-of-range`). Products and quotients
 * are computed with BigInt, so they are exact up to `Number.MAX_SAFE_INTEGER` minor units.
 * The bounds of amounts and sums (MAX_AMOUNT_MINOR, MAX_SUM_MINOR) are contracts' (primitives.ts).
 */
import { MAX_SUM_MINOR, type Currency, type Money } from '@cfund/contracts';
import { DomainError } from './errors.js';

/** ISO 4217 minor-unit digits of every scheme currency (all five have two). */
export const MINOR_UNIT_DIGITS: Readonly<Record<Currency, number>> = {
  RSD: 2, BAM: 2, EUR: 2, ALL: 2, MKD: 2,
};

/**
 * How a result that falls between two minor units is rounded; always explicit.
 * - `half-up`: ties away from zero (amounts are non-negative, so up): 2.5 -> 3, 3.5 -> 4.
 * - `half-even` (banker's): ties to the even neighbour: 2.5 -> 2, 3.5 -> 4.
 * - `down`: towards zero (floor for non-negative amounts); `up`: away from zero (ceiling).
 */
export type Rounding = 'half-up' | 'half-even' | 'down' | 'up';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

function checkAmount(amountMinor: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new DomainError('invalid-amount', `The ${what} must be a whole number of minor units (cents), got ${String(amountMinor)}.`, {
      details: { amountMinor },
    });
  }
  if (amountMinor < 0) {
    throw new DomainError('negative-amount', `The ${what} cannot be negative.`, { details: { amountMinor } });
  }
}

function fromBig(value: bigint, currency: Currency): Money {
  if (value < 0n) throw new DomainError('negative-amount', 'The result would be a negative amount.', { details: { currency } });
  if (value > MAX) {
    throw new DomainError('amount-out-of-range', 'The result is larger than the largest amount the system can hold exactly.', {
      details: { currency },
    });
  }
  return { amountMinor: Number(value), currency };
}

/** A Money value, validated (integer, non-negative, safe). */
export function money(amountMinor: number, currency: Currency): Money {
  checkAmount(amountMinor);
  return { amountMinor, currency };
}

/** Whole major units (e.g. EUR 5,000 -> 500,000 cents). */
export function fromMajor(major: number, currency: Currency): Money {
  if (!Number.isSafeInteger(major)) {
    throw new DomainError('invalid-amount', `Whole units expected, got ${String(major)}; use parseMoney for decimals.`);
  }
  return fromBig(BigInt(major) * 10n ** BigInt(MINOR_UNIT_DIGITS[currency]), currency);
}

/** A decimal string in major units, `"1234.5"` or `"1234.50"`; more decimals than the currency has are refused. */
export function parseMoney(text: string, currency: Currency): Money {
  const digits = MINOR_UNIT_DIGITS[currency];
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[2].length > digits)) {
    throw new DomainError('invalid-amount', `"${text}" is not an amount in ${currency} with at most ${digits} decimals.`);
  }
  const minor = BigInt(m[1] as string) * 10n ** BigInt(digits) + BigInt((m[2] ?? '').padEnd(digits, '0') || '0');
  return fromBig(minor, currency);
}

/** `EUR 5,000.00`: for messages and documents (not locale-aware on purpose: stable output). */
export function formatMoney(m: Money): string {
  const digits = MINOR_UNIT_DIGITS[m.currency];
  const s = String(m.amountMinor).padStart(digits + 1, '0');
  const whole = s.slice(0, s.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${m.currency} ${whole}${digits > 0 ? '.' + s.slice(s.length - digits) : ''}`;
}

export function zero(currency: Currency): Money {
  return { amountMinor: 0, currency };
}

export function isZero(m: Money): boolean {
  return m.amountMinor === 0;
}

/** Throws `currency-mismatch` unless every amount is in `currency` (or in the first amount's). */
export function assertSameCurrency(amounts: readonly Money[], currency?: Currency): void {
  const expected = currency ?? amounts[0]?.currency;
  for (const a of amounts) {
    checkAmount(a.amountMinor);
    if (a.currency !== expected) {
      throw new DomainError(
        'currency-mismatch',
        `Amounts in different currencies cannot be combined (${String(expected)} and ${a.currency}); a claim is kept in one currency.`,
        { details: { expected, actual: a.currency } },
      );
    }
  }
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency([a, b]);
  return fromBig(BigInt(a.amountMinor) + BigInt(b.amountMinor), a.currency);
}

/**
 * `a - b`. A result below zero is refused (`negative-amount`) unless `floorAtZero` is asked
 * for, which returns zero instead (a net award is never below zero).
 */
export function subtract(a: Money, b: Money, options: { floorAtZero?: boolean } = {}): Money {
  assertSameCurrency([a, b]);
  const d = BigInt(a.amountMinor) - BigInt(b.amountMinor);
  if (d < 0n && options.floorAtZero) return zero(a.currency);
  if (d < 0n) {
    throw new DomainError('negative-amount', `${formatMoney(b)} cannot be taken from ${formatMoney(a)}: the result would be negative.`, {
      details: { from: a, subtract: b },
    });
  }
  return fromBig(d, a.currency);
}

/** `a - b` as a signed number of minor units (for comparisons and reports; not a Money). */
export function signedDifference(a: Money, b: Money): number {
  assertSameCurrency([a, b]);
  return a.amountMinor - b.amountMinor;
}

/** Sum in `currency`; the sum of nothing is zero. */
export function sum(amounts: readonly Money[], currency: Currency): Money {
  assertSameCurrency(amounts, currency);
  return fromBig(amounts.reduce((acc, m) => acc + BigInt(m.amountMinor), 0n), currency);
}

/**
 * Adds amounts (minor units) where refusing is no option: folds over stored events (facts, which
 * may hold amounts today's commands refuse) and read views. A total is exact while it stays a
 * safe integer and is held at `Number.MAX_SAFE_INTEGER` beyond, so every figure stays an exact
 * JSON integer; `beyondBounds` tells a reader when a figure passed MAX_SUM_MINOR. Commands use
 * `add` and `sum`, which refuse instead. This is the one home for adding amounts.
 */
export function addMinor(a: number, b: number): number {
  const r = a + b;
  // Two safe integers whose double sum is safe were added exactly (every integer up to 2^53 is a double).
  return Number.isSafeInteger(r) ? r : boundedMinor(r);
}

/** `addMinor` over a list (the total of nothing is zero). */
export function totalMinor(values: readonly number[]): number {
  let acc = 0;
  for (const v of values) acc = addMinor(acc, v);
  return acc;
}

/** A figure held where a JSON number is exact: whole, between -MAX_SAFE_INTEGER and MAX_SAFE_INTEGER (not a number: 0). */
export function boundedMinor(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(value)));
}

/** True when a figure is above MAX_SUM_MINOR: it comes from amounts today's commands refuse (and may be held at the maximum). */
export const beyondBounds = (minor: number): boolean => Math.abs(minor) > MAX_SUM_MINOR;

/** -1, 0 or 1. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency([a, b]);
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

export function equals(a: Money, b: Money): boolean {
  return compare(a, b) === 0;
}
export function greaterThan(a: Money, b: Money): boolean {
  return compare(a, b) === 1;
}
export function lessThan(a: Money, b: Money): boolean {
  return compare(a, b) === -1;
}

export function min(first: Money, ...rest: Money[]): Money {
  return rest.reduce((m, x) => (compare(x, m) < 0 ? x : m), first);
}

export function max(first: Money, ...rest: Money[]): Money {
  return rest.reduce((m, x) => (compare(x, m) > 0 ? x : m), first);
}

/** `value` limited to `[lower, upper]`; `lower > upper` is a programming error (`invalid-amount`). */
export function clamp(value: Money, lower: Money, upper: Money): Money {
  if (compare(lower, upper) > 0) {
    throw new DomainError('invalid-amount', `The lower bound ${formatMoney(lower)} is above the upper bound ${formatMoney(upper)}.`);
  }
  return min(max(value, lower), upper);
}

function divide(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  // numerator >= 0, denominator > 0
  const q = numerator / denominator;
  const r = numerator % denominator;
  if (r === 0n) return q;
  switch (rounding) {
    case 'down': return q;
    case 'up': return q + 1n;
    case 'half-up': return 2n * r >= denominator ? q + 1n : q;
    case 'half-even': {
      const twice = 2n * r;
      if (twice > denominator) return q + 1n;
      if (twice < denominator) return q;
      return q % 2n === 0n ? q : q + 1n;
    }
  }
}

/** `amount * numerator / denominator`, exact then rounded as told. */
export function multiplyRatio(amount: Money, numerator: number, denominator: number, rounding: Rounding): Money {
  checkAmount(amount.amountMinor);
  if (!Number.isSafeInteger(numerator) || numerator < 0 || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new DomainError('invalid-rate', `A ratio needs a whole numerator >= 0 and a whole denominator > 0, got ${numerator}/${denominator}.`);
  }
  return fromBig(divide(BigInt(amount.amountMinor) * BigInt(numerator), BigInt(denominator), rounding), amount.currency);
}

/**
 * `percent`% of `amount`, rounded as told. `percent` may have up to two decimals (12.5, 33.33);
 * it is read as whole basis points, so no float error reaches the result.
 */
export function percentage(amount: Money, percent: number, rounding: Rounding): Money {
  const bp = Math.round(percent * 100);
  if (!Number.isFinite(percent) || percent < 0 || Math.abs(bp - percent * 100) > 1e-6) {
    throw new DomainError('invalid-rate', `A percentage must be >= 0 with at most two decimals, got ${String(percent)}.`);
  }
  return multiplyRatio(amount, bp, 10_000, rounding);
}

/**
 * Split `total` into `n` instalments that add up exactly: each gets `floor(total / n)` and the
 * remainder goes one minor unit at a time to the first instalments (so they never differ by
 * more than one minor unit, and earlier ones are never smaller).
 */
export function split(total: Money, n: number): Money[] {
  checkAmount(total.amountMinor, 'total');
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DomainError('invalid-split', `An amount is split into at least one instalment, got ${String(n)}.`);
  }
  const base = Math.floor(total.amountMinor / n);
  const remainder = total.amountMinor - base * n;
  return Array.from({ length: n }, (_, i) => ({ amountMinor: base + (i < remainder ? 1 : 0), currency: total.currency }));
}

/**
 * Split `total` in proportion to whole, non-negative `weights` (largest-remainder method): each
 * share is rounded down, then the minor units left go one each to the shares with the largest
 * remainders, earlier shares first on a tie. The shares add up exactly to `total`.
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  checkAmount(total.amountMinor, 'total');
  if (weights.length === 0 || weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new DomainError('invalid-split', 'Allocation weights must be a non-empty list of whole numbers >= 0.');
  }
  const totalWeight = weights.reduce((acc, w) => acc + BigInt(w), 0n);
  if (totalWeight === 0n) {
    if (total.amountMinor === 0) return weights.map(() => zero(total.currency));
    throw new DomainError('invalid-split', 'An amount cannot be allocated when every weight is zero.');
  }
  const t = BigInt(total.amountMinor);
  const shares = weights.map((w, index) => {
    const exact = t * BigInt(w);
    return { index, floor: exact / totalWeight, remainder: exact % totalWeight };
  });
  let left = t - shares.reduce((acc, s) => acc + s.floor, 0n);
  const order = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  const extra = new Set<number>();
  for (const s of order) {
    if (left === 0n) break;
    extra.add(s.index);
    left -= 1n;
  }
  return shares.map((s) => fromBig(s.floor + (extra.has(s.index) ? 1n : 0n), total.currency));
}
