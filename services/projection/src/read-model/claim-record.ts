/**
 * The claim read model as a projection definition, pure: every claim event changes the claim's
 * entry (`applyClaimEvent`), and an entry gives the claim's rows (`claimRecord`): its `claims`
 * row (the list's columns, detail, funding and facts), its search text, its running deadlines and
 * its advances a payment run may pay (`claim_advances_due`) and what the bank did with its run payments (`claim_payment_outcomes`).
 * The decider's state is folded in the entry because the money, deadline and approval rules of
 * @cfund/domain read it; it is persisted only as the projector's working state (`claim_folds`).
 */
import type { ClaimEvent, EncryptedPersonalData, Money } from '@cfund/contracts';
import { claimFunding, ledgerYears, evolve, initialState, payableAdvances, queueKey, runPaymentOf, type ClaimFunding, type ClaimState } from '@cfund/domain';
import { claimDetailView } from './claim-detail.js';
import { initialFacts, recordFacts, type ClaimFacts } from './claim-facts.js';
import { claimDeadlines, claimMoney, type ClaimDeadline } from './claim-view.js';

/** A claim between its events. */
export interface ClaimEntry {
  claimId: string;
  revision: number;
  updatedAt: string;
  state: ClaimState;
  facts: ClaimFacts;
  personalData: EncryptedPersonalData | null;
  formOfExploitation: string | null;
  applicantRole: string | null;
}

export const initialEntry = (claimId: string): ClaimEntry => ({
  claimId, revision: -1, updatedAt: '', state: initialState(), facts: initialFacts(), personalData: null, formOfExploitation: null, applicantRole: null,
});

/** The entry after one event of the claim, its `revision`, at the instant `at`. */
export function applyClaimEvent(entry: ClaimEntry, event: ClaimEvent, revision: number, at: string): ClaimEntry {
  const filed = event.type === 'ClaimFiled' ? event.data : undefined;
  return {
    claimId: entry.claimId, revision, updatedAt: at,
    state: evolve(entry.state, event),
    facts: recordFacts(entry.facts, event, at),
    personalData: filed ? filed.personalData : entry.personalData,
    formOfExploitation: filed ? filed.formOfExploitation : entry.formOfExploitation,
    applicantRole: filed ? filed.applicantRole : entry.applicantRole,
  };
}

/** The `claims` row in column order (CLAIM_COLUMNS). */
export interface ClaimRowValues {
  revision: number;
  public_reference: string | null;
  jurisdiction: string | null;
  scheme_version: string | null;
  currency: string | null;
  status: string;
  filed_by: string | null;
  filed_at: string | null;
  updated_at: string;
  victim_ref: string | null;
  form_of_exploitation: string | null;
  applicant_role: string | null;
  claimed_minor: number;
  awarded_minor: number;
  paid_minor: number;
  outstanding_minor: number;
  search_text: string;
  personal_data: string | null;
  fund_year: number | null;
  funding: string;
  detail: string;
  facts: string;
}

export const CLAIM_COLUMNS = ['revision', 'public_reference', 'jurisdiction', 'scheme_version', 'currency', 'status', 'filed_by', 'filed_at',
  'updated_at', 'victim_ref', 'form_of_exploitation', 'applicant_role', 'claimed_minor', 'awarded_minor', 'paid_minor',
  'outstanding_minor', 'search_text', 'personal_data', 'fund_year', 'funding', 'detail', 'facts'] as const satisfies readonly (keyof ClaimRowValues)[];

/** Who acts on the claim, as rows of `claim_assignments`. */
export type AssignmentRole = 'lead' | 'co-counsel' | 'assessor';
export interface ClaimAssignment { person: string; role: AssignmentRole }

/** An approved advance not yet paid, as a row of `claim_advances_due`: the payee in force (masked) and the run that holds it. */
export interface AdvanceDue { advance: number; amount: Money; maskedAccount: string | null; runId: string | null }
/**
 * A row of `claim_fund_years`: a fund year whose ledger holds something of the claim
 * (`ledgerYears`), with the award's part in it (`tied`, `paid`: zero in a year that holds only
 * recoveries) and the award's own fund year (the year it was decided in).
 */
export interface ClaimFundYear { year: number; awardYear: number | null; tiedMinor: number; paidMinor: number }

/** What a bank statement said of one of the claim's run payments, as a row of `claim_payment_outcomes`. */
export interface PaymentOutcome { endToEndId: string; runId: string; outcome: 'paid' | 'returned' }

export interface ClaimRecord {
  row: ClaimRowValues;
  /** Rows of `claim_deadlines` (none before the claim is filed). */
  deadlines: ClaimDeadline[];
  assignments: ClaimAssignment[];
  advancesDue: AdvanceDue[];
  fundYears: ClaimFundYear[];
  paymentOutcomes: PaymentOutcome[];
}

export function claimFundYears(funding: ClaimFunding): ClaimFundYear[] {
  return ledgerYears(funding).map((year) => {
    const part = funding.years.find((y) => y.year === year);
    return { year, awardYear: funding.fundYear ?? null, tiedMinor: part?.tied ?? 0, paidMinor: part?.paid ?? 0 };
  });
}

function assignmentsOf(state: ClaimState): ClaimAssignment[] {
  const { lead, coCounsel } = state.lawyers;
  return [
    ...(lead === undefined ? [] : [{ person: lead, role: 'lead' as const }]),
    ...coCounsel.map((person) => ({ person, role: 'co-counsel' as const })),
    ...(state.assessor === undefined ? [] : [{ person: state.assessor, role: 'assessor' as const }]),
  ];
}

export function claimRecord(entry: ClaimEntry): ClaimRecord {
  const { claimId, state } = entry;
  // The funding once, for the money, the detail and the fund years.
  const funding = claimFunding(state);
  const money = claimMoney(state, funding);
  // Deadlines come from the scheme's calendar (luxon): computed once, for the detail and the deadline rows.
  const deadlines = claimDeadlines(state);
  const text = [claimId, state.publicReference, state.filedBy, ...state.court.proceedings.flatMap((p) => [p.court, p.caseNumber]),
    ...state.court.rulings.flatMap((r) => [r.court, r.caseNumber])].filter(Boolean).join(' ').toLowerCase();
  return {
    row: {
      revision: entry.revision, public_reference: state.publicReference ?? null, jurisdiction: state.jurisdiction ?? null,
      scheme_version: state.schemeVersion ?? null, currency: state.currency ?? null, status: state.status, filed_by: state.filedBy ?? null,
      filed_at: state.filedAt ?? null, updated_at: entry.updatedAt, victim_ref: state.victimRef ?? null,
      form_of_exploitation: entry.formOfExploitation, applicant_role: entry.applicantRole, claimed_minor: money.claimed,
      awarded_minor: money.awarded, paid_minor: money.paid, outstanding_minor: money.outstanding, search_text: text,
      personal_data: entry.personalData ? JSON.stringify(entry.personalData) : null, fund_year: funding.fundYear ?? null,
      funding: JSON.stringify(funding), detail: JSON.stringify(claimDetailView(state, entry.facts, money, deadlines)), facts: JSON.stringify(entry.facts),
    },
    deadlines: state.jurisdiction && state.filedBy ? deadlines : [],
    assignments: assignmentsOf(state),
    advancesDue: state.jurisdiction ? payableAdvances(state).map((a) => ({
      advance: a.number, amount: a.amount, maskedAccount: state.payee.current?.maskedAccount ?? null,
      runId: state.fund.queued[queueKey({ kind: 'advance', number: a.number })]?.runId ?? null,
    })) : [],
    fundYears: state.jurisdiction ? claimFundYears(funding) : [],
    paymentOutcomes: Object.entries(state.fund.bankOutcomes).flatMap(([endToEndId, outcome]) => {
      const run = runPaymentOf(endToEndId);
      return run ? [{ endToEndId, runId: run.runId, outcome }] : [];
    }),
  };
}
