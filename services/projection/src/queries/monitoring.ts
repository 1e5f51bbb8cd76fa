/**
 * Monitoring indicators for regional comparison, per jurisdiction and
 * period (the calendar year in which claims were filed, in the jurisdiction's time zone: a cohort
 * view, so that a claim's later steps count for the year it entered the system).
 *
 * Every figure is about victims, one per claim. Suppression (statistical disclosure control,
 * threshold MONITORING_SUPPRESSION_THRESHOLD, default 5): a count between 1 and threshold - 1 is
 * not shown; an amount, rate, average or duration computed over fewer victims than the threshold
 * is not shown either (`null`, and its name listed in `suppressed`). Zero counts
 * are shown: they identify no one. Amounts are minor units of the jurisdiction's currency.
 * Durations are calendar days between local dates (scheme time zone); percentiles use the
 * nearest-rank method (the median of an even count is the lower middle value); a duration whose
 * end precedes its start (e.g. a ruling given before the claim was filed here) is left out.
 */
import type { Jurisdiction } from '@cfund/contracts';
import { localDateOf, schemeFor } from '@cfund/domain';
import type { ClaimDetailView } from '../read-model/claim-detail.js';
import type { ClaimFacts } from '../read-model/claim-facts.js';
import type { ReadModelStore } from '../read-model/store.js';


type Kind = 'count' | 'amount' | 'rate' | 'days';

/** Name, kind and what it means; the order is the CSV's column order. */
export const INDICATORS: readonly (readonly [string, Kind, string])[] = [
  ['claimsFiled', 'count', 'claims filed'],
  ['rulingsCompensationAwarded', 'count', 'claims with a court ruling awarding compensation'],
  ['rulingsReferredToCivil', 'count', 'claims with a ruling referring compensation to civil litigation'],
  ['enforcementFailedNoAssets', 'count', 'claims whose enforcement failed: no assets'],
  ['enforcementFailedOffenderUnknown', 'count', 'claims whose enforcement failed: offender unknown'],
  ['enforcementFailedOffenderAbroad', 'count', 'claims whose enforcement failed: offender abroad'],
  ['enforcementFailedOther', 'count', 'claims whose enforcement failed: other reason'],
  ['fundApplications', 'count', 'claims applied to the fund'],
  ['lateFilings', 'count', 'applications after the deadline'],
  ['extensionsGranted', 'count', 'late-filing extensions granted'],
  ['extensionsRefused', 'count', 'late-filing extensions refused'],
  ['assessed', 'count', 'claims assessed'],
  ['eligible', 'count', 'claims whose last assessment found them eligible'],
  ['awardsApproved', 'count', 'claims with an approved award (last decision)'],
  ['awardsRejected', 'count', 'claims with a rejected award (last decision)'],
  ['claimsWithdrawn', 'count', 'claims that stand withdrawn (not reopened), whatever the last decision'],
  ['advancePayments', 'count', 'claims with an advance payment approved'],
  ['appeals', 'count', 'claims whose decision was appealed'],
  ['appealsUpheld', 'count', 'appeals decided: upheld'],
  ['appealsIncreased', 'count', 'appeals decided: award increased'],
  ['appealsReduced', 'count', 'appeals decided: award reduced'],
  ['appealsRemitted', 'count', 'appeals decided: remitted for a new assessment'],
  ['claimsWithPayout', 'count', 'claims with at least one instalment paid by the fund'],
  ['amountClaimedMinor', 'amount', 'damages claimed (over all claims)'],
  ['amountAwardedMinor', 'amount', 'awarded: court compensation awards plus fund net awards (over claims with an award)'],
  ['amountReceivedMinor', 'amount', 'actually received: offender payments plus fund instalments paid (over claims that received any)'],
  ['receivedToAwardedRatio', 'rate', 'amount received / amount awarded (claims with an award)'],
  ['eligibilityRate', 'rate', 'eligible / assessed'],
  ['approvalRate', 'rate', 'approved / (approved + rejected)'],
  ['averageAwardMinor', 'amount', 'average fund net award of approved claims'],
  ['shareAtCap', 'rate', 'approved awards reduced by a cap / approved'],
  ['recoveryRate', 'rate', 'recovered from offenders (subrogation) / fund instalments paid'],
  ['filingToRulingDaysMedian', 'days', 'filing -> first ruling, median'],
  ['filingToRulingDaysP90', 'days', 'filing -> first ruling, 90th percentile'],
  ['rulingToFinalDaysMedian', 'days', 'first ruling -> final, median'],
  ['rulingToFinalDaysP90', 'days', 'first ruling -> final, 90th percentile'],
  ['applicationToDecisionDaysMedian', 'days', 'fund application -> first decision, median'],
  ['applicationToDecisionDaysP90', 'days', 'fund application -> first decision, 90th percentile'],
  ['decisionToFirstPayoutDaysMedian', 'days', 'first decision -> first instalment paid, median'],
  ['decisionToFirstPayoutDaysP90', 'days', 'first decision -> first instalment paid, 90th percentile'],
];

export interface IndicatorRow {
  jurisdiction: string;
  period: string;
  currency: string | null;
  indicators: Record<string, number | null>;
  /** Indicators withheld because fewer victims than the threshold stand behind them. */
  suppressed: string[];
  /** An amount shown passed MAX_SUM_MINOR: stored amounts beyond today's bounds (held at 2^53 - 1 at most). */
  amountsBeyondBounds: boolean;
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Calendar days between two local dates (`YYYY-MM-DD`, read as UTC midnights: no zone, no daylight saving). */
const days = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/**
 * What monitoring reads of a claim's detail and facts: kept in memory per claim (claimCohorts), so
 * the rest (documents, information requests, payees, deadlines) is left out.
 */
export interface CohortDetail {
  incidentOn: ClaimDetailView['incidentOn'];
  personalDataErased: ClaimDetailView['personalDataErased'];
  money: ClaimDetailView['money'];
  court: { rulings: { outcome: string; decidedOn: string }[]; finalOn: string | null };
  fund: { appliedAt: string | null; late: boolean | null };
}
export type CohortFacts = Omit<ClaimFacts, 'informationRequests' | 'documents'>;

/**
 * One claim as the monitoring figures see it (`form` and `role`: form of exploitation and applicant
 * role, as filed). The local dates (`on`) are computed once per version of the claim: in its zone
 * they cost more than the rest of its figures.
 */
export interface CohortClaim {
  d: CohortDetail; f: CohortFacts; zone: string; filedAt: string; currency: string | null; form: string | null; role: string | null;
  /** The claim's scheme version's decision time limit in calendar days (null: it sets none). */
  decisionTimeLimitDays: number | null;
  on: { filed: string; applied?: string; firstDecision?: string; firstPayout?: string };
  /** The victim's pseudonym and encrypted personal data (the envelope's JSON), for counts by sex and age (monitoring/victim-profiles.ts). */
  victimRef: string | null; personalData: string | null;
}

const localDate = (instant: string | null | undefined, zone: string) => (instant ? localDateOf(instant, zone) : undefined);
const spanDays = (a: string | null | undefined, b: string | null | undefined) => (a && b ? days(a, b) : undefined);
/** Calendar days from the fund application to the first decision (local dates), if both happened. */
export const applicationToDecisionDays = ({ on }: CohortClaim): number | undefined => spanDays(on.applied, on.firstDecision);
/** Calendar days from the first fund decision to the first instalment paid (local dates), if both happened. */
export const decisionToFirstPayoutDays = ({ on }: CohortClaim): number | undefined => spanDays(on.firstDecision, on.firstPayout);
/** Calendar days from the filing (local date) to the first court ruling, if there is one. */
export const filingToRulingDays = ({ d, on }: CohortClaim): number | undefined => spanDays(on.filed, d.court.rulings[0]?.decidedOn);
/** Calendar days from the first court ruling to the ruling becoming final, if both happened. */
export const rulingToFinalDays = ({ d }: CohortClaim): number | undefined => spanDays(d.court.rulings[0]?.decidedOn, d.court.finalOn);

interface ClaimRow {
  claim_id: string; revision: number; jurisdiction: string; filed_at: string | null; scheme_version: string | null; currency: string | null;
  form_of_exploitation: string | null; applicant_role: string | null; victim_ref: string | null; personal_data: string | null; detail: string; facts: string;
}

/** A claim decoded as of one revision, and its cohort key (`jurisdiction\0year`, undefined: no filing date or scheme). */
interface Decoded { revision: number; key: string | undefined; claim: CohortClaim | undefined }

/**
 * The claims decoded so far, per read model (its connection: a rebuild into a new file opens a
 * new one; a rebuild in place wipes the rows first, and its cache with them). A claim's row changes only with an event of its own stream, which moves its
 * `revision`: an entry of the same revision is the row's content, and a computation after a change
 * decodes only the claims whose revision moved. Memory, never written: counts and sums are made
 * of it, and what it holds of the victim is the encrypted envelope only.
 */
export class CohortCache {
  private readonly claims = new Map<string, Decoded>();
  /** Claims decoded so far (for tests and the benchmark). */
  decoded = 0;
  constructor(readonly db: unknown, readonly wipes: number) {}

  get(claimId: string, revision: number): Decoded | undefined {
    const hit = this.claims.get(claimId);
    return hit?.revision === revision ? hit : undefined;
  }

  decode(r: ClaimRow): Decoded {
    this.decoded += 1;
    const entry: Decoded = { revision: r.revision, key: undefined, claim: undefined };
    this.claims.set(r.claim_id, entry);
    if (!r.filed_at || !r.scheme_version) return entry;
    const scheme = schemeFor(r.jurisdiction as Jurisdiction, r.scheme_version);
    const zone = scheme.timeZone;
    const filed = localDateOf(r.filed_at, zone);
    const d = JSON.parse(r.detail) as ClaimDetailView;
    const { informationRequests: _requests, documents: _documents, ...f } = JSON.parse(r.facts) as ClaimFacts;
    entry.key = `${r.jurisdiction}\0${filed.slice(0, 4)}`;
    entry.claim = {
      d: {
        incidentOn: d.incidentOn, personalDataErased: d.personalDataErased, money: d.money,
        court: { rulings: d.court.rulings.map(({ outcome, decidedOn }) => ({ outcome, decidedOn })), finalOn: d.court.finalOn },
        fund: { appliedAt: d.fund.appliedAt, late: d.fund.late },
      },
      f, zone, filedAt: r.filed_at, currency: r.currency, form: r.form_of_exploitation, role: r.applicant_role, decisionTimeLimitDays: scheme.decisionTimeLimitDays,
      on: { filed, applied: localDate(d.fund.appliedAt, zone), firstDecision: localDate(f.firstDecisionAt, zone), firstPayout: localDate(f.firstPayoutAt, zone) },
      victimRef: r.victim_ref, personalData: r.personal_data,
    };
    return entry;
  }
}

const caches = new WeakMap<ReadModelStore, CohortCache>();

/** The store's cache of decoded claims (a new one for a new connection, or after a rebuild in place wiped the rows). */
export function cohortCacheOf(store: ReadModelStore): CohortCache {
  let cache = caches.get(store);
  if (!cache || cache.db !== store.db || cache.wipes !== store.wipes) caches.set(store, cache = new CohortCache(store.db, store.wipes));
  return cache;
}

/** A claim as the published tables count it: its jurisdiction and filing year (local), and its figures. */
export interface FiledClaim { claimId: string; jurisdiction: string; year: number; claim: CohortClaim }

const CLAIM_ROW_SQL = `SELECT claim_id, revision, jurisdiction, filed_at, scheme_version, currency, form_of_exploitation, applicant_role, victim_ref, personal_data, detail, facts
  FROM claims WHERE claim_id = ?`;

/** A reader of claims: each kept decoded at its revision (CohortCache), or decoded again from its row. */
function claimReader(store: ReadModelStore): (claimId: string, revision: number) => FiledClaim | undefined {
  const cache = cohortCacheOf(store);
  // Prepared once per computation: preparing per claim costs more than decoding it.
  const row = store.db.prepare(CLAIM_ROW_SQL);
  return (claimId, revision) => {
    const { key, claim } = cache.get(claimId, revision) ?? cache.decode(row.get(claimId) as ClaimRow);
    if (!key || !claim) return undefined;
    return { claimId, jurisdiction: key.slice(0, -5), year: Number(key.slice(-4)), claim };
  };
}

/**
 * The filed claims of a jurisdiction and of filing years (in the jurisdiction's time zone).
 * Reads each claim's id and revision, and decodes only the claims changed since the last call (CohortCache).
 */
export function filedClaims(store: ReadModelStore, filter: { jurisdiction?: string; from?: number; to?: number }): FiledClaim[] {
  const read = claimReader(store);
  const where: string[] = ["status <> 'none'"];
  const params: string[] = [];
  if (filter.jurisdiction) { where.push('jurisdiction = ?'); params.push(filter.jurisdiction); }
  // A day either side of the years in UTC holds every local filing date of them (exact below, in the scheme's zone).
  if (filter.from !== undefined) { where.push('filed_at >= ?'); params.push(`${filter.from - 1}-12-31`); }
  if (filter.to !== undefined) { where.push('filed_at < ?'); params.push(`${filter.to + 1}-01-02`); }
  const versions = store.db.prepare(`SELECT claim_id, revision FROM claims WHERE ${where.join(' AND ')}`).all(...params) as { claim_id: string; revision: number }[];
  return versions.flatMap((v) => {
    const c = read(v.claim_id, v.revision);
    if (!c || (filter.from !== undefined && c.year < filter.from) || (filter.to !== undefined && c.year > filter.to)) return [];
    return [c];
  });
}

/** CSV (RFC 4180): one line per jurisdiction and period; a suppressed cell reads `suppressed`, no data is empty. */
export function indicatorsCsv(rows: readonly IndicatorRow[]): string {
  const names = INDICATORS.map(([n]) => n);
  const lines = [['jurisdiction', 'period', 'currency', ...names, 'amountsBeyondBounds'].join(',')];
  for (const r of rows) {
    lines.push([r.jurisdiction, r.period, r.currency ?? '', ...names.map((n) => (r.suppressed.includes(n) ? 'suppressed' : r.indicators[n] ?? '')), r.amountsBeyondBounds].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The claims whose row changed since the `claim_history` row `after` up to `upTo` (a claim's row
 * changes only with an event of its own stream, which appends a history row in the order applied),
 * each as it stands now (undefined: no longer filed).
 */
export function changedClaims(store: ReadModelStore, after: number, upTo: number): [string, FiledClaim | undefined][] {
  const read = claimReader(store);
  const ids = store.db.prepare('SELECT DISTINCT claim_id FROM claim_history WHERE rowid > ? AND rowid <= ?').pluck().all(after, upTo) as string[];
  const version = store.db.prepare("SELECT revision FROM claims WHERE claim_id = ? AND status <> 'none'").pluck();
  return ids.map((claimId) => {
    const revision = version.get(claimId) as number | undefined;
    return [claimId, revision === undefined ? undefined : read(claimId, revision)];
  });
}
