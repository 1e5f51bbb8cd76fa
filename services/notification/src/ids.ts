/**
 * A notification's id is a function of (source, recipient, channel): the same event (or
 * reminder) redelivered, replayed or reprocessed after a restart yields the same ids, and the
 * event store refuses a second `NotificationIssued` for one id (its stream must not exist yet).
 */
import { deterministicUuid } from '@cfund/eventstore';

/** `inbox`, `email`, or `webhook:<webhook id>`. */
export type Channel = string;

export const notificationId = (sourceId: string, recipientKey: string, channel: Channel): string =>
  deterministicUuid('cfund-notification', sourceId, recipientKey, channel);
