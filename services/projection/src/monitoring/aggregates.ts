/**
 * A filing year's monitoring tables kept as aggregates: per cell of every table its count, per
 * jurisdiction and amount kind the sums by currency, and per jurisdiction (and the region) the
 * durations in days as sorted samples (exact percentiles, nearest rank). Each claim's
 * contribution to them is kept too: when a claim changes, its old contribution is subtracted and
 * its new one added, so tables computed after k changed claims cost O(k · cells touched) plus the
 * size of the tables, not the claims of the year. The mechanism that keeps them up to date with
 * the read model (`withAggregates`) is shared with the indicators' aggregates (indicators.ts).
 *
 * Memory only, never written: the contribution holds the victim's sex and age column (personal
 * data, victim-profiles.ts) as column indexes, and leaves this module as counts only.
 */
import { JURISDICTIONS } from '@cfund/contracts';
import {
  AMOUNT_KINDS, APPEAL_COLUMNS, BREAKDOWN_IDS, BREAKDOWNS, FUND_OUTCOMES, TIME_LIMIT_COLUMNS, type AmountKind,
} from './catalogue.js';
import { changedClaims, type FiledClaim } from '../queries/monitoring.js';
import type { ReadModelStore } from '../read-model/store.js';
import { AGE_COLUMNS, SEX_COLUMNS } from './victim-profiles.js';

/** Every amount kind a table sums (the amounts and the recoveries tables). */
export const SUMMED_KINDS: readonly AmountKind[] = [...AMOUNT_KINDS, 'recovered'];
/** The durations the durations table takes percentiles of. */
export const SPANS = ['application-to-decision', 'decision-to-first-payment'] as const;
export type Span = (typeof SPANS)[number];

/** What one claim adds to its year's aggregates: indexes into the tables' lines and columns (-1: in none). */
export interface Contribution {
  jurisdiction: number;
  outcome: number;
  /** Per breakdown (BREAKDOWN_IDS' order), the claim's category. */
  categories: number[];
  appeal: number;
  /** TIME_LIMIT_COLUMNS' index (-1: not decided, or no duration to the decision). */
  timeLimit: number;
  currency: string | null;
  /** Per SUMMED_KINDS, the amount in minor units, or null when the claim is not summed for that kind. */
  amounts: (number | null)[];
  /** Per SPANS, the days (undefined: the span did not happen, or ends before it starts). */
  days: (number | undefined)[];
  sex: number;
  age: number;
}

/** The sum of one amount kind in one currency, and over how many claims. */
interface Sum { claims: number; minor: bigint }

const grid = (rows: number, columns: number) => Array.from({ length: rows }, () => new Array<number>(columns).fill(0));

/** The index of the first element of ascending `xs` not below `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Inserts (`sign` 1) `d` into ascending `sample`, or removes (-1) one `d` from it. */
export function shiftSample(sample: number[], d: number, sign: 1 | -1): void {
  const at = lowerBound(sample, d);
  if (sign === 1) sample.splice(at, 0, d);
  else if (sample[at] === d) sample.splice(at, 1);
  else throw new Error(`monitoring aggregates: a duration of ${d} days subtracted that was never added`);
}

/** The aggregates of one filing year, over every jurisdiction. */
export class YearAggregates implements Aggregate<Contribution> {
  readonly claims = grid(JURISDICTIONS.length, FUND_OUTCOMES.length);
  readonly breakdowns = BREAKDOWN_IDS.map((id) => grid(BREAKDOWNS[id].categories.length, FUND_OUTCOMES.length));
  readonly appeals = grid(JURISDICTIONS.length, APPEAL_COLUMNS.length);
  readonly timeLimit = grid(JURISDICTIONS.length, TIME_LIMIT_COLUMNS.length);
  readonly sex = grid(JURISDICTIONS.length, SEX_COLUMNS.length);
  readonly age = grid(JURISDICTIONS.length, AGE_COLUMNS.length);
  /** Per jurisdiction, the claims in each currency (a row has one currency when this has one key). */
  readonly currencies = JURISDICTIONS.map(() => new Map<string | null, number>());
  /** Per jurisdiction and SUMMED_KINDS, the sums by currency. */
  readonly sums = JURISDICTIONS.map(() => SUMMED_KINDS.map(() => new Map<string | null, Sum>()));
  /** Per jurisdiction and SPANS, the days ascending; `region`: all jurisdictions'. */
  readonly days = JURISDICTIONS.map(() => SPANS.map(() => [] as number[]));
  readonly regionDays = SPANS.map(() => [] as number[]);

  /** Adds (`sign` 1) or subtracts (-1) a claim's contribution. */
  add(c: Contribution, sign: 1 | -1): void {
    const j = c.jurisdiction;
    // A claim of no jurisdiction of the tables counts in none of them.
    if (j < 0) return;
    const count = (cells: number[][], row: number, column: number) => {
      if (row >= 0 && column >= 0) cells[row]![column]! += sign;
    };
    count(this.claims, j, c.outcome);
    c.categories.forEach((category, b) => count(this.breakdowns[b]!, category, c.outcome));
    count(this.appeals, j, c.appeal);
    count(this.timeLimit, j, c.timeLimit);
    count(this.sex, j, c.sex);
    count(this.age, j, c.age);
    tally(this.currencies[j]!, c.currency, sign);
    c.amounts.forEach((minor, k) => {
      if (minor === null) return;
      const sums = this.sums[j]![k]!;
      const sum = sums.get(c.currency) ?? { claims: 0, minor: 0n };
      sum.claims += sign;
      sum.minor += BigInt(sign) * BigInt(minor);
      if (sum.claims === 0) sums.delete(c.currency); else sums.set(c.currency, sum);
    });
    c.days.forEach((d, s) => {
      if (d === undefined) return;
      for (const sample of [this.days[j]![s]!, this.regionDays[s]!]) shiftSample(sample, d, sign);
    });
  }

  /**
   * Adds many claims: their durations are appended and sorted once (inserting tens of thousands
   * one by one in sorted samples costs a quadratic number of moves).
   */
  addAll(contributions: readonly Contribution[]): void {
    for (const c of contributions) {
      this.add({ ...c, days: [] }, 1);
      if (c.jurisdiction < 0) continue;
      c.days.forEach((d, s) => {
        if (d === undefined) return;
        this.days[c.jurisdiction]![s]!.push(d);
        this.regionDays[s]!.push(d);
      });
    }
    for (const sample of [...this.days.flat(), ...this.regionDays]) sample.sort((a, b) => a - b);
  }

  /** The claims of a jurisdiction summed for kind `k` (SUMMED_KINDS' index). */
  summedClaims(j: number, k: number): number {
    let n = 0;
    for (const s of this.sums[j]![k]!.values()) n += s.claims;
    return n;
  }
}

function tally(counts: Map<string | null, number>, key: string | null, sign: 1 | -1): void {
  const n = (counts.get(key) ?? 0) + sign;
  if (n === 0) counts.delete(key); else counts.set(key, n);
}

/** Aggregates a claim's contribution can be added to and subtracted from, and opened with many in bulk. */
export interface Aggregate<C> {
  add(c: C, sign: 1 | -1): void;
  /** Adds many at once (cheaper than one by one: sorted samples sorted once). */
  addAll(contributions: readonly C[]): void;
}

/**
 * The aggregates of the scopes asked for so far (a filing year for the tables, every year for the
 * indicators) and what each claim counts in them: `set` puts a claim's current contribution in
 * place of the one kept (subtracting it), `undefined` takes it out. A claim of a scope not asked
 * for is not kept (that scope's first computation reads its claims).
 */
export class CohortAggregates<C, A extends Aggregate<C>> {
  readonly scopes = new Map<number, A>();
  private readonly kept = new Map<string, { scope: number; contribution: C }>();
  constructor(private readonly empty: () => A) {}

  set(claimId: string, now: { scope: number; contribution: C } | undefined): void {
    const old = this.kept.get(claimId);
    if (old) {
      this.scopes.get(old.scope)!.add(old.contribution, -1);
      this.kept.delete(claimId);
    }
    const aggregates = now && this.scopes.get(now.scope);
    if (!now || !aggregates) return;
    aggregates.add(now.contribution, 1);
    this.kept.set(claimId, now);
  }

  /** Starts keeping `scope` with its claims as they stand (none kept for another scope). */
  open(scope: number, claims: readonly (readonly [string, C])[] = []): A {
    if (this.scopes.has(scope)) throw new Error(`monitoring aggregates: the scope ${scope} is kept already`);
    const a = this.empty();
    this.scopes.set(scope, a);
    for (const [claimId, contribution] of claims) {
      this.set(claimId, undefined);
      this.kept.set(claimId, { scope, contribution });
    }
    a.addAll(claims.map(([, contribution]) => contribution));
    return a;
  }
}

/** The column index of `value` in `columns` (-1: none). */
export const columnOf = (columns: readonly string[], value: string | undefined): number => (value === undefined ? -1 : columns.indexOf(value));

/**
 * What a kind of kept aggregates is made of: the scope a claim counts in, the claims of a scope
 * (read when it is first asked for), and the claims' contributions (made together: the tables'
 * decrypt the victims' data in one batch).
 */
export interface AggregatesKind<C, A extends Aggregate<C>> {
  /** Its one set of aggregates per read model. */
  name: string;
  empty(): A;
  scopeOf(c: FiledClaim): number;
  claimsOf(store: ReadModelStore, scope: number): FiledClaim[];
  contributions(claims: readonly FiledClaim[]): Promise<C[]>;
}

/** The aggregates kept for one read model (its connection and wipes, as the decoded claims). */
class KeptAggregates<C, A extends Aggregate<C>> {
  readonly aggregates: CohortAggregates<C, A>;
  /** The newest `claim_history` row taken into account (its rows are in the order applied). */
  seen: number | undefined;
  /** One computation at a time: each reads the changes since the one before. */
  queue: Promise<unknown> = Promise.resolve();
  constructor(readonly db: unknown, readonly wipes: number, empty: () => A) {
    this.aggregates = new CohortAggregates<C, A>(empty);
  }
}

const kept = new WeakMap<ReadModelStore, Map<string, KeptAggregates<unknown, Aggregate<unknown>>>>();

function keptOf<C, A extends Aggregate<C>>(store: ReadModelStore, kind: AggregatesKind<C, A>): KeptAggregates<C, A> {
  let kinds = kept.get(store);
  if (!kinds) kept.set(store, kinds = new Map());
  let k = kinds.get(kind.name) as KeptAggregates<C, A> | undefined;
  if (!k || k.db !== store.db || k.wipes !== store.wipes) {
    k = new KeptAggregates<C, A>(store.db, store.wipes, () => kind.empty());
    kinds.set(kind.name, k as unknown as KeptAggregates<unknown, Aggregate<unknown>>);
  }
  return k;
}

/**
 * Brings a scope's aggregates of `kind` up to date with the read model and hands them to `build`,
 * with what `snapshot` read in the same synchronous step as the changed rows (no event is applied
 * in between: the projector runs on this thread). Changed claims are found by the `claim_history`
 * rows appended since the kind's last computation (a claim's row changes only with an event of its
 * own stream, which appends one); the first computation of a scope reads every claim of it.
 */
export function withAggregates<C, A extends Aggregate<C>, S, T>(
  store: ReadModelStore, kind: AggregatesKind<C, A>, scope: number, snapshot: () => S, build: (aggregates: A, snap: S) => T,
): Promise<T> {
  const k = keptOf(store, kind);
  const run = k.queue.then(async () => {
    const newest = (store.db.prepare('SELECT max(rowid) AS n FROM claim_history').get() as { n: number | null }).n ?? 0;
    const changed = k.seen === undefined ? [] : changedClaims(store, k.seen, newest);
    const opening = !k.aggregates.scopes.has(scope);
    const filed = opening ? kind.claimsOf(store, scope) : [];
    const snap = snapshot();
    // Only claims of the scopes kept are counted (and, for the tables, their victims' data decrypted).
    const counted = (c: FiledClaim | undefined): c is FiledClaim => c !== undefined && (k.aggregates.scopes.has(kind.scopeOf(c)) || kind.scopeOf(c) === scope);
    const toCount = [...changed.map(([, c]) => c).filter(counted), ...filed];
    // Every contribution first: a failure leaves the aggregates as they were (and the changes to read again).
    const contributions = await kind.contributions(toCount);
    const contributionOf = new Map(toCount.map((c, i) => [c, contributions[i]!]));
    const updates = changed.map(([claimId, c]) => [claimId, c && contributionOf.has(c) ? { scope: kind.scopeOf(c), contribution: contributionOf.get(c)! } : undefined] as const);
    const opened = filed.map((c) => [c.claimId, contributionOf.get(c)!] as const);
    for (const [claimId, now] of updates) k.aggregates.set(claimId, now);
    if (opening) k.aggregates.open(scope, opened);
    k.seen = newest;
    return build(k.aggregates.scopes.get(scope)!, snap);
  });
  // A failure is the caller's; the next computation starts from what was applied.
  k.queue = run.catch(() => undefined);
  return run;
}
