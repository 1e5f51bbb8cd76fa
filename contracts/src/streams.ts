import type { Jurisdiction } from './primitives.js';

/**
 * The names of the event store's streams, `<category>-<id>`: the one place a stream's prefix is
 * spelled. Everyone names a stream through these functions and reads one back through
 * `streamCategory` / `claimIdOfStream`; messaging derives an event's NATS subject from them.
 * (The idempotency records' streams, `idempotency-<hash>`, are named by @cfund/eventstore, which
 * knows no contracts.)
 */
export const STREAM_CATEGORIES = {
  /** A claim: its court and fund track (`claim-<claimId>`). */
  claim: 'claim',
  /** A fund year's ledger (`fund-<jurisdiction>-<year>`). */
  fund: 'fund',
  /** Reads of a claim's victim's personal data (`access-<claimId>`). */
  access: 'access',
  /** One notification's audit trail (`notification-<notificationId>`). */
  notification: 'notification',
  /** One webhook's registration and life (`webhook-<webhookId>`). */
  webhook: 'webhook',
  /** One user's notification settings: the language they chose (`notificationsettings-<sub>`). */
  notificationSettings: 'notificationsettings',
  /** One payment run: the payments collected for the bank, its release, or its cancellation (`paymentrun-<runId>`). */
  paymentRun: 'paymentrun',
  /** One imported bank statement (camt.053) of a fund account (`bankstatement-<sha256 of the file>`). */
  bankStatement: 'bankstatement',
} as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[keyof typeof STREAM_CATEGORIES];

const named = (category: StreamCategory, id: string): string => `${category}-${id}`;

export const claimStream = (claimId: string): string => named(STREAM_CATEGORIES.claim, claimId);
export const fundStream = (jurisdiction: Jurisdiction, year: number): string => named(STREAM_CATEGORIES.fund, `${jurisdiction}-${year}`);
export const accessStream = (claimId: string): string => named(STREAM_CATEGORIES.access, claimId);
export const notificationStream = (notificationId: string): string => named(STREAM_CATEGORIES.notification, notificationId);
export const webhookStream = (webhookId: string): string => named(STREAM_CATEGORIES.webhook, webhookId);
export const notificationSettingsStream = (userId: string): string => named(STREAM_CATEGORIES.notificationSettings, userId);
export const paymentRunStream = (runId: string): string => named(STREAM_CATEGORIES.paymentRun, runId);
export const bankStatementStream = (statementId: string): string => named(STREAM_CATEGORIES.bankStatement, statementId);

/** `claim-<uuid>` -> `claim`: the part before the first `-` (the whole name when it has none). */
export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

/** `claim-<uuid>` -> `<uuid>`: the part after the first `-` (empty when it has none). */
export function streamIdOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? '' : stream.slice(dash + 1);
}

/** The claim a claim stream records, or undefined for any other stream. */
export const claimIdOfStream = (stream: string): string | undefined =>
  (streamCategory(stream) === STREAM_CATEGORIES.claim ? streamIdOf(stream) : undefined);
