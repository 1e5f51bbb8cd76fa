/**
 * What the notifier remembers of a claim between its events: only what routing, templates and
 * reminders read (who acts for the victim, where, its public reference, which deadlines run). Evolved from
 * the events by its own function, so a change of the claim decider's internal state changes
 * nothing here; a change of this shape bumps CLAIM_SNAPSHOT_VERSION and stale snapshots are
 * folded again from the claim's events. The victim's pseudonymous reference is never kept.
 */
import type { ClaimEvent, Jurisdiction } from '@cfund/contracts';

/** The shape of `ClaimSnapshot` kept in SQLite. */
export const CLAIM_SNAPSHOT_VERSION = 4;

/**
 * Where the claim stands, as far as notifications care: the application deadline runs while
 * `filed`, the appeal deadline while `notified`; a decision served after `rejected` is a refusal.
 */
export type SnapshotStatus = 'none' | 'filed' | 'under-way' | 'rejected' | 'notified' | 'withdrawn' | 'closed';

export interface ClaimSnapshot {
  snapshotVersion: typeof CLAIM_SNAPSHOT_VERSION;
  status: SnapshotStatus;
  /** The status to return to when a withdrawn claim is reopened. */
  statusBeforeWithdrawal?: SnapshotStatus;
  claimId?: string;
  jurisdiction?: Jurisdiction;
  schemeVersion?: string;
  filedBy?: string;
  /** Who acts for the victim and is told: the lead lawyer (the filer until a hand-over) and co-counsel. */
  lead?: string;
  coCounsel: string[];
  publicReference?: string;
  /** The anchors of the application deadline. */
  incidentOn?: string;
  rulingFinalOn?: string;
  enforcementFailedOn?: string;
  appealDeadline?: string;
  /** Once appealed, no appeal deadline runs again. */
  appealed: boolean;
  /** Instalments not paid: never disbursed, or disbursed and returned by the bank (due again, so reminded again). */
  instalmentsDue: { number: number; dueOn: string }[];
  /** Instalments disbursed: kept with their due date, since a return puts them back among those due. */
  instalmentsPaid: { number: number; dueOn: string }[];
  /** Requests for information neither answered nor withdrawn; `requestedBy` (the assessor) is told of the answer. */
  openRequests: { request: number; dueOn: string; requestedBy: string; requestedAt: string }[];
}

export const initialSnapshot = (): ClaimSnapshot => ({ snapshotVersion: CLAIM_SNAPSHOT_VERSION, status: 'none', coCounsel: [], appealed: false, instalmentsDue: [], instalmentsPaid: [], openRequests: [] });

/** Whether a snapshot read back from SQLite has the current shape (older ones are folded again). */
export const isCurrentSnapshot = (value: unknown): value is ClaimSnapshot =>
  typeof value === 'object' && value !== null && (value as { snapshotVersion?: unknown }).snapshotVersion === CLAIM_SNAPSHOT_VERSION;

type Instalments = Pick<ClaimSnapshot, 'instalmentsDue' | 'instalmentsPaid'>;

/** Puts instalment `number` among those paid or those due (in instalment order); one never scheduled changes nothing. */
function placeInstalment(s: Instalments, number: number, among: 'paid' | 'due'): Instalments {
  const found = [...s.instalmentsDue, ...s.instalmentsPaid].find((i) => i.number === number);
  const without = (list: Instalments['instalmentsDue']) => list.filter((i) => i.number !== number);
  const add = (list: Instalments['instalmentsDue']) => (found ? [...without(list), found].sort((x, y) => x.number - y.number) : list);
  return among === 'paid'
    ? { instalmentsDue: without(s.instalmentsDue), instalmentsPaid: add(s.instalmentsPaid) }
    : { instalmentsDue: add(s.instalmentsDue), instalmentsPaid: without(s.instalmentsPaid) };
}

/** Applies one claim event; pure. */
export function evolveSnapshot(s: ClaimSnapshot, event: ClaimEvent): ClaimSnapshot {
  switch (event.type) {
    case 'ClaimFiled': {
      const d = event.data;
      return {
        ...s, status: 'filed', claimId: d.claimId, jurisdiction: d.jurisdiction, schemeVersion: d.schemeVersion,
        filedBy: d.filedBy, lead: d.filedBy, publicReference: d.publicReference, incidentOn: d.incidentOn,
      };
    }
    case 'CoCounselAdded':
      return { ...s, coCounsel: [...s.coCounsel, event.data.lawyer] };
    case 'CoCounselRemoved':
      return { ...s, coCounsel: s.coCounsel.filter((l) => l !== event.data.lawyer) };
    case 'ClaimHandedOver':
      return { ...s, lead: event.data.to, coCounsel: s.coCounsel.filter((l) => l !== event.data.to) };
    case 'InformationRequested': {
      const { request, dueOn, requestedBy, requestedAt } = event.data;
      return { ...s, openRequests: [...s.openRequests, { request, dueOn, requestedBy, requestedAt }] };
    }
    case 'InformationRequestAnswered':
    case 'InformationRequestWithdrawn':
      return { ...s, openRequests: s.openRequests.filter((r) => r.request !== event.data.request) };
    case 'RulingBecameFinal':
      return { ...s, rulingFinalOn: event.data.finalOn };
    case 'EnforcementFailed':
      return { ...s, enforcementFailedOn: event.data.recordedOn };
    case 'FundApplicationSubmitted':
    case 'ClaimAssessed':
    case 'AwardApproved':
      return { ...s, status: 'under-way' };
    case 'AwardRejected':
      return { ...s, status: 'rejected' };
    case 'DecisionNotified':
      return { ...s, status: 'notified', appealDeadline: event.data.appealDeadline };
    case 'DecisionAppealed':
      return { ...s, status: 'under-way', appealed: true };
    case 'AppealDecided':
      // Remitted goes back to the fund for a new assessment; any other outcome stands as served.
      return { ...s, status: event.data.outcome === 'remitted' ? 'under-way' : 'notified' };
    case 'PayoutScheduled':
      return { ...s, status: 'under-way', instalmentsDue: event.data.instalments.map((i) => ({ number: i.number, dueOn: i.dueOn })), instalmentsPaid: [] };
    case 'PayoutDisbursed':
      return { ...s, status: 'under-way', ...placeInstalment(s, event.data.instalment, 'paid') };
    case 'PayoutFailed':
      // A failed payment is due again (the fund pays it in a later run): its reminder goes on.
      return { ...s, status: 'under-way', ...placeInstalment(s, event.data.instalment, 'due') };
    case 'ClaimWithdrawn':
      return { ...s, status: 'withdrawn', statusBeforeWithdrawal: s.status };
    case 'ClaimReopened': {
      const { statusBeforeWithdrawal, ...rest } = s;
      return { ...rest, status: statusBeforeWithdrawal ?? 'filed' };
    }
    case 'ClaimClosed':
      return { ...s, status: 'closed' };
    case 'EvidenceAttached':
    case 'DocumentAttached':
    case 'CriminalProceedingsRecorded':
    case 'CourtRulingRecorded':
    case 'OffenderPaymentReceived':
    case 'LateFilingExtensionGranted':
    case 'LateFilingExtensionRefused':
    case 'AdvancePaymentApproved':
    case 'AdvanceDisbursed':
    case 'AdvanceFailed':
    case 'CommitmentsSpreadByYear':
    case 'AwardApprovalGiven':
    case 'AppealApprovalGiven':
    case 'RecoveryFromOffenderRecorded':
    case 'PersonalDataErased':
    case 'AssessorAssigned':
    case 'PayeeDetailsSet':
    case 'PayeeChangeRequested':
    case 'PayeeChangeConfirmed':
    case 'PayeeChangeRejected':
    case 'PaymentQueued':
    case 'PaymentUnqueued':
    case 'PreferredLanguageSet':
      return s;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
