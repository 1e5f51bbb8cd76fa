/**
 * English: the reference catalogue. Every other locale has exactly these message ids, with the
 * same placeholders (`checkCatalogues` of @cfund/i18n, run by the tests).
 * Produced by: the project's developers. Native-speaker review: not applicable (reference).
 *
 * ICU MessageFormat. `{name}` is a parameter; dates, instants and amounts arrive formatted in the
 * recipient's locale and the scheme's time zone; a `{ code }` parameter arrives as this
 * catalogue's `code.<value>` message. Claims are named by public reference and id only.
 */
export const EN = {
  footer: 'Claim {publicReference} (id {claimId}). This message was sent by the compensation fund\'s case-management system.',
  'footer.service': 'This message was sent by the compensation fund\'s case-management system.',

  'code.eligible': 'eligible',
  'code.ineligible': 'not eligible',
  'code.late': 'after the deadline',
  'code.in-time': 'in time',
  'code.approved': 'an award',
  'code.rejected': 'a rejection',
  'code.upheld': 'decision upheld',
  'code.increased': 'award increased',
  'code.reduced': 'award reduced',
  'code.remitted': 'sent back for a new assessment',
  'code.lead': 'lead lawyer',
  'code.co-counsel': 'co-counsel',
  'code.assessor': 'assessor',
  'code.application-deadline': 'application to the fund',
  'code.appeal-deadline': 'appeal against the decision',
  'code.instalment-due': 'instalment',

  'claim-assessed.subject': 'Claim {publicReference} has been assessed',
  'claim-assessed.text': 'The fund has assessed claim {publicReference}: {eligibility}, recommended net award {recommendedNet}. The award now needs approval.',
  'award-approved.subject': 'Award approved for claim {publicReference}',
  'award-approved.text': 'The fund approved a net award of {netAward} for claim {publicReference}. The decision will be served; the appeal period starts on service.',
  'award-rejected.subject': 'Award rejected for claim {publicReference}',
  'award-rejected.text': 'The fund rejected the award for claim {publicReference}. The decision can be appealed: the appeal period starts when the decision is served, and you will be told its last day. The reasons and the appeal instructions are in the decision.',
  'decision-notified.subject': 'Decision served for claim {publicReference}: appeal by {appealDeadline}',
  'decision-notified.text': 'The fund\'s decision on claim {publicReference} ({decision}) was served on {servedAt}. The last day to appeal is {appealDeadline}. To appeal, file the appeal with its grounds on the claim (POST /claims/{claimId}/appeals) by the end of that day.',
  'payout-scheduled.subject': 'Payout scheduled for claim {publicReference}',
  'payout-scheduled.text': 'The payout of {total} for claim {publicReference} is scheduled in {instalments, plural, one {# instalment} other {# instalments}}, the first due on {firstDueOn}.',
  'payout-disbursed.subject': 'Instalment {instalment} paid for claim {publicReference}',
  'payout-disbursed.text': 'Instalment {instalment} of {amount} for claim {publicReference} was paid on {disbursedAt}.',
  'payout-failed.subject': 'Payment of instalment {instalment} failed for claim {publicReference}',
  'payout-failed.text': 'The payment of instalment {instalment} for claim {publicReference} failed on {failedAt}. The fund will pay it again; check that the payment details on file are correct.',
  'appeal-decided.subject': 'Appeal decided for claim {publicReference}',
  'appeal-decided.text': 'The appeal on claim {publicReference} was decided on {decidedOn}: {outcome}.',
  'deadline-approaching.subject': '{daysLeft, plural, one {# day left} other {# days left}}: {deadlineKind} for claim {publicReference}',
  'deadline-approaching.text': 'The deadline for the {deadlineKind} for claim {publicReference} is {deadline} ({daysLeft, plural, one {# day left} other {# days left}}). It ends at midnight, local time.',
  'deadline-missed.subject': 'Deadline passed: {deadlineKind} for claim {publicReference}',
  'deadline-missed.text': 'The deadline for the {deadlineKind} for claim {publicReference} was {deadline} and has passed.',
  'claim-assigned.subject': 'You are assigned to claim {publicReference}',
  'claim-assigned.text': 'You are now the {as} of claim {publicReference}. It is in your work queue.',
  'claim-handed-over.subject': 'Claim {publicReference} was handed over',
  'claim-handed-over.text': 'Claim {publicReference} was handed over to another lawyer on {handedOverAt}. You no longer act on it.',
  'application-submitted.subject': 'New fund application: claim {publicReference}',
  'application-submitted.text': 'Claim {publicReference} applied to the fund ({late}; deadline {deadline}). It awaits assessment.',
  'assessment-awaiting-approval.subject': 'Assessment awaiting approval: claim {publicReference}',
  'assessment-awaiting-approval.text': 'Claim {publicReference} was assessed ({eligibility}, recommended net award {recommendedNet}) and awaits an approver\'s decision.',
  'second-approval-needed.subject': 'Second approval needed: claim {publicReference}',
  'second-approval-needed.text': 'The award of {netAward} for claim {publicReference} has one approval and needs a second approver (not the first, nor the assessor).',
  'instalments-scheduled.subject': 'Instalments scheduled: claim {publicReference}',
  'instalments-scheduled.text': 'A payout of {total} in {instalments, plural, one {# instalment} other {# instalments}} is scheduled for claim {publicReference}; the first is due on {firstDueOn}.',
  'instalment-due.subject': 'Instalment {instalment} due today: claim {publicReference}',
  'instalment-due.text': 'Instalment {instalment} of claim {publicReference} is due on {deadline}.',
  'payout-failed-finance.subject': 'Payout failed: instalment {instalment} of claim {publicReference}',
  'payout-failed-finance.text': 'The payment of instalment {instalment} of claim {publicReference} failed on {failedAt} and must be disbursed again.',
  'appeal-filed.subject': 'Appeal filed: claim {publicReference}',
  'appeal-filed.text': 'The decision on claim {publicReference} was appealed on {appealedAt}. The appeal awaits a decision.',
  'erasure-completed.subject': 'Erasure completed: claim {publicReference}',
  'erasure-completed.text': 'The victim\'s personal data for claim {publicReference} was erased on {erasedAt} (its data key destroyed). The procedural and financial record remains.',
  'webhook-disabled.subject': 'Webhook disabled after {failures, plural, one {# failed delivery} other {# failed deliveries}}',
  'webhook-disabled.text': 'Your webhook {webhookId} ({url}) was disabled after {failures, plural, one {# consecutive failed delivery} other {# consecutive failed deliveries}}. Its failed deliveries are listed at GET /webhooks/{webhookId}/deliveries; retrying one (POST /webhooks/{webhookId}/deliveries/<notification id>/retry) enables it again.',
} as const;

export type MessageId = keyof typeof EN;
