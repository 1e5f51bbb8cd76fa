/**
 * The notification service's NATS side: the durable consumer (default `notification`) on claim
 * events, handing each envelope and its sequence to the notifier (a message the relay did not
 * sign is dead-lettered and counted without reaching it; the pending count feeds the metrics);
 * and the reads it positions itself, from sequences kept in SQLite: the replay of claim events
 * at start (Notifier.catchUp) and the shared state's follower. Nothing here reads the event
 * store's `$all`.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { STREAM_CATEGORIES } from '@cfund/contracts';
import { consumeEvents, followEvents, messagingSettings, subjectsOfCategory, type EventConsumer, type EventSigningKeys } from '@cfund/messaging';
import type { NotificationMetrics } from './metrics.js';
import type { ClaimEventReplay, Notifier } from './notifier.js';
import { isSharedEventType, type SharedEventFollow } from './shared-state.js';

export const NOTIFICATION_FILTER = subjectsOfCategory(STREAM_CATEGORIES.claim);

/** The sending lease (messaging's Lease): the KV bucket and key its holder keeps. */
export const NOTIFICATION_LEASE = { bucket: 'CFUND_NOTIFICATION_LEASE', key: 'sender' } as const;

export interface NotificationConsumer extends EventConsumer {
  /** Also stops the metrics timer. */
  stop(): Promise<void>;
}

export async function startNotificationConsumer(options: {
  nc: NatsConnection; notifier: Notifier; metrics: NotificationMetrics; durable: string;
  /** The relay's signing key (eventSigningKey). */
  signingKey: EventSigningKeys;
  logger?: Logger; ackWaitMs?: number; stallAfterMs?: number;
  /** NATS_STREAM_REPLICAS. */
  replicas?: number;
}): Promise<NotificationConsumer> {
  const consumer = await consumeEvents({
    nc: options.nc,
    durable: options.durable,
    filterSubject: NOTIFICATION_FILTER,
    signingKey: options.signingKey,
    // The notifier puts each claim's events in order (OrderedApplier): several may be in flight.
    inFlight: messagingSettings.consumer.orderedInFlight,
    handle: (envelope, _attempt, sequence) => options.notifier.handle(envelope, sequence),
    onDeadLetter: (letter) => { if (letter.reason === 'unverified') options.metrics.unverifiedEvents.inc(); },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {}),
    ...(options.stallAfterMs !== undefined ? { stallAfterMs: options.stallAfterMs } : {}),
    ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
  });
  const lagTimer = setInterval(() => {
    consumer.lag().then((l) => options.metrics.consumerPending.set(l.pending), () => undefined);
  }, 5000);
  lagTimer.unref();
  return {
    ...consumer,
    async stop() {
      clearInterval(lagTimer);
      await consumer.stop();
    },
  };
}

/** The /ready check of the consumer: fails while it is stalled (events pending and none handled for its stall time, or its loop ended). */
export function consumerReadyCheck(consumer: () => EventConsumer | undefined): () => Promise<boolean> {
  return async () => (await consumer()?.stalled()) === undefined;
}

/** The reads of CFUND_EVENTS that the service positions itself (buildApp's `events`). */
export interface NotificationEvents {
  replayClaimEvents: ClaimEventReplay;
  followShared: SharedEventFollow;
}

/**
 * Both through messaging's followEvents (an ordered consumer, only what the relay signed). The
 * shared state follows every subject, keeping its types by header: they live in three categories
 * (webhook-, notification-, notificationsettings-) and nats-server 2.9 takes one filter per
 * consumer, and one follower keeps their `$all` order (a retry's WebhookEnabled before its
 * NotificationDeliveryRetried).
 */
export function notificationEvents(nc: NatsConnection, signingKey: EventSigningKeys, logger?: Logger): NotificationEvents {
  const common = { nc, signingKey, ...(logger ? { logger } : {}) };
  return {
    async replayClaimEvents(fromSequence, handle) {
      const follower = await followEvents({ ...common, filterSubject: NOTIFICATION_FILTER, fromSequence, handle });
      // Whichever comes first: caught up (then stop after the message in hand), or a failure.
      await Promise.race([follower.caughtUp, follower.done]);
      await follower.stop();
      await follower.done;
    },
    followShared: (fromSequence, handle) => followEvents({ ...common, fromSequence, wants: isSharedEventType, handle }),
  };
}
