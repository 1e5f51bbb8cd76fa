import type {
  AmountsByHead, ClaimEvent, Currency, EncryptedPersonalData, Jurisdiction, Money, EventData, PayeeKind,
} from '@cfund/contracts';
import { addMinor } from '../money.js';

/**
 * Where a claim stands. The court track (rulings, enforcement) runs alongside; the status follows
 * the fund track, from filing to closure.
 */
export type ClaimStatus =
  | 'none'
  | 'filed'
  | 'applied'
  | 'assessed'
  | 'approved'
  | 'rejected'
  | 'notified'
  | 'appealed'
  | 'scheduled'
  | 'paid'
  | 'withdrawn'
  | 'closed';

export type InstalmentStatus = 'due' | 'disbursed' | 'failed';

/** Why the last payment of an instalment or advance failed (the bank's return reason code and reference), and when. */
export interface PaymentFailure {
  reason: string;
  failedAt: string;
}

export interface Instalment {
  number: number;
  amount: Money;
  dueOn: string;
  status: InstalmentStatus;
  paymentReference?: string;
  disbursedBy?: string;
  /** The last failed payment of it (kept once it is paid again). */
  failure?: PaymentFailure;
}

/** `failed`: paid, and the payment came back (the bank returned it): owed and payable again, like `approved`. */
export type AdvanceStatus = 'approved' | 'disbursed' | 'failed';

export interface Advance {
  number: number;
  amount: Money;
  status: AdvanceStatus;
  approvedBy: string;
  paymentReference?: string;
  disbursedBy?: string;
  /** The last failed payment of it (kept once it is paid again). */
  failure?: PaymentFailure;
}

/** A recovery from the offender, numbered on the claim from 1 in the order recorded. */
export interface Recovery {
  number: number;
  amount: Money;
  /** The local date it was received (scheme's zone): its year is the fund year credited. */
  recordedOn: string;
}

/** The first approval of an appeal decision that needs two. */
export interface PendingAppealDecision {
  approver: string;
  outcome: EventData<'AppealApprovalGiven'>['outcome'];
  decidedOn: string;
  netAward: Money;
}

/** A request for information to the claim's lawyers (its question and answer stay encrypted in the events). */
export interface InformationRequest {
  request: number;
  dueOn: string;
  requestedBy: string;
  status: 'open' | 'answered' | 'withdrawn';
}

/**
 * The shape of `ClaimState`. Whoever keeps a claim's state between events (the projection's
 * working state) compares it with what it stored and folds the claim again from its events when
 * it changed; read models keep shapes of their own.
 */
export const CLAIM_STATE_VERSION = 12;

export interface ClaimState {
  stateVersion: typeof CLAIM_STATE_VERSION;
  status: ClaimStatus;
  /** The status to return to when a withdrawn claim is reopened. */
  statusBeforeWithdrawal?: ClaimStatus;
  claimId?: string;
  jurisdiction?: Jurisdiction;
  schemeVersion?: string;
  currency?: Currency;
  filedBy?: string;
  filedAt?: string;
  /** Who acts for the victim: the lead lawyer (the filer until a hand-over) and co-counsel. */
  lawyers: { lead?: string; coCounsel: string[] };
  /** The fund assessor of record, once assigned or taken. */
  assessor?: string;
  /** Requests for information, in order (request n at index n - 1); any `open` one holds the assessment. */
  informationRequests: InformationRequest[];
  victimRef?: string;
  publicReference?: string;
  incidentOn?: string;
  damagesClaimed: AmountsByHead;
  evidence: string[];
  /** Uploaded documents: one per content (SHA-256 of the plaintext) within the claim. */
  documents: { documentId: string; sha256: string }[];
  court: {
    proceedings: { court: string; caseNumber: string }[];
    rulings: EventData<'CourtRulingRecorded'>[];
    finalOn?: string;
    enforcementFailedOn?: string;
    offenderPaid: number;
  };
  fund: {
    appliedAt?: string;
    deadline?: string;
    late?: boolean;
    extension?: 'granted' | 'refused';
    otherCompensationDeclared: EventData<'FundApplicationSubmitted'>['otherCompensationDeclared'];
    assessment?: EventData<'ClaimAssessed'>;
    approvals: string[];
    netAward?: Money;
    fundYear?: number;
    rejection?: EventData<'AwardRejected'>;
    notifiedAt?: string;
    appealDeadline?: string;
    appeal?: EventData<'DecisionAppealed'>;
    appealOutcome?: EventData<'AppealDecided'>['outcome'];
    /** The first of two approvals of the appeal decision under way. */
    pendingAppealDecision?: PendingAppealDecision;
    /** Everyone who approved an award or an appeal decision of this claim (none of them may pay it out). */
    deciders: string[];
    /** Advances approved, in order; deducted from the final award. */
    advances: Advance[];
    instalments: Instalment[];
    /**
     * Whether each instalment's money is committed in the fund year of its due date (schedules
     * recorded since that rule, `PayoutScheduled` v2) or all in `fundYear` (schedules of before).
     */
    committedByDueYear?: boolean;
    /** An old schedule's instalments a fund admin moved to the fund year they fall due in (`CommitmentsSpreadByYear`), by number. */
    spreadYears?: Record<number, number>;
    /** Recoveries from the offender, in order. */
    recoveries: Recovery[];
    /** Payments in a payment run, by `paymentKey` (`instalment-2`, `advance-1`): paid only through that run. */
    queued: Record<string, { runId: string; endToEndId: string }>;
    /** What the bank did with each run payment a statement told of, by end-to-end id (a statement imported again changes nothing). */
    bankOutcomes: Record<string, 'paid' | 'returned'>;
  };
  personalDataErased: boolean;
  /**
   * Where the victim's preferred language is, encrypted with their key (the decider never reads
   * it): the filed personal data until a PreferredLanguageSet, then that event's envelope. Both
   * decrypt to an object whose `preferredLanguage`, if any, is the language.
   */
  preferredLanguage?: EncryptedPersonalData;
  /** Who the money goes to: what is in force, and a change awaiting a second person's confirmation. */
  payee: PayeeState;
}

/** A payee as the claim knows it: the kind and masked account (the details are encrypted in the event). */
export interface PayeeVersion {
  change: number;
  kind: PayeeKind;
  maskedAccount: string;
  by: string;
  /** The name and account, encrypted with the victim's key: what a payment run's bank file is made from. */
  details: EncryptedPersonalData;
}

export interface PayeeState {
  current?: PayeeVersion;
  pending?: PayeeVersion;
  /** The number of the last change given (set, requested, confirmed or rejected). */
  changes: number;
}

export const initialState = (): ClaimState => ({
  stateVersion: CLAIM_STATE_VERSION,
  status: 'none',
  damagesClaimed: [],
  lawyers: { coCounsel: [] },
  informationRequests: [],
  evidence: [],
  documents: [],
  court: { proceedings: [], rulings: [], offenderPaid: 0 },
  fund: { otherCompensationDeclared: [], approvals: [], deciders: [], advances: [], instalments: [], recoveries: [], queued: {}, bankOutcomes: {} },
  personalDataErased: false,
  payee: { changes: 0 },
});

/** The key of a queued payment: `paymentKey`'s (`instalment-2`, `advance-1`). */
export const queueKey = (p: { kind: 'instalment' | 'advance'; number: number }): string => `${p.kind}-${p.number}`;

const withoutKey = <V>(record: Record<string, V>, key: string): Record<string, V> => {
  const { [key]: _gone, ...rest } = record;
  return rest;
};

/** Applies one event; pure: returns a new state and never validates (events are facts). */
const closeRequest = (requests: readonly InformationRequest[], n: number, status: InformationRequest['status']): InformationRequest[] =>
  requests.map((r) => (r.request === n ? { ...r, status } : r));

/** Whether the claim is on hold for assessment: a request for information is open. */
export const onHoldForInformation = (s: Pick<ClaimState, 'informationRequests'>): boolean =>
  s.informationRequests.some((r) => r.status === 'open');

export function evolve(state: ClaimState, event: ClaimEvent): ClaimState {
  const s: ClaimState = { ...state, court: { ...state.court }, fund: { ...state.fund } };
  switch (event.type) {
    case 'ClaimFiled': {
      const d = event.data;
      return {
        ...s, status: 'filed', claimId: d.claimId, jurisdiction: d.jurisdiction, schemeVersion: d.schemeVersion,
        currency: d.currency, filedBy: d.filedBy, filedAt: d.filedAt, victimRef: d.victimRef,
        publicReference: d.publicReference, incidentOn: d.incidentOn, damagesClaimed: d.damagesClaimed,
        lawyers: { lead: d.filedBy, coCounsel: [] }, preferredLanguage: d.personalData,
      };
    }
    case 'PreferredLanguageSet':
      return { ...s, preferredLanguage: event.data.preference };
    case 'CoCounselAdded':
      return { ...s, lawyers: { ...s.lawyers, coCounsel: [...s.lawyers.coCounsel, event.data.lawyer] } };
    case 'CoCounselRemoved':
      return { ...s, lawyers: { ...s.lawyers, coCounsel: s.lawyers.coCounsel.filter((l) => l !== event.data.lawyer) } };
    case 'ClaimHandedOver':
      // The new lead leaves the co-counsel; the former lead no longer acts on the claim.
      return { ...s, lawyers: { lead: event.data.to, coCounsel: s.lawyers.coCounsel.filter((l) => l !== event.data.to) } };
    case 'AssessorAssigned':
      return { ...s, assessor: event.data.assessor };
    case 'InformationRequested': {
      const { request, dueOn, requestedBy } = event.data;
      return { ...s, informationRequests: [...s.informationRequests, { request, dueOn, requestedBy, status: 'open' }] };
    }
    case 'InformationRequestAnswered':
      return { ...s, informationRequests: closeRequest(s.informationRequests, event.data.request, 'answered') };
    case 'InformationRequestWithdrawn':
      return { ...s, informationRequests: closeRequest(s.informationRequests, event.data.request, 'withdrawn') };
    case 'EvidenceAttached':
      return { ...s, evidence: [...s.evidence, event.data.documentId] };
    case 'DocumentAttached':
      return { ...s, documents: [...s.documents, { documentId: event.data.documentId, sha256: event.data.sha256 }] };
    case 'CriminalProceedingsRecorded':
      s.court.proceedings = [...s.court.proceedings, { court: event.data.court, caseNumber: event.data.caseNumber }];
      return s;
    case 'CourtRulingRecorded':
      s.court.rulings = [...s.court.rulings, event.data];
      return s;
    case 'RulingBecameFinal':
      s.court.finalOn = event.data.finalOn;
      return s;
    case 'OffenderPaymentReceived':
      s.court.offenderPaid = addMinor(s.court.offenderPaid, event.data.amount.amountMinor);
      return s;
    case 'EnforcementFailed':
      s.court.enforcementFailedOn = event.data.recordedOn;
      return s;
    case 'FundApplicationSubmitted':
      s.fund.appliedAt = event.data.submittedAt;
      s.fund.deadline = event.data.deadline;
      s.fund.late = event.data.late;
      s.fund.otherCompensationDeclared = event.data.otherCompensationDeclared;
      return { ...s, status: 'applied' };
    case 'LateFilingExtensionGranted':
      s.fund.extension = 'granted';
      return s;
    case 'LateFilingExtensionRefused':
      s.fund.extension = 'refused';
      return s;
    case 'ClaimAssessed':
      s.fund.assessment = event.data;
      s.fund.approvals = [];
      return { ...s, status: 'assessed' };
    case 'AdvancePaymentApproved':
      s.fund.advances = [...s.fund.advances, {
        number: event.data.advance ?? s.fund.advances.length + 1, amount: event.data.amount, status: 'approved', approvedBy: event.data.approvedBy,
      }];
      s.fund.fundYear = event.data.fundYear ?? s.fund.fundYear;
      return s;
    case 'AdvanceDisbursed':
      s.fund.advances = s.fund.advances.map((a) => (a.number === event.data.advance
        ? { ...a, status: 'disbursed' as const, paymentReference: event.data.paymentReference, disbursedBy: event.data.disbursedBy }
        : a));
      s.fund.queued = withoutKey(s.fund.queued, queueKey({ kind: 'advance', number: event.data.advance }));
      if (event.data.endToEndId) s.fund.bankOutcomes = { ...s.fund.bankOutcomes, [event.data.endToEndId]: 'paid' };
      return s.status === 'scheduled' && everythingPaid(s) ? { ...s, status: 'paid' } : s;
    case 'AdvanceFailed':
      s.fund.advances = s.fund.advances.map((a) => (a.number === event.data.advance
        ? { ...a, status: 'failed' as const, failure: { reason: event.data.reason, failedAt: event.data.failedAt } }
        : a));
      if (event.data.endToEndId) s.fund.bankOutcomes = { ...s.fund.bankOutcomes, [event.data.endToEndId]: 'returned' };
      return s.status === 'paid' ? { ...s, status: 'scheduled' } : s;
    case 'AwardApprovalGiven':
      s.fund.approvals = [...s.fund.approvals, event.data.approver];
      s.fund.deciders = [...s.fund.deciders, event.data.approver];
      return s;
    case 'AwardApproved':
      s.fund.netAward = event.data.netAward;
      s.fund.fundYear = event.data.fundYear;
      return { ...s, status: 'approved' };
    case 'AwardRejected':
      s.fund.rejection = event.data;
      return { ...s, status: 'rejected' };
    case 'DecisionNotified':
      s.fund.notifiedAt = event.data.servedAt;
      s.fund.appealDeadline = event.data.appealDeadline;
      return { ...s, status: 'notified' };
    case 'DecisionAppealed':
      s.fund.appeal = event.data;
      return { ...s, status: 'appealed' };
    case 'AppealApprovalGiven':
      s.fund.pendingAppealDecision = {
        approver: event.data.approver, outcome: event.data.outcome, decidedOn: event.data.decidedOn, netAward: event.data.netAward,
      };
      s.fund.deciders = [...s.fund.deciders, event.data.approver];
      return s;
    case 'AppealDecided':
      s.fund.pendingAppealDecision = undefined;
      for (const a of event.data.approvers ?? []) if (!s.fund.deciders.includes(a)) s.fund.deciders = [...s.fund.deciders, a];
      return afterAppeal(s, event.data);
    case 'PayoutScheduled':
      s.fund.instalments = event.data.instalments.map((i) => ({ ...i, status: 'due' as const }));
      s.fund.committedByDueYear = event.data.committedByDueYear;
      return { ...s, status: 'scheduled' };
    case 'CommitmentsSpreadByYear':
      s.fund.spreadYears = { ...s.fund.spreadYears, ...Object.fromEntries(event.data.instalments.map((i) => [i.instalment, i.year])) };
      return s;
    case 'PayoutDisbursed': {
      s.fund.instalments = s.fund.instalments.map((i) => (i.number === event.data.instalment
        ? { ...i, status: 'disbursed' as const, paymentReference: event.data.paymentReference, disbursedBy: event.data.disbursedBy }
        : i));
      s.fund.queued = withoutKey(s.fund.queued, queueKey({ kind: 'instalment', number: event.data.instalment }));
      if (event.data.endToEndId) s.fund.bankOutcomes = { ...s.fund.bankOutcomes, [event.data.endToEndId]: 'paid' };
      return { ...s, status: everythingPaid(s) ? 'paid' : 'scheduled' };
    }
    case 'PayoutFailed':
      s.fund.instalments = s.fund.instalments.map((i) => (i.number === event.data.instalment
        ? { ...i, status: 'failed' as const, failure: { reason: event.data.reason, failedAt: event.data.failedAt } }
        : i));
      if (event.data.endToEndId) s.fund.bankOutcomes = { ...s.fund.bankOutcomes, [event.data.endToEndId]: 'returned' };
      return { ...s, status: 'scheduled' };
    case 'RecoveryFromOffenderRecorded':
      s.fund.recoveries = [...s.fund.recoveries, { number: s.fund.recoveries.length + 1, amount: event.data.amount, recordedOn: event.data.recordedOn }];
      return s;
    case 'ClaimWithdrawn':
      return { ...s, status: 'withdrawn', statusBeforeWithdrawal: s.status };
    case 'ClaimReopened':
      return { ...s, status: s.statusBeforeWithdrawal ?? 'filed', statusBeforeWithdrawal: undefined };
    case 'ClaimClosed':
      return { ...s, status: 'closed' };
    case 'PersonalDataErased':
      return { ...s, personalDataErased: true };
    case 'PayeeDetailsSet': {
      const d = event.data;
      return { ...s, payee: { ...s.payee, current: { change: d.change, kind: d.payeeKind, maskedAccount: d.maskedAccount, by: d.setBy, details: d.details }, changes: d.change } };
    }
    case 'PayeeChangeRequested': {
      const d = event.data;
      return { ...s, payee: { ...s.payee, pending: { change: d.change, kind: d.payeeKind, maskedAccount: d.maskedAccount, by: d.requestedBy, details: d.details }, changes: d.change } };
    }
    case 'PayeeChangeConfirmed':
      return { ...s, payee: { current: s.payee.pending, changes: s.payee.changes } };
    case 'PayeeChangeRejected':
      return { ...s, payee: { current: s.payee.current, changes: s.payee.changes } };
    case 'PaymentQueued':
      s.fund.queued = { ...s.fund.queued, [queueKey(event.data.payment)]: { runId: event.data.runId, endToEndId: event.data.endToEndId } };
      return s;
    case 'PaymentUnqueued':
      s.fund.queued = withoutKey(s.fund.queued, queueKey(event.data.payment));
      if (event.data.endToEndId) s.fund.bankOutcomes = { ...s.fund.bankOutcomes, [event.data.endToEndId]: 'returned' };
      return s;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Owed and not paid: approved and never paid, or paid and returned (`failed`): what a payment may still pay. */
export const advanceUnpaid = (a: Pick<Advance, 'status'>): boolean => a.status !== 'disbursed';

/** Paid in full: every instalment and every advance approved has been disbursed. */
function everythingPaid(s: ClaimState): boolean {
  return s.fund.instalments.length > 0 && s.fund.instalments.every((i) => i.status === 'disbursed')
    && s.fund.advances.every((a) => a.status === 'disbursed');
}

function afterAppeal(s: ClaimState, d: EventData<'AppealDecided'>): ClaimState {
  s.fund.appealOutcome = d.outcome;
  switch (d.outcome) {
    case 'upheld':
      return { ...s, status: 'notified' };
    case 'increased':
    case 'reduced':
      // A changed award stands as approved (a rejection overturned becomes an award too).
      s.fund.netAward = d.netAward ?? s.fund.netAward;
      s.fund.rejection = undefined;
      // An award granted on appeal (no fund year yet) is committed against the year the event names,
      // or, in events written before it named one, the year of the appeal decision.
      s.fund.fundYear ??= d.fundYear ?? Number(d.decidedOn.slice(0, 4));
      return { ...s, status: 'notified' };
    case 'remitted':
      // Back to the fund for a new assessment.
      s.fund.assessment = undefined;
      s.fund.approvals = [];
      s.fund.netAward = undefined;
      s.fund.rejection = undefined;
      return { ...s, status: 'applied' };
    default: {
      const _exhaustive: never = d.outcome;
      return _exhaustive;
    }
  }
}
