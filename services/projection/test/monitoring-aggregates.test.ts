/**
 * The monitoring aggregates as a model (monitoring/aggregates.ts): from years opened in bulk with
 * random claims, after every step of a random sequence of claim changes (a claim filed, changed in
 * any figure, moved to another year, no longer counted), the aggregates kept incrementally are the
 * ones recomputed from scratch (one claim at a time) over the claims as they stand. Subtracting a
 * changed claim's old contribution is what makes them so.
 */
import t from 'tap';
import fc from 'fast-check';
import { JURISDICTIONS } from '@cfund/contracts';
import { APPEAL_COLUMNS, BREAKDOWN_IDS, BREAKDOWNS, FUND_OUTCOMES, TIME_LIMIT_COLUMNS } from '../src/monitoring/catalogue.ts';
import { CohortAggregates, SPANS, SUMMED_KINDS, YearAggregates, type Contribution } from '../src/monitoring/aggregates.ts';
import { AGE_COLUMNS, SEX_COLUMNS } from '../src/monitoring/victim-profiles.ts';
import { IndicatorAggregates, indicatorRows, type IndicatorContribution } from '../src/monitoring/indicators.ts';

const YEARS = [2025, 2026];
const tableAggregates = () => new CohortAggregates<Contribution, YearAggregates>(() => new YearAggregates());
const index = (n: number) => fc.integer({ min: -1, max: n - 1 });

const contribution: fc.Arbitrary<Contribution> = fc.record({
  jurisdiction: fc.integer({ min: 0, max: JURISDICTIONS.length - 1 }),
  outcome: fc.integer({ min: 0, max: FUND_OUTCOMES.length - 1 }),
  categories: fc.tuple(...BREAKDOWN_IDS.map((id) => index(BREAKDOWNS[id].categories.length))),
  appeal: index(APPEAL_COLUMNS.length),
  timeLimit: index(TIME_LIMIT_COLUMNS.length),
  currency: fc.constantFrom('EUR', 'RSD', 'BAM', null),
  amounts: fc.tuple(...SUMMED_KINDS.map(() => fc.option(fc.integer({ min: 0, max: 2 ** 53 - 1 }), { nil: null }))),
  // Few distinct days: equal durations in one sample, and one removed among equals.
  days: fc.tuple(...SPANS.map(() => fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }))),
  sex: fc.integer({ min: 0, max: SEX_COLUMNS.length - 1 }),
  age: fc.integer({ min: 0, max: AGE_COLUMNS.length - 1 }),
});

/** A change: claim `claim` now stands as `now` (undefined: no longer counted, e.g. its row gone in a rebuild). */
const change = fc.record({
  claim: fc.integer({ min: 0, max: 7 }),
  now: fc.option(fc.record({ scope: fc.constantFrom(...YEARS), contribution }), { nil: undefined }),
});

/** The aggregates' content, comparable (maps as sorted entries, sums as strings). */
function content(a: YearAggregates) {
  const sorted = <V>(m: Map<string | null, V>) => [...m].sort(([x], [y]) => String(x).localeCompare(String(y)));
  return {
    claims: a.claims, breakdowns: a.breakdowns, appeals: a.appeals, timeLimit: a.timeLimit, sex: a.sex, age: a.age,
    currencies: a.currencies.map(sorted),
    sums: a.sums.map((kinds) => kinds.map((m) => sorted(m).map(([c, s]) => [c, s.claims, String(s.minor)]))),
    days: a.days, regionDays: a.regionDays,
  };
}

t.test('given random claim changes, when each is applied, then the aggregates are those recomputed from scratch', async (t) => {
  let steps = 0;
  fc.assert(fc.property(fc.array(change, { maxLength: 12 }), fc.array(change, { minLength: 1, maxLength: 40 }), (filed, changes) => {
    // Given the years opened with the claims standing then (in bulk, as a year's first computation).
    const standing = new Map<number, { scope: number; contribution: Contribution }>();
    for (const { claim, now } of filed) if (now) standing.set(claim, now); else standing.delete(claim);
    const incremental = tableAggregates();
    for (const y of YEARS) incremental.open(y, [...standing].filter(([, s]) => s.scope === y).map(([c, s]) => [`claim-${c}`, s.contribution]));
    for (const { claim, now } of changes) {
      incremental.set(`claim-${claim}`, now);
      if (now) standing.set(claim, now); else standing.delete(claim);
      const scratch = tableAggregates();
      for (const y of YEARS) scratch.open(y);
      for (const [c, s] of standing) scratch.set(`claim-${c}`, s);
      for (const y of YEARS) {
        const [a, b] = [content(incremental.scopes.get(y)!), content(scratch.scopes.get(y)!)];
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`year ${y} after ${steps} steps: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
      }
      steps += 1;
    }
  }), { numRuns: 300 });
  t.ok(steps > 300, `every step compared (${steps})`);
});

t.test('given a claim of a year not kept, when it changes, then no year counts it', async (t) => {
  const a = tableAggregates();
  a.open(2025);
  const c: Contribution = { jurisdiction: 0, outcome: 0, categories: BREAKDOWN_IDS.map(() => 0), appeal: -1, timeLimit: 0, currency: 'EUR', amounts: SUMMED_KINDS.map(() => 1), days: SPANS.map(() => 3), sex: 0, age: 0 };
  a.set('claim-1', { scope: 2025, contribution: c });
  t.equal(a.scopes.get(2025)!.claims[0]![0], 1, 'counted in its year');
  a.set('claim-1', { scope: 2024, contribution: c });
  t.equal(a.scopes.get(2025)!.claims[0]![0], 0, 'moved out of the year kept: no longer counted there');
  t.same(a.scopes.get(2025)!.days[0], [[], []], 'nor its durations');
  t.notOk(a.scopes.has(2024), 'and the year not kept is not started');
});

const indicatorContribution: fc.Arbitrary<IndicatorContribution> = fc.record({
  cell: fc.constantFrom('RS\u00002025', 'RS\u00002026', 'BA\u00002025'),
  currency: fc.constantFrom('RSD', 'BAM', null),
  // claimsFiled (index 0) always, as indicatorContributionOf counts it.
  counts: fc.uniqueArray(fc.integer({ min: 1, max: 26 }), { maxLength: 6 }).map((xs) => [0, ...xs.sort((a, b) => a - b)]),
  sums: fc.array(fc.integer({ min: 0, max: 2 ** 53 - 1 }), { minLength: 7, maxLength: 7 }),
  days: fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
});

t.test('given random claim changes, when each is applied to the indicators\' aggregates, then their rows are those recomputed from scratch', async (t) => {
  const indicatorChange = fc.record({ claim: fc.integer({ min: 0, max: 7 }), now: fc.option(indicatorContribution, { nil: undefined }) });
  // Threshold 1: every figure shown, so any difference shows.
  const rows = (a: CohortAggregates<IndicatorContribution, IndicatorAggregates>) => JSON.stringify(indicatorRows(a.scopes.get(0)!, {}, 1));
  let steps = 0;
  fc.assert(fc.property(fc.array(indicatorChange, { maxLength: 12 }), fc.array(indicatorChange, { minLength: 1, maxLength: 40 }), (filed, changes) => {
    const standing = new Map<number, IndicatorContribution>();
    for (const { claim, now } of filed) if (now) standing.set(claim, now); else standing.delete(claim);
    const incremental = new CohortAggregates<IndicatorContribution, IndicatorAggregates>(() => new IndicatorAggregates());
    incremental.open(0, [...standing].map(([c, s]) => [`claim-${c}`, s]));
    for (const { claim, now } of changes) {
      incremental.set(`claim-${claim}`, now && { scope: 0, contribution: now });
      if (now) standing.set(claim, now); else standing.delete(claim);
      const scratch = new CohortAggregates<IndicatorContribution, IndicatorAggregates>(() => new IndicatorAggregates());
      scratch.open(0);
      for (const [c, s] of standing) scratch.set(`claim-${c}`, { scope: 0, contribution: s });
      if (rows(incremental) !== rows(scratch)) throw new Error(`after ${steps} steps: ${rows(incremental)} != ${rows(scratch)}`);
      steps += 1;
    }
  }), { numRuns: 300 });
  t.ok(steps > 300, `every step compared (${steps})`);
});
