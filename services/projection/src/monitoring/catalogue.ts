/**
 * The catalogue of published monitoring indicators: what GET /monitoring/tables publishes, each
 * with its definition, unit, the events it is computed from and its breakdowns
 * (docs/monitoring-indicators.md explains them in words). Every count is of claims, one victim
 * each, in the cohort of the year the claim was filed (jurisdiction's time zone).
 */
import { APPEAL_OUTCOMES, ENFORCEMENT_FAILURE_REASONS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES } from '@cfund/contracts';

export type TableId = 'claims-by-fund-outcome' | 'amounts-eur' | 'recoveries-eur' | 'budget-use-eur' | 'claims-by-sex' | 'claims-by-age-at-crime' | 'appeals-by-outcome' | 'durations-days' | 'decisions-by-time-limit' | `claims-by-${BreakdownId}`;

export interface IndicatorDefinition {
  readonly id: string;
  readonly name: string;
  readonly definition: string;
  readonly unit: 'claims' | 'EUR' | 'days' | 'share';
  /** The table and the column (or total) that publishes it. */
  readonly table: TableId;
  readonly events: readonly string[];
  readonly disaggregations: readonly string[];
}

const BY = ['jurisdiction', 'filing year'] as const;

/**
 * The columns of the claims table: each claim in exactly one, so that a row adds up to the claims
 * filed. A claim that stands withdrawn is `withdrawn` whatever the fund had decided before (the
 * victim gave the claim up: no award of it is paid); else its standing decision.
 */
export const FUND_OUTCOMES = ['undecided', 'rejected', 'awarded-unpaid', 'awarded-paid', 'withdrawn'] as const;
export type FundOutcome = (typeof FUND_OUTCOMES)[number];

/** The columns of the amounts table. */
export const AMOUNT_KINDS = ['claimed', 'awarded', 'paid'] as const;
/** Every amount summed over claims: the amounts table's columns and the recoveries table's. */
export type AmountKind = (typeof AMOUNT_KINDS)[number] | 'recovered';
/** The columns of the recoveries table: what the fund paid and what it recovered from offenders on those claims. */
export const RECOVERY_KINDS = ['paid', 'recovered'] as const;

/** The columns of the budget-use table: a fund year's ledger against its budget. */
export const BUDGET_KINDS = ['allocated', 'committed', 'disbursed', 'recovered'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/**
 * The regional breakdowns of the claims by fund outcome: each claim in exactly one category (a
 * claim with several rulings or failed enforcements by its last), so a table's rows add up to the
 * claims filed in the region.
 */
export const BREAKDOWNS = {
  'form-of-exploitation': { name: 'form of exploitation', events: ['ClaimFiled'], categories: [...FORMS_OF_EXPLOITATION] },
  'applicant-role': { name: 'applicant role (direct or indirect victim)', events: ['ClaimFiled'], categories: ['direct', 'indirect'] },
  'court-outcome': { name: 'outcome of the last court ruling', events: ['CourtRulingRecorded'], categories: [...RULING_OUTCOMES, 'no-ruling'] },
  'enforcement-failure': { name: 'reason of the last failed enforcement against the offender', events: ['EnforcementFailed'], categories: [...ENFORCEMENT_FAILURE_REASONS, 'none'] },
} as const satisfies Record<string, { name: string; events: readonly string[]; categories: readonly string[] }>;
export type BreakdownId = keyof typeof BREAKDOWNS;
export const BREAKDOWN_IDS = Object.keys(BREAKDOWNS) as BreakdownId[];

/** The columns of the appeals table: a claim whose fund decision was appealed, by the outcome of its last appeal. */
export const APPEAL_COLUMNS = ['pending', ...APPEAL_OUTCOMES] as const;
export type AppealColumn = (typeof APPEAL_COLUMNS)[number];

/** The columns of the durations table (calendar days between local dates in the scheme's time zone; nearest rank). */
export const DURATION_COLUMNS = [
  'application-to-decision-median', 'application-to-decision-p90', 'decision-to-first-payment-median', 'decision-to-first-payment-p90',
] as const;
export type DurationColumn = (typeof DURATION_COLUMNS)[number];

/**
 * The columns of the time-limit table: a decided claim (the durations' application-to-decision
 * claims) by whether its first decision came within its scheme version's decision time limit
 * (calendar days from the application, `Scheme.decisionTimeLimitDays`): `no-limit` when the
 * version sets none (never counted as within).
 */
export const TIME_LIMIT_COLUMNS = ['within-limit', 'beyond-limit', 'no-limit'] as const;
export type TimeLimitColumn = (typeof TIME_LIMIT_COLUMNS)[number];

export const CATALOGUE: readonly IndicatorDefinition[] = [
  { id: 'claims-filed', name: 'Claims filed', unit: 'claims', table: 'claims-by-fund-outcome', events: ['ClaimFiled'], disaggregations: [...BY],
    definition: 'Claims filed in the year (the row totals of the claims table).' },
  { id: 'claims-undecided', name: 'Claims without a fund decision', unit: 'claims', table: 'claims-by-fund-outcome', events: ['ClaimFiled', 'AwardApproved', 'AwardRejected'], disaggregations: [...BY],
    definition: 'Claims of the cohort with no award approved or rejected by the fund yet (not applied, or applied and pending), not withdrawn.' },
  { id: 'claims-rejected', name: 'Claims rejected by the fund', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardRejected', 'AppealDecided'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision (after any appeal) is a rejection, not withdrawn.' },
  { id: 'claims-awarded-unpaid', name: 'Claims awarded, nothing paid yet', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardApproved', 'AppealDecided', 'PayoutDisbursed'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision is an award and of which no instalment has been paid, not withdrawn.' },
  { id: 'claims-awarded-paid', name: 'Claims awarded and paid', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardApproved', 'PayoutDisbursed'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision is an award and of which at least one instalment has been paid, not withdrawn. '
      + 'Decided = rejected + awarded-unpaid + awarded-paid; awarded = awarded-unpaid + awarded-paid.' },
  { id: 'claims-withdrawn', name: 'Claims withdrawn', unit: 'claims', table: 'claims-by-fund-outcome', events: ['ClaimWithdrawn', 'ClaimReopened'], disaggregations: [...BY],
    definition: 'Claims that stand withdrawn by the victim (withdrawn and not reopened; closed afterwards or not), before or after the fund\'s decision: '
      + 'an outcome of its own, never counted as undecided, rejected or awarded.' },
  { id: 'amount-claimed-eur', name: 'Damages claimed', unit: 'EUR', table: 'amounts-eur', events: ['ClaimFiled'], disaggregations: [...BY, 'original currency'],
    definition: 'Damages claimed over all claims of the cohort, in euro cents at the reference rate of the year; the original amount alongside.' },
  { id: 'amount-awarded-eur', name: 'Net awards of the fund', unit: 'EUR', table: 'amounts-eur', events: ['AwardApproved', 'AppealDecided'], disaggregations: [...BY, 'original currency'],
    definition: 'Net awards of claims whose last fund decision is an award and that are not withdrawn, in euro cents at the reference rate of the year.' },
  { id: 'amount-paid-eur', name: 'Paid by the fund', unit: 'EUR', table: 'amounts-eur', events: ['PayoutDisbursed'], disaggregations: [...BY, 'original currency'],
    definition: 'Instalments paid by the fund on the cohort\'s claims, in euro cents at the reference rate of the year.' },
  { id: 'amount-recovered-eur', name: 'Recovered from offenders', unit: 'EUR', table: 'recoveries-eur', events: ['RecoveryFromOffenderRecorded'], disaggregations: [...BY, 'original currency'],
    definition: 'What the fund recovered from offenders (subrogation) on the cohort\'s claims, in euro cents at the reference rate of the year, '
      + 'beside what it paid on them (the recoveries table, columns paid and recovered).' },
  ...BREAKDOWN_IDS.map((id): IndicatorDefinition => ({
    id: `claims-by-${id}`, name: `Fund outcomes by ${BREAKDOWNS[id].name}`, unit: 'claims', table: `claims-by-${id}`,
    events: [...BREAKDOWNS[id].events, 'AwardApproved', 'AwardRejected', 'AppealDecided', 'PayoutDisbursed', 'ClaimWithdrawn', 'ClaimReopened'], disaggregations: ['filing year', BREAKDOWNS[id].name],
    definition: `The region's claims of the cohort by ${BREAKDOWNS[id].name} (rows) and fund outcome (columns, as in the claims table).`,
  })),
  { id: 'appeals', name: 'Fund decisions appealed, by outcome', unit: 'claims', table: 'appeals-by-outcome', events: ['DecisionAppealed', 'AppealDecided'], disaggregations: [...BY, 'outcome of the last appeal'],
    definition: 'Claims whose fund decision was appealed (row totals), by the outcome of the last appeal: pending, upheld, increased, reduced, remitted.' },
  { id: 'budget-use-eur', name: 'Fund budget use', unit: 'EUR', table: 'budget-use-eur',
    events: ['FundBudgetAllocated', 'FundsCommitted', 'FundsReleased', 'FundsDisbursed', 'FundsReturned', 'RecoveryCredited'], disaggregations: ['jurisdiction', 'fund year', 'original currency'],
    definition: 'The fund year\'s ledger (the calendar year of the ledger, not a filing cohort): the budget allocated, what awards have committed and not released, '
      + 'what was paid out and not returned, and what was recovered from offenders and credited in the year, in euro cents at the reference rate of the year; '
      + 'the share used is committed / allocated. The budget is public and always shown; the other amounts are withheld when fewer victims than the threshold are behind them.' },
  { id: 'claims-by-sex', name: 'Claims by the victim\'s sex', unit: 'claims', table: 'claims-by-sex', events: ['ClaimFiled', 'PersonalDataErased'], disaggregations: [...BY, 'sex'],
    definition: 'Claims filed by the victim\'s sex (female, male, other) as given in the encrypted personal data; unknown when not given or erased.' },
  { id: 'claims-by-age-at-crime', name: 'Claims of victims who were children at the time of the crime', unit: 'claims', table: 'claims-by-age-at-crime', events: ['ClaimFiled', 'PersonalDataErased'], disaggregations: [...BY, 'child or adult at the time of the crime'],
    definition: 'Claims filed by whether the victim was under 18 on the date of the crime (the encrypted personal data\'s answer, else its date of birth against the date of the crime); unknown when neither is given or the data was erased.' },
  { id: 'days-application-to-decision', name: 'Days from fund application to decision', unit: 'days', table: 'durations-days', events: ['FundApplicationSubmitted', 'AwardApproved', 'AwardRejected'], disaggregations: [...BY],
    definition: 'Calendar days from the application to the fund to its first decision (approval or rejection), local dates: median and 90th percentile (nearest rank) over the decided claims.' },
  { id: 'decisions-within-time-limit', name: 'Decisions within the scheme\'s time limit', unit: 'claims', table: 'decisions-by-time-limit',
    events: ['FundApplicationSubmitted', 'AwardApproved', 'AwardRejected'], disaggregations: [...BY],
    definition: 'Claims whose first fund decision (approval or rejection) was made within the decision time limit of the claim\'s scheme version '
      + '(calendar days from the application to the fund, local dates, the limit included), beyond it, or under a version that sets no limit '
      + '(no-limit, never counted as within); row totals: the claims decided (those of days-application-to-decision). '
      + 'The share within the limit is within-limit / (within-limit + beyond-limit), published when both are.' },
  { id: 'days-decision-to-first-payment', name: 'Days from decision to first payment', unit: 'days', table: 'durations-days', events: ['AwardApproved', 'AwardRejected', 'PayoutDisbursed'], disaggregations: [...BY],
    definition: 'Calendar days from the first fund decision to the first instalment paid, local dates: median and 90th percentile (nearest rank) over the paid claims.' },
];
