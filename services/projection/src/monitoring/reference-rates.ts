/**
 * Reference rates for comparable amounts: units of a scheme currency per euro, one per currency
 * and calendar year, as dated data. `provisional` rates are approximate annual averages to be
 * replaced by the issuing central bank's published annual average (keep the old entry's
 * `version` history in git: a publication names the version it used). EUR is the unit; the
 * convertible mark is fixed to the euro by law.
 */
import type { Currency } from '@cfund/contracts';

export interface ReferenceRate {
  readonly currency: Currency;
  readonly year: number;
  /** Units of `currency` per 1 EUR. */
  readonly perEur: number;
  readonly provisional: boolean;
  readonly source: string;
}

export const REFERENCE_RATES_VERSION = '2026-12-06';

const FIXED_BAM = 'Fixed rate of the convertible mark (Law on the Central Bank of Bosnia and Herzegovina): 1.95583 BAM per EUR';
const APPROXIMATE = 'Provisional: approximate annual average, to be replaced by the central bank\'s published annual average';

const YEARS = [2022, 2023, 2024, 2025, 2026] as const;
/** Provisional annual averages, by year (YEARS' order). */
const APPROXIMATIONS: Readonly<Record<'RSD' | 'MKD' | 'ALL', readonly number[]>> = {
  RSD: [117.46, 117.25, 117.08, 117.2, 117.2],
  MKD: [61.62, 61.57, 61.53, 61.6, 61.6],
  ALL: [118.9, 108.8, 100.8, 98.5, 98.5],
};

export const REFERENCE_RATES: readonly ReferenceRate[] = YEARS.flatMap((year, i) => [
  { currency: 'EUR' as const, year, perEur: 1, provisional: false, source: 'The unit of comparison' },
  { currency: 'BAM' as const, year, perEur: 1.95583, provisional: false, source: FIXED_BAM },
  ...(['RSD', 'MKD', 'ALL'] as const).map((currency) => ({ currency, year, perEur: APPROXIMATIONS[currency][i]!, provisional: true, source: APPROXIMATE })),
]);

const LAST_YEAR = YEARS[YEARS.length - 1]!;

/**
 * The rate of a currency in a year. A year after the table's last one (a new year begins before
 * its annual averages are published) carries the last year's rate forward: the euro and the
 * fixed mark stay final, the others are provisional and say where they come from. Without this,
 * every amount of the new year would drop out of the comparable totals on 1 January.
 */
export function referenceRate(currency: Currency, year: number): ReferenceRate | undefined {
  const exact = REFERENCE_RATES.find((r) => r.currency === currency && r.year === year);
  if (exact || year <= LAST_YEAR) return exact;
  const last = REFERENCE_RATES.find((r) => r.currency === currency && r.year === LAST_YEAR);
  if (!last) return undefined;
  if (!last.provisional) return { ...last, year };
  return { ...last, year, source: `Provisional: the ${LAST_YEAR} rate carried forward until the central bank publishes the annual average of ${year}` };
}

/** Minor units of `rate.currency` in euro cents (both currencies have two minor digits), rounded half up. */
export const toEurMinor = (minor: number, rate: ReferenceRate): number => Math.round(minor / rate.perEur);
