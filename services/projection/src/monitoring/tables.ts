/**
 * The published monitoring tables of one filing year: one row per jurisdiction (all six, so
 * that a table's shape says nothing), withheld cells `null` (disclosure.ts). The tables are
 * regional: a monitor scoped to some jurisdictions sees their rows and the regional totals of
 * the same publication, never a table of its own (two tables over different scopes could be
 * subtracted from each other).
 */
import { JURISDICTIONS, type Currency, type Jurisdiction } from '@cfund/contracts';
import { budgetUse } from '@cfund/domain';
import {
  applicationToDecisionDays, decisionToFirstPayoutDays, filedClaims, percentile, type CohortClaim, type FiledClaim,
} from '../queries/monitoring.js';
import { fundYear } from '../queries/fund-year.js';
import type { ReadModelStore } from '../read-model/store.js';
import {
  AMOUNT_KINDS, APPEAL_COLUMNS, BREAKDOWN_IDS, BREAKDOWNS, DURATION_COLUMNS, FUND_OUTCOMES, RECOVERY_KINDS, TIME_LIMIT_COLUMNS,
  BUDGET_KINDS, type AmountKind, type AppealColumn, type BreakdownId, type BudgetKind, type DurationColumn, type FundOutcome, type TimeLimitColumn,
} from './catalogue.js';
import {
  columnOf, SPANS, SUMMED_KINDS, withAggregates, YearAggregates, type AggregatesKind, type Contribution, type Span,
} from './aggregates.js';
import { smallCount, suppress } from './disclosure.js';
import { AGE_COLUMNS, SEX_COLUMNS, type VictimProfile, type VictimProfiles } from './victim-profiles.js';
import { REFERENCE_RATES_VERSION, referenceRate, toEurMinor, type ReferenceRate } from './reference-rates.js';

export interface ClaimsTable {
  id: 'claims-by-fund-outcome';
  unit: 'claims';
  columns: FundOutcome[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[]; total: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
}

export interface AmountsTable<Id extends 'amounts-eur' | 'recoveries-eur' | 'budget-use-eur' = 'amounts-eur'> {
  id: Id;
  unit: 'EUR';
  columns: (AmountKind | BudgetKind)[];
  /** `cells`: euro cents; `original`: the same amounts in minor units of `currency` (null: no claims, or several currencies). */
  rows: { jurisdiction: Jurisdiction; currency: Currency | null; cells: (number | null)[]; original: (number | null)[] }[];
  /** Column totals only: amounts of different kinds do not add up across a row. */
  columnTotals: (number | null)[];
}

/** A regional breakdown of the claims by fund outcome: one row per category, each claim in one. */
export interface BreakdownTable {
  id: `claims-by-${BreakdownId}`;
  unit: 'claims';
  columns: FundOutcome[];
  rows: { category: string; cells: (number | null)[]; total: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
}

/** Appealed claims by the outcome of their last appeal, per jurisdiction. */
export interface AppealsTable {
  id: 'appeals-by-outcome';
  unit: 'claims';
  columns: AppealColumn[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[]; total: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
}

/**
 * Medians and 90th percentiles of durations in days, per jurisdiction and for the region: a cell
 * over fewer claims than the threshold (none included) is `null`. Percentiles do not add up, so
 * no cell can be worked out from others: primary suppression is enough.
 */
export interface DurationsTable {
  id: 'durations-days';
  unit: 'days';
  columns: DurationColumn[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[] }[];
  region: (number | null)[];
}

/**
 * Decided claims by whether the first decision came within the scheme's time limit, per
 * jurisdiction, with the suppression of the claims table; `shares`: within / (within + beyond)
 * per row and for the region (`regionShare`), from published cells only (null when either is
 * withheld or none was decided under a limit).
 */
export interface TimeLimitTable {
  id: 'decisions-by-time-limit';
  unit: 'claims';
  columns: TimeLimitColumn[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[]; total: number | null; shareWithinLimit: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
  regionShareWithinLimit: number | null;
}

/** Claims by the victim's sex, or by whether the victim was a child at the time of the crime, per jurisdiction. */
export interface VictimTable<Id extends 'claims-by-sex' | 'claims-by-age-at-crime' = 'claims-by-sex' | 'claims-by-age-at-crime'> {
  id: Id;
  unit: 'claims';
  columns: string[];
  rows: { jurisdiction: Jurisdiction; cells: (number | null)[]; total: number | null }[];
  columnTotals: (number | null)[];
  total: number | null;
}

export interface MonitoringTables {
  year: number;
  /** The `$all` position of the newest event the read model had applied (null: a read model from before positions were kept). */
  computedFrom: { commitPosition: string; preparePosition: string } | null;
  suppressionThreshold: number;
  referenceRates: { version: string; rates: ReferenceRate[] };
  claims: ClaimsTable;
  /** null when a currency of the year has no reference rate (`missingRates` names it). */
  amounts: AmountsTable | null;
  missingRates: Currency[];
  /** What the fund paid and recovered from offenders, in EUR (null as `amounts`). */
  recoveries: AmountsTable<'recoveries-eur'> | null;
  /** The fund year's ledgers against their budgets, in EUR (null as `amounts`). */
  budget: AmountsTable<'budget-use-eur'> | null;
  breakdowns: BreakdownTable[];
  appeals: AppealsTable;
  durations: DurationsTable;
  timeLimit: TimeLimitTable;
  /** From the encrypted personal data, counted only (monitoring/victim-profiles.ts). */
  victims: { sex: VictimTable<'claims-by-sex'>; age: VictimTable<'claims-by-age-at-crime'> };
}

/**
 * A claim's column in the claims table: withdrawn if it stands withdrawn (catalogue.ts), else the
 * decision standing (`ClaimFacts.lastDecision`, which an appeal that remitted the claim undoes
 * until the fund decides again).
 */
export function fundOutcomeOf({ d, f }: CohortClaim): FundOutcome {
  if (f.withdrawn) return 'withdrawn';
  if (f.lastDecision === 'rejected') return 'rejected';
  if (f.lastDecision === 'approved') return d.money.paid > 0 ? 'awarded-paid' : 'awarded-unpaid';
  return 'undecided';
}

/** Each amount kind: the claims it is summed over (its count decides whether it may be shown) and the amount of one claim. */
const AMOUNT_OF: Record<AmountKind, { counts: (c: CohortClaim) => boolean; minor: (c: CohortClaim) => number }> = {
  claimed: { counts: () => true, minor: ({ d }) => d.money.claimed },
  awarded: { counts: (c) => fundOutcomeOf(c).startsWith('awarded'), minor: ({ d }) => d.money.awarded },
  paid: { counts: ({ d }) => d.money.paid > 0, minor: ({ d }) => d.money.paid },
  recovered: { counts: ({ d }) => d.money.recovered > 0, minor: ({ d }) => d.money.recovered },
};

/** The category of a claim in each breakdown (BREAKDOWNS' categories). */
export const CATEGORY_OF: Record<BreakdownId, (c: CohortClaim) => string> = {
  'form-of-exploitation': (c) => c.form ?? 'other',
  'applicant-role': (c) => c.role ?? 'direct',
  'court-outcome': ({ d }) => d.court.rulings.at(-1)?.outcome ?? 'no-ruling',
  'enforcement-failure': ({ f }) => f.enforcementFailureReasons.at(-1) ?? 'none',
};

/** An appealed claim's column (undefined: never appealed): `pending` while its last appeal awaits a decision. */
export function appealColumnOf({ f }: CohortClaim): AppealColumn | undefined {
  if (f.appeals === 0) return undefined;
  return f.appealOutcomes.length < f.appeals ? 'pending' : f.appealOutcomes.at(-1) as AppealColumn;
}

/** The days of each of SPANS a claim contributes to the durations table (undefined: not happened, or ending before it starts). */
const SPAN_DAYS: Record<Span, (c: CohortClaim) => number | undefined> = {
  'application-to-decision': applicationToDecisionDays, 'decision-to-first-payment': decisionToFirstPayoutDays,
};
const DURATION_OF: Record<DurationColumn, { span: Span; p: number }> = {
  'application-to-decision-median': { span: 'application-to-decision', p: 50 },
  'application-to-decision-p90': { span: 'application-to-decision', p: 90 },
  'decision-to-first-payment-median': { span: 'decision-to-first-payment', p: 50 },
  'decision-to-first-payment-p90': { span: 'decision-to-first-payment', p: 90 },
};

/**
 * A decided claim's column in the time-limit table (undefined: no duration from application to
 * decision): within when its first decision came on or before the last day of its scheme
 * version's limit; no-limit when the version sets none.
 */
export function timeLimitColumnOf(c: CohortClaim): TimeLimitColumn | undefined {
  const days = applicationToDecisionDays(c);
  if (days === undefined || days < 0) return undefined;
  if (c.decisionTimeLimitDays === null) return 'no-limit';
  return days <= c.decisionTimeLimitDays ? 'within-limit' : 'beyond-limit';
}

/** Where one claim counts in every table of its year (aggregates.ts keeps the sums of these). */
export function contributionOf({ jurisdiction, claim: c }: FiledClaim, profile: VictimProfile): Contribution {
  const outcome = columnOf(FUND_OUTCOMES, fundOutcomeOf(c));
  return {
    jurisdiction: columnOf(JURISDICTIONS, jurisdiction), outcome,
    categories: BREAKDOWN_IDS.map((id) => columnOf(BREAKDOWNS[id].categories, CATEGORY_OF[id](c))),
    appeal: columnOf(APPEAL_COLUMNS, appealColumnOf(c)),
    timeLimit: columnOf(TIME_LIMIT_COLUMNS, timeLimitColumnOf(c)),
    currency: c.currency,
    amounts: SUMMED_KINDS.map((k) => (AMOUNT_OF[k].counts(c) ? AMOUNT_OF[k].minor(c) : null)),
    days: SPANS.map((s) => {
      const d = SPAN_DAYS[s](c);
      return d !== undefined && d >= 0 ? d : undefined;
    }),
    sex: columnOf(SEX_COLUMNS, profile.sex), age: columnOf(AGE_COLUMNS, profile.age),
  };
}

/** The tables' aggregates: one set per filing year, each claim's contribution with its victim's sex and age. */
const tablesKind = (profiles: VictimProfiles): AggregatesKind<Contribution, YearAggregates> => ({
  name: 'tables',
  empty: () => new YearAggregates(),
  scopeOf: (c) => c.year,
  claimsOf: (store, year) => filedClaims(store, { from: year, to: year }),
  contributions: async (claims) => {
    const victims = await profiles.of(claims.map((c) => c.claim));
    return claims.map((c, i) => contributionOf(c, victims[i]!));
  },
});

export async function monitoringTables(store: ReadModelStore, year: number, threshold: number, profiles: VictimProfiles): Promise<MonitoringTables> {
  return withAggregates(store, tablesKind(profiles), year,
    // Read with the changed rows: the position and the ledgers of the same state.
    () => ({ computedFrom: store.appliedPosition(), ledgers: JURISDICTIONS.map((j) => fundYear(store, j, year)) }),
    (a, { computedFrom, ledgers }) => tablesOf(a, year, threshold, computedFrom, ledgers));
}

/** The year's tables from its aggregates: the size of the tables, not of the claims. */
function tablesOf(a: YearAggregates, year: number, threshold: number, computedFrom: MonitoringTables['computedFrom'], ledgers: Ledger[]): MonitoringTables {
  const claims = suppress({ cells: copy(a.claims), rowTotals: true, columnTotals: true }, smallCount(threshold));
  const currencies = new Set([
    ...a.currencies.flatMap((m) => [...m.keys()] as Currency[]),
    ...ledgers.flatMap((l) => (l?.currency ? [l.currency as Currency] : [])),
  ]);
  const missingRates = [...currencies].filter((c) => !referenceRate(c, year)).sort();
  const rates = [...currencies].flatMap((c) => referenceRate(c, year) ?? []).sort((x, y) => (x.currency < y.currency ? -1 : 1));
  return {
    year, computedFrom, suppressionThreshold: threshold, referenceRates: { version: REFERENCE_RATES_VERSION, rates },
    claims: {
      id: 'claims-by-fund-outcome', unit: 'claims', columns: [...FUND_OUTCOMES],
      rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: claims.cells[r]!, total: claims.rowTotals![r]! })),
      columnTotals: claims.columnTotals!, total: claims.total,
    },
    amounts: missingRates.length > 0 ? null : amountsTable('amounts-eur', [...AMOUNT_KINDS], a, year, threshold),
    missingRates,
    recoveries: missingRates.length > 0 ? null : amountsTable('recoveries-eur', [...RECOVERY_KINDS], a, year, threshold),
    budget: missingRates.length > 0 ? null : budgetTable(ledgers, year, threshold),
    breakdowns: BREAKDOWN_IDS.map((id, b) => breakdownTable(id, a.breakdowns[b]!, threshold)),
    appeals: appealsTable(a.appeals, threshold),
    durations: durationsTable(a, threshold),
    timeLimit: timeLimitTable(a.timeLimit, threshold),
    victims: {
      sex: victimTable('claims-by-sex', SEX_COLUMNS, a.sex, threshold),
      age: victimTable('claims-by-age-at-crime', AGE_COLUMNS, a.age, threshold),
    },
  };
}

/** A table's cells to publish from (suppress may write to them; the aggregates stay as they are). */
const copy = (cells: readonly (readonly number[])[]) => cells.map((line) => [...line]);

function victimTable<Id extends VictimTable['id']>(id: Id, columns: readonly string[], counts: number[][], threshold: number): VictimTable<Id> {
  const t = suppress({ cells: copy(counts), rowTotals: true, columnTotals: true }, smallCount(threshold));
  return {
    id, unit: 'claims', columns: [...columns],
    rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: t.cells[r]!, total: t.rowTotals![r]! })),
    columnTotals: t.columnTotals!, total: t.total,
  };
}

function breakdownTable(id: BreakdownId, counts: number[][], threshold: number): BreakdownTable {
  const categories: readonly string[] = BREAKDOWNS[id].categories;
  const t = suppress({ cells: copy(counts), rowTotals: true, columnTotals: true }, smallCount(threshold));
  return {
    id: `claims-by-${id}`, unit: 'claims', columns: [...FUND_OUTCOMES],
    rows: categories.map((category, r) => ({ category, cells: t.cells[r]!, total: t.rowTotals![r]! })),
    columnTotals: t.columnTotals!, total: t.total,
  };
}

function appealsTable(counts: number[][], threshold: number): AppealsTable {
  const t = suppress({ cells: copy(counts), rowTotals: true, columnTotals: true }, smallCount(threshold));
  return {
    id: 'appeals-by-outcome', unit: 'claims', columns: [...APPEAL_COLUMNS],
    rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: t.cells[r]!, total: t.rowTotals![r]! })),
    columnTotals: t.columnTotals!, total: t.total,
  };
}

function timeLimitTable(counts: number[][], threshold: number): TimeLimitTable {
  const t = suppress({ cells: copy(counts), rowTotals: true, columnTotals: true }, smallCount(threshold));
  const [within, beyond] = [TIME_LIMIT_COLUMNS.indexOf('within-limit'), TIME_LIMIT_COLUMNS.indexOf('beyond-limit')];
  const share = (cells: readonly (number | null)[]) => {
    const [w, b] = [cells[within], cells[beyond]];
    return w === null || w === undefined || b === null || b === undefined || w + b === 0 ? null : Math.round((w / (w + b)) * 10_000) / 10_000;
  };
  return {
    id: 'decisions-by-time-limit', unit: 'claims', columns: [...TIME_LIMIT_COLUMNS],
    rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: t.cells[r]!, total: t.rowTotals![r]!, shareWithinLimit: share(t.cells[r]!) })),
    columnTotals: t.columnTotals!, total: t.total, regionShareWithinLimit: share(t.columnTotals!),
  };
}

function durationsTable(a: YearAggregates, threshold: number): DurationsTable {
  const line = (samples: readonly (readonly number[])[]) => DURATION_COLUMNS.map((column) => {
    const sample = samples[SPANS.indexOf(DURATION_OF[column].span)]!;
    return sample.length < threshold ? null : percentile(sample, DURATION_OF[column].p);
  });
  return {
    id: 'durations-days', unit: 'days', columns: [...DURATION_COLUMNS],
    rows: JURISDICTIONS.map((jurisdiction, r) => ({ jurisdiction, cells: line(a.days[r]!) })),
    region: line(a.regionDays),
  };
}

function amountsTable<Id extends 'amounts-eur' | 'recoveries-eur'>(id: Id, kinds: AmountKind[], a: YearAggregates, year: number, threshold: number): AmountsTable<Id> {
  const sumsOf = (r: number, kind: AmountKind) => [...a.sums[r]![SUMMED_KINDS.indexOf(kind)]!];
  const eur = JURISDICTIONS.map((_, r) => kinds.map((k) =>
    sumsOf(r, k).reduce((sum, [currency, s]) => sum + toEurMinor(Number(s.minor), referenceRate(currency as Currency, year)!), 0)));
  const behind = JURISDICTIONS.map((_, r) => kinds.map((k) => a.summedClaims(r, SUMMED_KINDS.indexOf(k))));
  behind.push(kinds.map((_, k) => behind.reduce((s, line) => s + line[k]!, 0)));
  // An amount over fewer victims than the threshold is withheld (an amount over none is 0 and shown).
  const published = suppress({ cells: eur, rowTotals: false, columnTotals: true }, (r, c) => behind[r]![c]! > 0 && behind[r]![c]! < threshold);
  return {
    id, unit: 'EUR', columns: [...kinds],
    rows: JURISDICTIONS.map((jurisdiction, r) => {
      // A row's currency: the one of all its claims (none, or several: null).
      const currency = a.currencies[r]!.size === 1 ? a.currencies[r]!.keys().next().value as Currency : null;
      const original = kinds.map((k, c) => (currency === null || published.cells[r]![c] === null ? null
        : sumsOf(r, k).reduce((sum, [, s]) => sum + Number(s.minor), 0)));
      return { jurisdiction, currency, cells: published.cells[r]!, original };
    }),
    columnTotals: published.columnTotals!,
  };
}

type Ledger = ReturnType<typeof fundYear>;

/**
 * The fund year's ledger of each jurisdiction against its budget (the ledger's own sums,
 * queries/fund-year.ts). The budget is the fund's public figure, always shown; an amount over
 * fewer victims than the threshold is withheld, with complementary suppression on the regional
 * totals as in the amounts table.
 */
function budgetTable(ledgers: Ledger[], year: number, threshold: number): AmountsTable<'budget-use-eur'> {
  const kinds = [...BUDGET_KINDS];
  // The figures' one home is the domain's budgetUse (the console's funds page shows the same).
  const minor = (l: NonNullable<Ledger>, kind: BudgetKind) => budgetUse(l)[kind];
  const behindOf = (l: NonNullable<Ledger>, kind: BudgetKind) => {
    switch (kind) {
      case 'allocated': return 0;
      case 'committed': return l.claims.filter((c) => c.committedMinor - c.releasedMinor > 0).length;
      case 'disbursed': return l.claims.filter((c) => c.disbursedMinor > 0).length;
      case 'recovered': return l.claims.filter((c) => c.recoveredMinor > 0).length;
    }
  };
  const original = ledgers.map((l) => kinds.map((k) => (l ? minor(l, k) : 0)));
  const eur = ledgers.map((l, r) => kinds.map((_, c) => (l?.currency ? toEurMinor(original[r]![c]!, referenceRate(l.currency as Currency, year)!) : 0)));
  const behind = ledgers.map((l) => kinds.map((k) => (l ? behindOf(l, k) : 0)));
  behind.push(kinds.map((_, k) => behind.reduce((s, line) => s + line[k]!, 0)));
  const published = suppress({ cells: eur, rowTotals: false, columnTotals: true }, (r, c) => behind[r]![c]! > 0 && behind[r]![c]! < threshold);
  return {
    id: 'budget-use-eur', unit: 'EUR', columns: kinds,
    rows: JURISDICTIONS.map((jurisdiction, r) => ({
      jurisdiction, currency: (ledgers[r]?.currency ?? null) as Currency | null, cells: published.cells[r]!,
      original: kinds.map((_, c) => (ledgers[r]?.currency && published.cells[r]![c] !== null ? original[r]![c]! : null)),
    })),
    columnTotals: published.columnTotals!,
  };
}
