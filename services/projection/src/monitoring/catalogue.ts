/**
 * The catalogue of published monitoring indicators: what GET /monitoring/tables publishes, each
 * with its definition, unit, the events it is computed from and its breakdowns
 * (docs/monitoring-indicators.md explains them in words). Every count is of claims, one victim
 * each, in the cohort of the year the claim was filed (jurisdiction's time zone).
 */
export interface IndicatorDefinition {
  readonly id: string;
  readonly name: string;
  readonly definition: string;
  readonly unit: 'claims' | 'EUR';
  /** The table and the column (or total) that publishes it. */
  readonly table: 'claims-by-fund-outcome' | 'amounts-eur';
  readonly events: readonly string[];
  readonly disaggregations: readonly string[];
}

const BY = ['jurisdiction', 'filing year'] as const;

/** The columns of the claims table: each claim in exactly one, so that a row adds up to the claims filed. */
export const FUND_OUTCOMES = ['undecided', 'rejected', 'awarded-unpaid', 'awarded-paid'] as const;
export type FundOutcome = (typeof FUND_OUTCOMES)[number];

/** The columns of the amounts table. */
export const AMOUNT_KINDS = ['claimed', 'awarded', 'paid'] as const;
export type AmountKind = (typeof AMOUNT_KINDS)[number];

export const CATALOGUE: readonly IndicatorDefinition[] = [
  { id: 'claims-filed', name: 'Claims filed', unit: 'claims', table: 'claims-by-fund-outcome', events: ['ClaimFiled'], disaggregations: [...BY],
    definition: 'Claims filed in the year (the row totals of the claims table).' },
  { id: 'claims-undecided', name: 'Claims without a fund decision', unit: 'claims', table: 'claims-by-fund-outcome', events: ['ClaimFiled', 'AwardApproved', 'AwardRejected'], disaggregations: [...BY],
    definition: 'Claims of the cohort with no award approved or rejected by the fund yet (not applied, or applied and pending).' },
  { id: 'claims-rejected', name: 'Claims rejected by the fund', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardRejected', 'AppealDecided'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision (after any appeal) is a rejection.' },
  { id: 'claims-awarded-unpaid', name: 'Claims awarded, nothing paid yet', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardApproved', 'AppealDecided', 'PayoutDisbursed'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision is an award and of which no instalment has been paid.' },
  { id: 'claims-awarded-paid', name: 'Claims awarded and paid', unit: 'claims', table: 'claims-by-fund-outcome', events: ['AwardApproved', 'PayoutDisbursed'], disaggregations: [...BY],
    definition: 'Claims whose last fund decision is an award and of which at least one instalment has been paid. '
      + 'Decided = rejected + awarded-unpaid + awarded-paid; awarded = awarded-unpaid + awarded-paid.' },
  { id: 'amount-claimed-eur', name: 'Damages claimed', unit: 'EUR', table: 'amounts-eur', events: ['ClaimFiled'], disaggregations: [...BY, 'original currency'],
    definition: 'Damages claimed over all claims of the cohort, in euro cents at the reference rate of the year; the original amount alongside.' },
  { id: 'amount-awarded-eur', name: 'Net awards of the fund', unit: 'EUR', table: 'amounts-eur', events: ['AwardApproved', 'AppealDecided'], disaggregations: [...BY, 'original currency'],
    definition: 'Net awards of claims whose last fund decision is an award, in euro cents at the reference rate of the year.' },
  { id: 'amount-paid-eur', name: 'Paid by the fund', unit: 'EUR', table: 'amounts-eur', events: ['PayoutDisbursed'], disaggregations: [...BY, 'original currency'],
    definition: 'Instalments paid by the fund on the cohort\'s claims, in euro cents at the reference rate of the year.' },
];
