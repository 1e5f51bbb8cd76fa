/** What a notification is about. Each topic has a template in every locale (English at least). */
import type { Money } from '@cfund/contracts';

export const TOPICS = [
  // the claim's lawyer
  'claim-assessed', 'award-approved', 'award-rejected', 'decision-notified', 'payout-scheduled', 'payout-disbursed',
  'payout-failed', 'advance-disbursed', 'advance-failed', 'payment-rejected', 'appeal-decided', 'deadline-approaching', 'deadline-missed', 'claim-handed-over',
  'payee-change-requested', 'payee-change-confirmed', 'payee-change-rejected',
  'information-requested', 'information-request-withdrawn',
  // whoever is assigned to a claim (lawyer or assessor)
  'claim-assigned',
  // the assessor who asked
  'information-request-answered',
  // fund staff of the jurisdiction
  'application-submitted', 'assessment-awaiting-approval', 'second-approval-needed', 'instalments-scheduled',
  'instalment-due', 'payout-failed-finance', 'advance-failed-finance', 'payment-rejected-finance', 'appeal-filed',
  // the dpo
  'erasure-completed',
  // the owner of a webhook
  'webhook-disabled',
] as const;
export type Topic = (typeof TOPICS)[number];

export const isTopic = (s: string): s is Topic => (TOPICS as readonly string[]).includes(s);

/**
 * A template parameter. Dates and instants are formatted in the scheme's time zone and the
 * recipient's locale; codes (an appeal outcome, a deadline kind) are translated by the locale.
 * Never personal data: only ids, public references, amounts, dates and codes.
 */
export type ParamValue = string | number | { date: string } | { instant: string } | { money: Money } | { code: string };
export type Params = Record<string, ParamValue>;
