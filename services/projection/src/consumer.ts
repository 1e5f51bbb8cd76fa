/**
 * The projection's NATS consumer: a durable (`projection`, or PROJECTION_DURABLE: one per
 * instance, as each keeps its own read model) on every event (`cfund.events.>`), handing each
 * envelope to the runner. consumeEvents (@cfund/messaging) acks after the handler
 * resolves, i.e. after the SQLite commit, naks when it throws, and dead-letters after maxDeliver;
 * a message the relay did not sign is dead-lettered and counted without reaching the runner.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { consumeEvents, messagingSettings, type EventConsumer, type EventSigningKeys } from '@cfund/messaging';
import type { ProjectionMetrics } from './metrics.js';
import type { ProjectionRunner } from './read-model/runner.js';

export const PROJECTION_DURABLE = 'projection';
export const PROJECTION_FILTER = 'cfund.events.>';

export async function startProjectionConsumer(options: {
  nc: NatsConnection; runner: ProjectionRunner; metrics: ProjectionMetrics;
  /** The durable's name (default PROJECTION_DURABLE): one per read model. */
  durable?: string;
  /** The relay's signing key (eventSigningKey): unsigned messages are dead-lettered, never applied. */
  signingKey: EventSigningKeys;
  logger?: Logger; maxDeliver?: number; ackWaitMs?: number; stallAfterMs?: number;
  nakDelayMs?: (attempt: number) => number;
  /** NATS_STREAM_REPLICAS. */
  replicas?: number;
}): Promise<EventConsumer> {
  const consumer = await consumeEvents({
    nc: options.nc,
    signingKey: options.signingKey,
    durable: options.durable ?? PROJECTION_DURABLE,
    filterSubject: PROJECTION_FILTER,
    // The runner puts each stream in order (OrderedApplier): several events may be in flight.
    inFlight: messagingSettings.consumer.orderedInFlight,
    handle: async (envelope) => { await options.runner.handle(envelope); },
    onDeadLetter: (letter) => (letter.reason === 'unverified' ? options.metrics.unverifiedEvents : options.metrics.deadLetters).inc(),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.maxDeliver !== undefined ? { maxDeliver: options.maxDeliver } : {}),
    ...(options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {}),
    ...(options.nakDelayMs ? { nakDelayMs: options.nakDelayMs } : {}),
    ...(options.stallAfterMs !== undefined ? { stallAfterMs: options.stallAfterMs } : {}),
    ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
  });
  options.metrics.lagSource = consumer;
  return consumer;
}

/**
 * The /ready check of the consumer: fails while it is stalled (events pending, none applied for
 * its stall time, or its loop ended), except during a rebuild, which holds it back on purpose
 * while queries go on.
 */
export function consumerReadyCheck(consumer: () => EventConsumer | undefined, runner: ProjectionRunner): () => Promise<boolean> {
  return async () => runner.isRebuilding || (await consumer()?.stalled()) === undefined;
}
