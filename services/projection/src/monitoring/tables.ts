/**
 * The published monitoring tables of one filing year: one row per jurisdiction (all six, so
 * that a table's shape says nothing), withheld cells `null` (disclosure.ts). The tables are
 * regional: a monitor scoped to some jurisdictions sees their rows and the regional totals of
 * the same publication, never a table of its own (two tables over different scopes could be
 * subtracted from each other).
 */
import { JURISDICTIONS, type Currency, type Jurisdiction } from '@cfund/contracts';
import { claimCohorts, type CohortClaim } from '../queries/monitoring.js';
import type { ReadModelStore } from '../read-model/store.js';
import { AMOUNT_KINDS, FUND_OUTCOMES, type AmountKind, type FundOutcome } from './catalogue.js';
import { smallCount, suppress } from './disclosure.js';
import { REFERENCE_RATES_VERSION, referenceRate, toEurMinor, type ReferenceRate } from './reference-rates.js';

export interface ClaimsTable {
  id: 'claims-by-fund-outcome';
  unit: 'claims';
  columns: FundOutcome[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[]; total: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
}

export interface AmountsTable {
  id: 'amounts-eur';
  unit: 'EUR';
  columns: AmountKind[];
  /** `cells`: euro cents; `original`: the same amounts in minor units of `currency` (null: no claims, or several currencies). */
  rows: { jurisdiction: Jurisdiction; currency: Currency | null; cells: (number | null)[]; original: (number | null)[] }[];
  /** Column totals only: amounts of different kinds do not add up across a row. */
  columnTotals: (number | null)[];
}

export interface MonitoringTables {
  year: number;
  suppressionThreshold: number;
  referenceRates: { version: string; rates: ReferenceRate[] };
  claims: ClaimsTable;
  /** null when a currency of the year has no reference rate (`missingRates` names it). */
  amounts: AmountsTable | null;
  missingRates: Currency[];
}

export function fundOutcomeOf({ d, f }: CohortClaim): FundOutcome {
  if (f.lastDecision === 'rejected') return 'rejected';
  if (f.lastDecision === 'approved') return d.money.paid > 0 ? 'awarded-paid' : 'awarded-unpaid';
  return 'undecided';
}

/** Each amount kind: the claims it is summed over (its count decides whether it may be shown) and the amount of one claim. */
const AMOUNT_OF: Record<AmountKind, { counts: (c: CohortClaim) => boolean; minor: (c: CohortClaim) => number }> = {
  claimed: { counts: () => true, minor: ({ d }) => d.money.claimed },
  awarded: { counts: ({ f }) => f.lastDecision === 'approved', minor: ({ d }) => d.money.awarded },
  paid: { counts: ({ d }) => d.money.paid > 0, minor: ({ d }) => d.money.paid },
};

export function monitoringTables(store: ReadModelStore, year: number, threshold: number): MonitoringTables {
  const cohorts = claimCohorts(store, { from: year, to: year });
  const claimsOf = (j: Jurisdiction) => cohorts.get(`${j}\0${year}`)?.claims ?? [];
  const counts = JURISDICTIONS.map((j) => FUND_OUTCOMES.map((o) => claimsOf(j).filter((c) => fundOutcomeOf(c) === o).length));
  const claims = suppress({ cells: counts, rowTotals: true, columnTotals: true }, smallCount(threshold));

  const currencies = new Set(JURISDICTIONS.flatMap((j) => claimsOf(j).map((c) => c.currency as Currency)));
  const missingRates = [...currencies].filter((c) => !referenceRate(c, year)).sort();
  const rates = [...currencies].flatMap((c) => referenceRate(c, year) ?? []).sort((a, b) => (a.currency < b.currency ? -1 : 1));
  return {
    year, suppressionThreshold: threshold, referenceRates: { version: REFERENCE_RATES_VERSION, rates },
    claims: {
      id: 'claims-by-fund-outcome', unit: 'claims', columns: [...FUND_OUTCOMES],
      rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: claims.cells[r]!, total: claims.rowTotals![r]! })),
      columnTotals: claims.columnTotals!, total: claims.total,
    },
    amounts: missingRates.length > 0 ? null : amountsTable(JURISDICTIONS.map(claimsOf), year, threshold),
    missingRates,
  };
}

function amountsTable(byJurisdiction: CohortClaim[][], year: number, threshold: number): AmountsTable {
  const sumEur = (claims: CohortClaim[], kind: AmountKind) => {
    const perCurrency = new Map<Currency, number>();
    for (const c of claims) if (AMOUNT_OF[kind].counts(c)) perCurrency.set(c.currency as Currency, (perCurrency.get(c.currency as Currency) ?? 0) + AMOUNT_OF[kind].minor(c));
    return [...perCurrency].reduce((eur, [currency, minor]) => eur + toEurMinor(minor, referenceRate(currency, year)!), 0);
  };
  const howMany = (claims: CohortClaim[], kind: AmountKind) => claims.filter(AMOUNT_OF[kind].counts).length;
  const eur = byJurisdiction.map((claims) => AMOUNT_KINDS.map((k) => sumEur(claims, k)));
  const behind = byJurisdiction.map((claims) => AMOUNT_KINDS.map((k) => howMany(claims, k)));
  behind.push(AMOUNT_KINDS.map((_, k) => behind.reduce((s, line) => s + line[k]!, 0)));
  // An amount over fewer victims than the threshold is withheld (an amount over none is 0 and shown).
  const published = suppress({ cells: eur, rowTotals: false, columnTotals: true }, (r, c) => behind[r]![c]! > 0 && behind[r]![c]! < threshold);
  return {
    id: 'amounts-eur', unit: 'EUR', columns: [...AMOUNT_KINDS],
    rows: JURISDICTIONS.map((jurisdiction, r) => {
      const claims = byJurisdiction[r]!;
      const currencies = [...new Set(claims.map((c) => c.currency as Currency))];
      const currency = currencies.length === 1 ? currencies[0]! : null;
      const original = AMOUNT_KINDS.map((k, c) => (currency === null || published.cells[r]![c] === null ? null
        : claims.filter(AMOUNT_OF[k].counts).reduce((s, x) => s + AMOUNT_OF[k].minor(x), 0)));
      return { jurisdiction, currency, cells: published.cells[r]!, original };
    }),
    columnTotals: published.columnTotals!,
  };
}

