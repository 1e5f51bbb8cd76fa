/**
 * The notification service's NATS consumer: the durable (default `notification`) on claim
 * events, handing each envelope to the notifier. A message the relay did not sign is
 * dead-lettered and counted without reaching the notifier; the pending count feeds the metrics.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { STREAM_CATEGORIES } from '@cfund/contracts';
import { consumeEvents, messagingSettings, subjectsOfCategory, type EventConsumer, type EventSigningKeys } from '@cfund/messaging';
import type { NotificationMetrics } from './metrics.js';
import type { Notifier } from './notifier.js';

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
    handle: (envelope) => options.notifier.handle(envelope),
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
