import type { Jurisdiction } from '@cfund/contracts';
import type { Recipient } from './recipients.js';
import type { Params, Topic } from './topics.js';

/**
 * Something one recipient must learn, before channels are chosen. `sourceId` (an event id, or
 * a reminder's id) and the recipient determine the notification ids: the same source never
 * notifies the same recipient twice on one channel.
 */
export interface NotificationIntent {
  sourceId: string;
  topic: Topic;
  recipient: Recipient;
  params: Params;
  /** When it happened (the event's instant, or the reminder's due instant), ISO 8601 UTC. */
  occurredAt: string;
  claimId?: string;
  publicReference?: string;
  jurisdiction?: Jurisdiction;
  /** IANA zone in which dates and instants are shown (the scheme's). */
  timeZone: string;
  /** The scheme's language: the recipient's when they chose none (see the notifier's `localeOf`). */
  language?: string;
  /** Only the inbox (e.g. telling a webhook's owner that it was disabled). */
  inboxOnly?: boolean;
}
