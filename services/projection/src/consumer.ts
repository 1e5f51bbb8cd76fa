/**
 * The projection's NATS consumer: the durable `projection` on every event (`cfund.events.>`),
 * handing each envelope to the runner. consumeEvents (@cfund/messaging) acks after the handler
 * resolves, i.e. after the SQLite commit, naks when it throws, and dead-letters after maxDeliver.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { consumeEvents, type EventConsumer } from '@cfund/messaging';
import type { ProjectionMetrics } from './metrics.js';
import type { ProjectionRunner } from './read-model/runner.js';

export const PROJECTION_DURABLE = 'projection';
export const PROJECTION_FILTER = 'cfund.events.>';

export async function startProjectionConsumer(options: {
  nc: NatsConnection; runner: ProjectionRunner; metrics: ProjectionMetrics; logger?: Logger; maxDeliver?: number; ackWaitMs?: number;
  nakDelayMs?: (attempt: number) => number;
}): Promise<EventConsumer> {
  const consumer = await consumeEvents({
    nc: options.nc,
    durable: PROJECTION_DURABLE,
    filterSubject: PROJECTION_FILTER,
    handle: async (envelope) => { await options.runner.handle(envelope); },
    onDeadLetter: () => options.metrics.deadLetters.inc(),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.maxDeliver !== undefined ? { maxDeliver: options.maxDeliver } : {}),
    ...(options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {}),
    ...(options.nakDelayMs ? { nakDelayMs: options.nakDelayMs } : {}),
  });
  options.metrics.lagSource = consumer;
  return consumer;
}
