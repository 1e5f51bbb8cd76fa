/**
 * What monitoring needs about a claim that the decider's state does not keep (it keeps only what
 * decisions need): enforcement failure reasons, when the fund first decided and paid, appeals and
 * their outcomes, advances, whether the award hit a cap. Facts are recorded, never judged: the
 * rules stay in @cfund/domain. Also the requests for information as recorded, with their texts
 * still encrypted with the victim's data key (the decider keeps only what its rules read); only the
 * recorded read of GET /claims/{id}/information-requests/{n} decrypts them.
 */
import type { ClaimEvent, EncryptedPersonalData } from '@cfund/contracts';

/** A request for information as recorded: its texts are envelopes, never plaintext. */
export interface InformationRequestFact {
  request: number;
  dueOn: string;
  requestedBy: string;
  requestedAt: string;
  status: 'open' | 'answered' | 'withdrawn';
  question: EncryptedPersonalData;
  answer?: EncryptedPersonalData;
  answeredBy?: string;
  answeredAt?: string;
  late?: boolean;
  documentIds: string[];
  withdrawnAt?: string;
}

/** A document as recorded: what it is, never its name (kept encrypted in the event) nor its bytes. */
export interface DocumentFact {
  documentId: string;
  kind: string;
  size: number;
  contentType: string;
  attachedBy: string;
  attachedAt: string;
  /** The number of the request for information the document answers. */
  request?: number;
}

export interface ClaimFacts {
  enforcementFailureReasons: string[];
  /** Instant of the first AwardApproved or AwardRejected. */
  firstDecisionAt?: string;
  /**
   * The fund's decision standing: an award or a rejection, an award again after an appeal that
   * increased or reduced it, none after an appeal that remitted the claim for a new assessment
   * (the decider drops the award and the rejection then) until the fund decides again.
   */
  lastDecision?: 'approved' | 'rejected' | undefined;
  /** The claim stands withdrawn: ClaimWithdrawn, not followed by ClaimReopened (a later ClaimClosed keeps it). */
  withdrawn?: boolean;
  assessments: number;
  lastAssessmentEligible?: boolean;
  /** The last assessment was reduced by a cap. */
  atCap: boolean;
  firstPayoutAt?: string;
  advancePayments: number;
  appeals: number;
  appealOutcomes: string[];
  extension?: 'granted' | 'refused';
  informationRequests: InformationRequestFact[];
  documents: DocumentFact[];
}

export const initialFacts = (): ClaimFacts => ({
  enforcementFailureReasons: [], assessments: 0, atCap: false, advancePayments: 0, appeals: 0, appealOutcomes: [], informationRequests: [], documents: [],
});

/** Records the facts of one event; `at` is the event's instant (for events whose data has none). */
export function recordFacts(facts: ClaimFacts, event: ClaimEvent, at: string): ClaimFacts {
  const f: ClaimFacts = { ...facts };
  switch (event.type) {
    case 'EnforcementFailed':
      f.enforcementFailureReasons = [...f.enforcementFailureReasons, event.data.reason];
      break;
    case 'ClaimAssessed':
      f.assessments += 1;
      f.lastAssessmentEligible = event.data.eligible;
      f.atCap = event.data.capsApplied.some((c) => c.reducedBy.amountMinor > 0);
      break;
    case 'AwardApproved':
    case 'AwardRejected':
      f.firstDecisionAt ??= at;
      f.lastDecision = event.type === 'AwardApproved' ? 'approved' : 'rejected';
      break;
    case 'PayoutDisbursed':
      f.firstPayoutAt ??= event.data.disbursedAt;
      break;
    case 'AdvancePaymentApproved':
      f.advancePayments += 1;
      break;
    case 'DecisionAppealed':
      f.appeals += 1;
      break;
    case 'AppealDecided':
      f.appealOutcomes = [...f.appealOutcomes, event.data.outcome];
      if (event.data.outcome === 'increased' || event.data.outcome === 'reduced') f.lastDecision = 'approved';
      if (event.data.outcome === 'remitted') f.lastDecision = undefined;
      break;
    case 'ClaimWithdrawn':
      f.withdrawn = true;
      break;
    case 'ClaimReopened':
      f.withdrawn = false;
      break;
    case 'LateFilingExtensionGranted':
      f.extension = 'granted';
      break;
    case 'LateFilingExtensionRefused':
      f.extension = 'refused';
      break;
    case 'InformationRequested': {
      const { request, dueOn, requestedBy, requestedAt, question } = event.data;
      f.informationRequests = [...f.informationRequests, { request, dueOn, requestedBy, requestedAt, question, status: 'open', documentIds: [] }];
      break;
    }
    case 'InformationRequestAnswered': {
      const { request, answer, answeredBy, answeredAt, late, documentIds } = event.data;
      f.informationRequests = f.informationRequests.map((r) => (r.request === request
        ? { ...r, status: 'answered' as const, ...(answer ? { answer } : {}), answeredBy, answeredAt, late, documentIds }
        : r));
      break;
    }
    case 'InformationRequestWithdrawn':
      f.informationRequests = f.informationRequests.map((r) => (r.request === event.data.request
        ? { ...r, status: 'withdrawn' as const, withdrawnAt: event.data.withdrawnAt }
        : r));
      break;
    case 'DocumentAttached': {
      // An early upload's `requestId` named no request: it is not shown.
      const { documentId, kind, size, contentType, attachedBy, attachedAt, request } = event.data;
      f.documents = [...(f.documents ?? []), { documentId, kind, size, contentType, attachedBy, attachedAt, ...(request === undefined ? {} : { request }) }];
      break;
    }
    default:
      break;
  }
  return f;
}
