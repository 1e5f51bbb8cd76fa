/**
 * `GET /monitoring/indicators` (queries/monitoring.ts' INDICATORS, primary suppression only) made
 * from aggregates kept per change, as the year's tables are (aggregates.ts): per jurisdiction and
 * filing year, the claims each count holds, the exact sums the amounts and rates are made of, and
 * the durations in days as sorted samples (the per-claim durations are the contributions kept in
 * memory: the read model has no table of them). After k changed claims an answer costs O(k) plus
 * the size of the answer, not the claims of the years.
 *
 * One set of aggregates over every filing year (the filter picks rows from it): its first
 * computation reads every filed claim. No victim's data is read: the indicators have no sex or age.
 */
import { addMinor, beyondBounds, boundedMinor } from '@cfund/domain';
import {
  applicationToDecisionDays, decisionToFirstPayoutDays, filedClaims, filingToRulingDays, percentile, rulingToFinalDays,
  type CohortClaim, type FiledClaim, type IndicatorRow,
} from '../queries/monitoring.js';
import type { ReadModelStore } from '../read-model/store.js';
import { shiftSample, withAggregates, type Aggregate, type AggregatesKind } from './aggregates.js';

const rulingOutcome = (o: string) => ({ d }: CohortClaim) => d.court.rulings.some((r) => r.outcome === o);
const failed = (reason: string) => ({ f }: CohortClaim) => f.enforcementFailureReasons.includes(reason);
const appealOutcome = (o: string) => ({ f }: CohortClaim) => f.appealOutcomes.includes(o);
const approved = ({ f }: CohortClaim) => f.lastDecision === 'approved';
const rejected = ({ f }: CohortClaim) => f.lastDecision === 'rejected';
const withAward = ({ d: { money: m } }: CohortClaim) => addMinor(m.courtAwarded, m.awarded) > 0;
const withReceived = ({ d: { money: m } }: CohortClaim) => addMinor(m.offenderPaid, m.paid) > 0;
const withPayout = ({ d: { money: m } }: CohortClaim) => m.paid > 0;

/**
 * What a claim is counted in: the published counts (by their INDICATORS name) and the bases the
 * other figures are shown over (`base:`, not published).
 */
const COUNTS = {
  claimsFiled: () => true,
  rulingsCompensationAwarded: rulingOutcome('compensation-awarded'),
  rulingsReferredToCivil: rulingOutcome('referred-to-civil'),
  enforcementFailedNoAssets: failed('no-assets'),
  enforcementFailedOffenderUnknown: failed('offender-unknown'),
  enforcementFailedOffenderAbroad: failed('offender-abroad'),
  enforcementFailedOther: failed('other'),
  fundApplications: ({ d }: CohortClaim) => d.fund.appliedAt !== null,
  lateFilings: ({ d }: CohortClaim) => d.fund.late === true,
  extensionsGranted: ({ f }: CohortClaim) => f.extension === 'granted',
  extensionsRefused: ({ f }: CohortClaim) => f.extension === 'refused',
  assessed: ({ f }: CohortClaim) => f.assessments > 0,
  eligible: ({ f }: CohortClaim) => f.lastAssessmentEligible === true,
  awardsApproved: approved,
  awardsRejected: rejected,
  claimsWithdrawn: ({ f }: CohortClaim) => f.withdrawn === true,
  advancePayments: ({ f }: CohortClaim) => f.advancePayments > 0,
  appeals: ({ f }: CohortClaim) => f.appeals > 0,
  appealsUpheld: appealOutcome('upheld'),
  appealsIncreased: appealOutcome('increased'),
  appealsReduced: appealOutcome('reduced'),
  appealsRemitted: appealOutcome('remitted'),
  claimsWithPayout: ({ f }: CohortClaim) => f.firstPayoutAt !== undefined,
  'base:withAward': withAward,
  'base:withReceived': withReceived,
  'base:withPayout': withPayout,
  'base:approvedAtCap': (c: CohortClaim) => approved(c) && c.f.atCap,
} satisfies Record<string, (c: CohortClaim) => boolean>;
type CountName = keyof typeof COUNTS;
const COUNT_NAMES = Object.keys(COUNTS) as CountName[];

/** The amounts summed (minor units; 0 for a claim outside the figure's claims). Never negative. */
const SUMS = {
  claimed: ({ d }: CohortClaim) => d.money.claimed,
  awardedOfAwards: (c: CohortClaim) => (withAward(c) ? addMinor(c.d.money.courtAwarded, c.d.money.awarded) : 0),
  receivedOfReceived: (c: CohortClaim) => (withReceived(c) ? addMinor(c.d.money.offenderPaid, c.d.money.paid) : 0),
  receivedOfAwards: (c: CohortClaim) => (withAward(c) ? addMinor(c.d.money.offenderPaid, c.d.money.paid) : 0),
  fundAwardedOfApproved: (c: CohortClaim) => (approved(c) ? c.d.money.awarded : 0),
  recoveredOfPayouts: (c: CohortClaim) => (withPayout(c) ? c.d.money.recovered : 0),
  paidOfPayouts: (c: CohortClaim) => (withPayout(c) ? c.d.money.paid : 0),
} satisfies Record<string, (c: CohortClaim) => number>;
type SumName = keyof typeof SUMS;
const SUM_NAMES = Object.keys(SUMS) as SumName[];

/** The durations (INDICATORS' `<name>DaysMedian` and `<name>DaysP90`). */
const SPANS = {
  filingToRuling: filingToRulingDays,
  rulingToFinal: rulingToFinalDays,
  applicationToDecision: applicationToDecisionDays,
  decisionToFirstPayout: decisionToFirstPayoutDays,
} satisfies Record<string, (c: CohortClaim) => number | undefined>;
const SPAN_NAMES = Object.keys(SPANS) as (keyof typeof SPANS)[];

/** What one claim adds to its cell (`jurisdiction\0year`). */
export interface IndicatorContribution {
  cell: string;
  currency: string | null;
  /** COUNT_NAMES' indexes of the counts the claim is in. */
  counts: number[];
  /** Per SUM_NAMES. */
  sums: number[];
  /** Per SPAN_NAMES, the days (undefined: the span did not happen, or ends before it starts). */
  days: (number | undefined)[];
}

export function indicatorContributionOf({ jurisdiction, year, claim }: FiledClaim): IndicatorContribution {
  return {
    cell: `${jurisdiction}\0${year}`,
    currency: claim.currency,
    counts: COUNT_NAMES.flatMap((name, i) => (COUNTS[name](claim) ? [i] : [])),
    sums: SUM_NAMES.map((name) => SUMS[name](claim)),
    days: SPAN_NAMES.map((name) => {
      const d = SPANS[name](claim);
      return d !== undefined && d >= 0 ? d : undefined;
    }),
  };
}

/** One jurisdiction's and filing year's aggregates. */
interface Cell { counts: number[]; sums: bigint[]; days: number[][]; currencies: Map<string | null, number> }

/** The indicators' aggregates: a cell per jurisdiction and filing year with claims. */
export class IndicatorAggregates implements Aggregate<IndicatorContribution> {
  readonly cells = new Map<string, Cell>();

  add(c: IndicatorContribution, sign: 1 | -1): void {
    const cell = this.cellOf(c);
    this.count(cell, c, sign);
    c.days.forEach((d, s) => { if (d !== undefined) shiftSample(cell.days[s]!, d, sign); });
    // A cell whose claims all left is no row any more.
    if (cell.counts[0] === 0) this.cells.delete(c.cell);
  }

  /** Durations appended and sorted once (inserting many one by one in sorted samples is quadratic). */
  addAll(contributions: readonly IndicatorContribution[]): void {
    const touched = new Set<Cell>();
    for (const c of contributions) {
      const cell = this.cellOf(c);
      touched.add(cell);
      this.count(cell, c, 1);
      c.days.forEach((d, s) => { if (d !== undefined) cell.days[s]!.push(d); });
    }
    for (const cell of touched) for (const sample of cell.days) sample.sort((a, b) => a - b);
  }

  private cellOf(c: IndicatorContribution): Cell {
    let cell = this.cells.get(c.cell);
    if (!cell) {
      cell = { counts: COUNT_NAMES.map(() => 0), sums: SUM_NAMES.map(() => 0n), days: SPAN_NAMES.map(() => []), currencies: new Map() };
      this.cells.set(c.cell, cell);
    }
    return cell;
  }

  private count(cell: Cell, c: IndicatorContribution, sign: 1 | -1): void {
    for (const i of c.counts) cell.counts[i]! += sign;
    c.sums.forEach((minor, i) => { cell.sums[i]! += BigInt(sign) * BigInt(minor); });
    const n = (cell.currencies.get(c.currency) ?? 0) + sign;
    if (n === 0) cell.currencies.delete(c.currency); else cell.currencies.set(c.currency, n);
  }
}

/** Every filing year in one scope: the filter of a request picks its rows. */
const ALL_YEARS = 0;
const indicatorsKind: AggregatesKind<IndicatorContribution, IndicatorAggregates> = {
  name: 'indicators',
  empty: () => new IndicatorAggregates(),
  scopeOf: () => ALL_YEARS,
  claimsOf: (store) => filedClaims(store, {}),
  contributions: async (claims) => claims.map(indicatorContributionOf),
};

export async function monitoringIndicators(store: ReadModelStore, filter: { jurisdiction?: string; from?: number; to?: number }, threshold: number): Promise<IndicatorRow[]> {
  return withAggregates(store, indicatorsKind, ALL_YEARS, () => undefined, (a) => indicatorRows(a, filter, threshold));
}

/** The rows of the cells the filter picks, in the order of jurisdiction and year. */
export function indicatorRows(a: IndicatorAggregates, filter: { jurisdiction?: string; from?: number; to?: number }, threshold: number): IndicatorRow[] {
  return [...a.cells].filter(([key]) => {
    const [jurisdiction, year] = [key.slice(0, -5), Number(key.slice(-4))];
    return (filter.jurisdiction === undefined || jurisdiction === filter.jurisdiction)
      && (filter.from === undefined || year >= filter.from) && (filter.to === undefined || year <= filter.to);
  }).sort(([x], [y]) => (x < y ? -1 : 1)).map(([key, cell]) => indicatorRow(key.slice(0, -5), key.slice(-4), cell, threshold));
}

function indicatorRow(jurisdiction: string, period: string, cell: Cell, threshold: number): IndicatorRow {
  const values: Record<string, number | null> = {};
  const suppressed: string[] = [];
  const n = (name: CountName) => cell.counts[COUNT_NAMES.indexOf(name)]!;
  // Amounts are never negative: the exact sum held where a JSON number is exact is what adding them one by one with addMinor gives.
  const sum = (name: SumName) => boundedMinor(Number(cell.sums[SUM_NAMES.indexOf(name)]!));
  const count = (name: string, k: number) => {
    if (k > 0 && k < threshold) { values[name] = null; suppressed.push(name); } else values[name] = k;
  };
  /** A figure over `base` victims: shown only when they are at least the threshold. */
  const over = (name: string, base: number, value: () => number) => {
    if (base === 0) values[name] = null;
    else if (base < threshold) { values[name] = null; suppressed.push(name); } else values[name] = value();
  };
  const ratio = (x: number, y: number) => (y === 0 ? 0 : Math.round((x / y) * 10_000) / 10_000);

  for (const name of COUNT_NAMES) if (!name.startsWith('base:')) count(name, n(name));
  const decided = n('awardsApproved') + n('awardsRejected');
  over('amountClaimedMinor', n('claimsFiled'), () => sum('claimed'));
  over('amountAwardedMinor', n('base:withAward'), () => sum('awardedOfAwards'));
  over('amountReceivedMinor', n('base:withReceived'), () => sum('receivedOfReceived'));
  over('receivedToAwardedRatio', n('base:withAward'), () => ratio(sum('receivedOfAwards'), sum('awardedOfAwards')));
  over('eligibilityRate', n('assessed'), () => ratio(n('eligible'), n('assessed')));
  over('approvalRate', decided, () => ratio(n('awardsApproved'), decided));
  over('averageAwardMinor', n('awardsApproved'), () => Math.round(sum('fundAwardedOfApproved') / n('awardsApproved')));
  over('shareAtCap', n('awardsApproved'), () => ratio(n('base:approvedAtCap'), n('awardsApproved')));
  over('recoveryRate', n('base:withPayout'), () => ratio(sum('recoveredOfPayouts'), sum('paidOfPayouts')));
  SPAN_NAMES.forEach((name, s) => {
    const xs = cell.days[s]!;
    over(`${name}DaysMedian`, xs.length, () => percentile(xs, 50));
    over(`${name}DaysP90`, xs.length, () => percentile(xs, 90));
  });

  const amountsBeyondBounds = Object.entries(values).some(([name, v]) => name.endsWith('Minor') && v !== null && beyondBounds(v));
  return { jurisdiction, period, currency: rowCurrency(cell.currencies), indicators: values, suppressed, amountsBeyondBounds };
}

/** A row's currency: the one of most of its claims (a jurisdiction has one; ties: the first by code, no currency last). */
function rowCurrency(currencies: Map<string | null, number>): string | null {
  let best: [string | null, number] | undefined;
  for (const [currency, k] of currencies) {
    if (!best || k > best[1] || (k === best[1] && (best[0] === null || (currency !== null && currency < best[0])))) best = [currency, k];
  }
  return best?.[0] ?? null;
}
