/**
 * Who learns what from a claim event, from the event and the notifier's snapshot of the claim
 * before and after it. Pure: no I/O, no clock.
 *
 * | Event | Recipient | Topic |
 * | --- | --- | --- |
 * | FundApplicationSubmitted | fund-assessor of the jurisdiction | application-submitted |
 * | ClaimAssessed | lawyer; fund-approver | claim-assessed; assessment-awaiting-approval |
 * | AwardApprovalGiven (1 of 2) | fund-approver | second-approval-needed |
 * | AwardApproved / AwardRejected | lawyer | award-approved / award-rejected |
 * | DecisionNotified | lawyer | decision-notified (appeal deadline, how to appeal) |
 * | DecisionAppealed | fund-approver | appeal-filed |
 * | AppealDecided | lawyer | appeal-decided |
 * | PayoutScheduled | lawyer; fund-finance | payout-scheduled; instalments-scheduled |
 * | PayoutDisbursed | lawyer | payout-disbursed |
 * | PayoutFailed (returned: paid again in a later run; not one rejected before booking, told by its PaymentUnqueued) | lawyer; fund-finance | payout-failed; payout-failed-finance |
 * | AdvanceDisbursed | lawyer | advance-disbursed |
 * | AdvanceFailed (returned: paid again in a later run; not one rejected before booking) | lawyer; fund-finance | advance-failed; advance-failed-finance |
 * | PaymentUnqueued (rejected by the bank before booking) | lawyer; fund-finance | payment-rejected; payment-rejected-finance |
 * | PersonalDataErased | dpo of the jurisdiction | erasure-completed |
 * | CoCounselAdded | the co-counsel | claim-assigned |
 * | ClaimHandedOver | the new lead lawyer; the former one | claim-assigned; claim-handed-over |
 * | AssessorAssigned (by a fund admin) | the assessor | claim-assigned |
 * | PayeeChangeRequested (after an approval) | lawyer; fund-finance | payee-change-requested (a classic fraud path: the lawyers learn of it at once) |
 * | PayeeChangeConfirmed / PayeeChangeRejected | lawyer | payee-change-confirmed / payee-change-rejected |
 * | InformationRequested | lawyer | information-requested (its number and due date) |
 * | InformationRequestWithdrawn | lawyer | information-request-withdrawn |
 * | InformationRequestAnswered | the assessor who asked | information-request-answered |
 *
 * "lawyer" is every lawyer acting for the victim: the lead (the filer until a hand-over) and co-counsel.
 *
 * Deadlines (approaching, missed) and instalments due come from reminders (reminders/plan.ts).
 * No free text of an event (reasons, grounds, instructions) is copied: it may name the victim (the
 * question and answer of a request for information are encrypted anyway and never decrypted here).
 */
import type { ClaimEvent, Jurisdiction, Role } from '@cfund/contracts';
import { approvalsNeeded, schemeFor } from '@cfund/domain';
import type { ClaimSnapshot } from '../claim-snapshot.js';
import type { NotificationIntent } from './intent.js';
import { roleRecipient, userRecipient, type Recipient } from './recipients.js';
import type { Params, Topic } from './topics.js';

export interface EventSource {
  eventId: string;
  /** The event's instant (the store's `created`), ISO 8601. */
  occurredAt: string;
}

export function claimTimeZone(state: ClaimSnapshot): string {
  return schemeFor(state.jurisdiction!, state.schemeVersion!).timeZone;
}

/** The language of the claim's proceedings (its scheme version's). */
export function claimLanguage(state: ClaimSnapshot): string {
  return schemeFor(state.jurisdiction!, state.schemeVersion!).language;
}

export function routeClaimEvent(event: ClaimEvent, before: ClaimSnapshot, after: ClaimSnapshot, source: EventSource): NotificationIntent[] {
  if (!after.claimId || !after.jurisdiction || !after.schemeVersion) return []; // not filed: nobody to tell
  const jurisdiction: Jurisdiction = after.jurisdiction;
  const timeZone = claimTimeZone(after);
  const language = claimLanguage(after);
  const out: NotificationIntent[] = [];
  const tell = (recipient: Recipient, topic: Topic, params: Params = {}) => {
    out.push({
      sourceId: source.eventId, topic, recipient, occurredAt: source.occurredAt, timeZone, language, jurisdiction,
      claimId: after.claimId!, publicReference: after.publicReference ?? after.claimId!,
      params: { claimId: after.claimId!, publicReference: after.publicReference ?? after.claimId!, ...params },
    });
  };
  const lawyer = () => [...(after.lead ? [after.lead] : []), ...after.coCounsel].map(userRecipient);
  const staff = (role: Role) => roleRecipient(role, jurisdiction);

  switch (event.type) {
    case 'FundApplicationSubmitted':
      tell(staff('fund-assessor'), 'application-submitted', { deadline: { date: event.data.deadline }, late: { code: event.data.late ? 'late' : 'in-time' } });
      break;
    case 'ClaimAssessed': {
      const p = { eligibility: { code: event.data.eligible ? 'eligible' : 'ineligible' }, recommendedNet: { money: event.data.recommendedNet } };
      for (const r of lawyer()) tell(r, 'claim-assessed', p);
      tell(staff('fund-approver'), 'assessment-awaiting-approval', p);
      break;
    }
    case 'AwardApprovalGiven': {
      const needed = approvalsNeeded(schemeFor(jurisdiction, after.schemeVersion), event.data.netAward);
      if (event.data.approvalNumber < needed) tell(staff('fund-approver'), 'second-approval-needed', { netAward: { money: event.data.netAward } });
      break;
    }
    case 'AwardApproved':
      for (const r of lawyer()) tell(r, 'award-approved', { netAward: { money: event.data.netAward } });
      break;
    case 'AwardRejected':
      for (const r of lawyer()) tell(r, 'award-rejected');
      break;
    case 'DecisionNotified':
      for (const r of lawyer()) {
        tell(r, 'decision-notified', {
          decision: { code: before.status === 'rejected' ? 'rejected' : 'approved' },
          servedAt: { instant: event.data.servedAt }, appealDeadline: { date: event.data.appealDeadline },
        });
      }
      break;
    case 'DecisionAppealed':
      tell(staff('fund-approver'), 'appeal-filed', { appealedAt: { instant: event.data.appealedAt } });
      break;
    case 'AppealDecided':
      for (const r of lawyer()) {
        tell(r, 'appeal-decided', {
          outcome: { code: event.data.outcome }, decidedOn: { date: event.data.decidedOn },
          ...(event.data.netAward ? { netAward: { money: event.data.netAward } } : {}),
        });
      }
      break;
    case 'PayoutScheduled': {
      const first = [...event.data.instalments].sort((a, b) => a.dueOn.localeCompare(b.dueOn))[0]!;
      const p = { instalments: event.data.instalments.length, total: { money: event.data.total }, firstDueOn: { date: first.dueOn } };
      for (const r of lawyer()) tell(r, 'payout-scheduled', p);
      tell(staff('fund-finance'), 'instalments-scheduled', p);
      break;
    }
    case 'PayoutDisbursed':
      for (const r of lawyer()) {
        tell(r, 'payout-disbursed', { instalment: event.data.instalment, amount: { money: event.data.amount }, disbursedAt: { instant: event.data.disbursedAt } });
      }
      break;
    case 'PayoutFailed':
      if (event.data.unbooked) break; // rejected before booking: its PaymentUnqueued told them
      for (const r of lawyer()) tell(r, 'payout-failed', { instalment: event.data.instalment, failedAt: { instant: event.data.failedAt } });
      tell(staff('fund-finance'), 'payout-failed-finance', { instalment: event.data.instalment, failedAt: { instant: event.data.failedAt } });
      break;
    case 'AdvanceDisbursed':
      for (const r of lawyer()) {
        tell(r, 'advance-disbursed', { advance: event.data.advance, amount: { money: event.data.amount }, disbursedAt: { instant: event.data.disbursedAt } });
      }
      break;
    case 'AdvanceFailed': {
      if (event.data.unbooked) break; // rejected before booking: its PaymentUnqueued told them
      const p = { advance: event.data.advance, failedAt: { instant: event.data.failedAt } };
      for (const r of lawyer()) tell(r, 'advance-failed', p);
      tell(staff('fund-finance'), 'advance-failed-finance', p);
      break;
    }
    case 'PaymentUnqueued': {
      // A cancelled run or a voided payment is the fund's own doing; a rejection is the bank's news.
      if (event.data.reason !== 'rejected-by-bank') break;
      const p = { kind: event.data.payment.kind, payment: event.data.payment.number };
      for (const r of lawyer()) tell(r, 'payment-rejected', p);
      tell(staff('fund-finance'), 'payment-rejected-finance', { ...p, endToEndId: event.data.endToEndId ?? '-' });
      break;
    }
    case 'PersonalDataErased':
      tell(staff('dpo'), 'erasure-completed', { erasedAt: { instant: event.data.erasedAt } });
      break;
    case 'CoCounselAdded':
      tell(userRecipient(event.data.lawyer), 'claim-assigned', { as: { code: 'co-counsel' } });
      break;
    case 'ClaimHandedOver':
      tell(userRecipient(event.data.to), 'claim-assigned', { as: { code: 'lead' } });
      tell(userRecipient(event.data.from), 'claim-handed-over', { handedOverAt: { instant: event.data.handedOverAt } });
      break;
    case 'PayeeChangeRequested':
      for (const r of lawyer()) tell(r, 'payee-change-requested', { change: event.data.change });
      tell(staff('fund-finance'), 'payee-change-requested', { change: event.data.change });
      break;
    case 'PayeeChangeConfirmed':
      for (const r of lawyer()) tell(r, 'payee-change-confirmed', { change: event.data.change, confirmedAt: { instant: event.data.confirmedAt } });
      break;
    case 'PayeeChangeRejected':
      for (const r of lawyer()) tell(r, 'payee-change-rejected', { change: event.data.change, rejectedAt: { instant: event.data.rejectedAt } });
      break;
    case 'AssessorAssigned':
      // An assessor who took the claim knows it already.
      if (!event.data.taken) tell(userRecipient(event.data.assessor), 'claim-assigned', { as: { code: 'assessor' } });
      break;
    case 'InformationRequested':
      for (const r of lawyer()) tell(r, 'information-requested', { request: event.data.request, dueOn: { date: event.data.dueOn } });
      break;
    case 'InformationRequestWithdrawn':
      for (const r of lawyer()) tell(r, 'information-request-withdrawn', { request: event.data.request });
      break;
    case 'InformationRequestAnswered': {
      const asked = before.openRequests.find((r) => r.request === event.data.request);
      if (asked) {
        tell(userRecipient(asked.requestedBy), 'information-request-answered', {
          request: event.data.request, answeredAt: { instant: event.data.answeredAt }, late: { code: event.data.late ? 'late' : 'in-time' },
          documents: event.data.documentIds.length,
        });
      }
      break;
    }
    default:
      break;
  }
  return out;
}
