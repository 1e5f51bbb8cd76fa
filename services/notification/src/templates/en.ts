/**
 * English templates: the reference locale, and the fallback for any text a locale lacks.
 * Placeholders are `{name}`; dates, instants and amounts are formatted by the renderer in the
 * scheme's time zone and the recipient's locale; `{code}` values are looked up in `codes`.
 * Claims are named by public reference and id only, never by the victim.
 */
import type { LocaleMessages } from './types.js';

export const EN: LocaleMessages = {
  locale: 'en',
  footer: 'Claim {publicReference} (id {claimId}). This message was sent by the compensation fund\'s case-management system.',
  codes: {
    eligible: 'eligible', ineligible: 'not eligible', late: 'after the deadline', 'in-time': 'in time',
    approved: 'an award', rejected: 'a rejection',
    upheld: 'upheld', increased: 'increased', reduced: 'reduced', remitted: 'sent back for a new assessment',
    lead: 'lead lawyer', 'co-counsel': 'co-counsel', assessor: 'assessor',
    'application-deadline': 'application to the fund', 'appeal-deadline': 'appeal against the decision',
    'information-request': 'answer to the fund\'s request for information',
  },
  topics: {
    'claim-assessed': {
      subject: 'Claim {publicReference} has been assessed',
      text: 'The fund has assessed claim {publicReference}: {eligibility}, recommended net award {recommendedNet}. The award now needs approval.',
    },
    'award-approved': {
      subject: 'Award approved for claim {publicReference}',
      text: 'The fund approved a net award of {netAward} for claim {publicReference}. The decision will be served; the appeal period starts on service.',
    },
    'award-rejected': {
      subject: 'Award rejected for claim {publicReference}',
      text: 'The fund rejected the award for claim {publicReference}. The decision can be appealed: the appeal period starts when the decision is served, and you will be told its last day. The reasons and the appeal instructions are in the decision.',
    },
    'decision-notified': {
      subject: 'Decision served for claim {publicReference}: appeal by {appealDeadline}',
      text: 'The fund\'s decision on claim {publicReference} ({decision}) was served on {servedAt}. The last day to appeal is {appealDeadline}. To appeal, file the appeal with its grounds on the claim (POST /claims/{claimId}/appeals) by the end of that day.',
    },
    'payout-scheduled': {
      subject: 'Payout scheduled for claim {publicReference}',
      text: 'The payout of {total} for claim {publicReference} is scheduled in {instalments} instalment(s), the first due on {firstDueOn}.',
    },
    'payout-disbursed': {
      subject: 'Instalment {instalment} paid for claim {publicReference}',
      text: 'Instalment {instalment} of {amount} for claim {publicReference} was paid on {disbursedAt}.',
    },
    'payout-failed': {
      subject: 'Payment of instalment {instalment} failed for claim {publicReference}',
      text: 'The payment of instalment {instalment} for claim {publicReference} failed on {failedAt}. The fund will pay it again; check that the payment details on file are correct.',
    },
    'appeal-decided': {
      subject: 'Appeal decided for claim {publicReference}',
      text: 'The appeal on claim {publicReference} was decided on {decidedOn}: {outcome}.',
    },
    'deadline-approaching': {
      subject: '{daysLeft} day(s) left: {deadlineKind} for claim {publicReference}',
      text: 'The deadline for the {deadlineKind} for claim {publicReference} is {deadline} ({daysLeft} day(s) left). It ends at midnight, local time.',
    },
    'deadline-missed': {
      subject: 'Deadline passed: {deadlineKind} for claim {publicReference}',
      text: 'The deadline for the {deadlineKind} for claim {publicReference} was {deadline} and has passed.',
    },
    'claim-assigned': {
      subject: 'You are assigned to claim {publicReference}',
      text: 'You are now the {as} of claim {publicReference}. It is in your work queue.',
    },
    'claim-handed-over': {
      subject: 'Claim {publicReference} was handed over',
      text: 'Claim {publicReference} was handed over to another lawyer on {handedOverAt}. You no longer act on it.',
    },
    'information-requested': {
      subject: 'Information requested for claim {publicReference}: answer by {dueOn}',
      text: 'The fund\'s assessor asks for information or documents on claim {publicReference} (request {request}). The last day to answer is {dueOn}. The claim\'s assessment waits for the answer. Read the request on the claim and answer it there (POST /claims/{claimId}/information-requests/{request}/answer).',
    },
    'information-request-withdrawn': {
      subject: 'Request for information withdrawn: claim {publicReference}',
      text: 'The fund\'s assessor withdrew request {request} on claim {publicReference}: it needs no answer.',
    },
    'information-request-answered': {
      subject: 'Request for information answered: claim {publicReference}',
      text: 'Request {request} on claim {publicReference} was answered on {answeredAt} ({late}, {documents} document(s)). The assessment can proceed once no request is open.',
    },
    'application-submitted': {
      subject: 'New fund application: claim {publicReference}',
      text: 'Claim {publicReference} applied to the fund ({late}; deadline {deadline}). It awaits assessment.',
    },
    'assessment-awaiting-approval': {
      subject: 'Assessment awaiting approval: claim {publicReference}',
      text: 'Claim {publicReference} was assessed ({eligibility}, recommended net award {recommendedNet}) and awaits an approver\'s decision.',
    },
    'second-approval-needed': {
      subject: 'Second approval needed: claim {publicReference}',
      text: 'The award of {netAward} for claim {publicReference} has one approval and needs a second approver (not the first, nor the assessor).',
    },
    'instalments-scheduled': {
      subject: 'Instalments scheduled: claim {publicReference}',
      text: 'A payout of {total} in {instalments} instalment(s) is scheduled for claim {publicReference}; the first is due on {firstDueOn}.',
    },
    'instalment-due': {
      subject: 'Instalment {instalment} due today: claim {publicReference}',
      text: 'Instalment {instalment} of claim {publicReference} is due on {deadline}.',
    },
    'payout-failed-finance': {
      subject: 'Payout failed: instalment {instalment} of claim {publicReference}',
      text: 'The payment of instalment {instalment} of claim {publicReference} failed on {failedAt} and must be disbursed again.',
    },
    'appeal-filed': {
      subject: 'Appeal filed: claim {publicReference}',
      text: 'The decision on claim {publicReference} was appealed on {appealedAt}. The appeal awaits a decision.',
    },
    'erasure-completed': {
      subject: 'Erasure completed: claim {publicReference}',
      text: 'The victim\'s personal data for claim {publicReference} was erased on {erasedAt} (its data key destroyed). The procedural and financial record remains.',
    },
    'webhook-disabled': {
      subject: 'Webhook disabled after {failures} failed deliveries',
      text: 'Your webhook {webhookId} ({url}) was disabled after {failures} consecutive failed deliveries. Its failed deliveries are listed at GET /webhooks/{webhookId}/deliveries; retrying one (POST /webhooks/{webhookId}/deliveries/<notification id>/retry) enables it again.',
    },
  },
};
