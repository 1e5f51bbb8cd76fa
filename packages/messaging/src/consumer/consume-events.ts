/**
 * consumeEvents: a durable pull consumer on CFUND_EVENTS that hands one envelope at a time, in
 * stream order, to an async handler; ack on success, nak with a growing delay on a throw, and
 * after maxDeliver attempts a dead letter, then term.
 */
import { AckPolicy, DeliverPolicy, ReplayPolicy, headers as natsHeaders, nanos, type ConsumerConfig, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { pino, type Logger } from 'pino';
import { decodeEnvelope, type EventEnvelope } from '../envelope.js';
import { DeadLetterHeaders, headerValue } from '../headers.js';
import { EVENTS_STREAM, messagingSettings } from '../settings.js';
import { ensureDeadLettersStream, ensureEventsStream } from '../streams.js';
import { hasValidSignature, UnverifiedEventError, type EventSigningKeys } from '../signature.js';
import { deadLetterSubject } from '../subjects.js';

export interface DeadLetter {
  consumer: string;
  /**
   * `unverified`: not signed by the relay (forged or altered), never handed to `handle`;
   * `malformed`: signed but not an envelope; `failed`: `handle` failed every attempt.
   */
  reason: 'unverified' | 'malformed' | 'failed';
  /** Undefined when the message body was not an envelope. */
  envelope?: EventEnvelope;
  subject: string;
  /** Sequence of the message in CFUND_EVENTS. */
  eventsSequence: number;
  attempts: number;
  error: unknown;
}

export interface ConsumeEventsOptions {
  nc: NatsConnection;
  /** Durable consumer name; keeps its position across restarts. No `.`, `*`, `>` or whitespace. */
  durable: string;
  /** e.g. `cfund.events.claim.>`; default every event. One subject (nats-server 2.9). */
  filterSubject?: string;
  /**
   * Key of the relay's Cfund-Signature (eventSigningKey): a message without a valid one is
   * dead-lettered at once and never handed to `handle`, so it can neither change the consumer's
   * state nor take the place of the genuine event.
   */
  signingKey: EventSigningKeys;
  /**
   * Must be idempotent: an event can arrive twice (redelivery, relay failover). `sequence` is the
   * message's in CFUND_EVENTS (a consumer may keep it to replay from with followEvents).
   */
  handle: (envelope: EventEnvelope, attempt: number, sequence: number) => Promise<void>;
  logger?: Logger;
  /** Called once a message was dead-lettered (e.g. to count it in metrics). */
  onDeadLetter?: (deadLetter: DeadLetter) => void;
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Override of messagingSettings.consumer nak delays (tests). */
  nakDelayMs?: (attempt: number) => number;
  /** Override of messagingSettings.consumer.stallAfterMs. */
  stallAfterMs?: number;
  /**
   * Messages delivered ahead of the one in hand (the server's max_ack_pending; default 1). They
   * are still handled one at a time in delivery order, and acked without waiting for the server's
   * answer; but a nak'd message comes back after later ones, so a handler taking more than one
   * must put each stream in order itself (OrderedApplier).
   */
  inFlight?: number;
  /** Replicas of CFUND_EVENTS and CFUND_DEAD_LETTERS if this consumer creates or aligns them (NATS_STREAM_REPLICAS). */
  replicas?: number;
}

export interface EventConsumer {
  /** Stops pulling, lets the message in hand finish (ack/nak), and returns. */
  stop(): Promise<void>;
  /** Messages not yet acknowledged by this consumer, and when it last got one. */
  lag(): Promise<{ pending: number; lastDeliveredAt?: Date }>;
  /**
   * Why the consumer makes no progress, for /ready: its loop ended on an error, or messages are
   * pending and none was settled for stallAfterMs. Undefined while it works or has nothing to do.
   */
  stalled(): Promise<string | undefined>;
}

function defaultNakDelay(attempt: number): number {
  const { nakDelayBaseMs, nakDelayMaxMs } = messagingSettings.consumer;
  return Math.min(nakDelayBaseMs * 2 ** Math.max(0, attempt - 1), nakDelayMaxMs);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Creates the durable consumer, or aligns the mutable settings of an existing one. */
async function ensureDurable(jsm: JetStreamManager, wanted: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  let existing: ConsumerConfig | undefined;
  try {
    existing = (await jsm.consumers.info(EVENTS_STREAM, wanted.durable_name)).config;
  } catch (error) {
    const e = error as { api_error?: { err_code?: number }; message?: string };
    if (e?.api_error?.err_code !== 10014 && !/consumer not found/i.test(e?.message ?? '')) throw error;
  }
  if (!existing) {
    await jsm.consumers.add(EVENTS_STREAM, wanted);
    return;
  }
  if ((existing.filter_subject ?? '') !== (wanted.filter_subject ?? '')) {
    throw new Error(
      `consumer ${wanted.durable_name} exists with filter "${existing.filter_subject ?? ''}", not "${wanted.filter_subject ?? ''}": delete it or use another durable name`,
    );
  }
  if (existing.ack_wait !== wanted.ack_wait || existing.max_deliver !== wanted.max_deliver || existing.max_ack_pending !== wanted.max_ack_pending) {
    await jsm.consumers.update(EVENTS_STREAM, wanted.durable_name, {
      ack_wait: wanted.ack_wait,
      max_deliver: wanted.max_deliver,
      max_ack_pending: wanted.max_ack_pending,
    });
  }
}

export async function consumeEvents(options: ConsumeEventsOptions): Promise<EventConsumer> {
  const { nc, durable, handle } = options;
  if (!/^[^.*>\s]+$/.test(durable)) throw new Error(`invalid durable consumer name "${durable}"`);
  const settings = messagingSettings.consumer;
  const maxDeliver = options.maxDeliver ?? settings.maxDeliver;
  const inFlight = Math.max(1, options.inFlight ?? settings.maxAckPending);
  const ackWaitMs = options.ackWaitMs ?? settings.ackWaitMs;
  const nakDelay = options.nakDelayMs ?? defaultNakDelay;
  const logger = (options.logger ?? pino({ enabled: false })).child({ consumer: durable });

  const jsm = await nc.jetstreamManager();
  const placement = options.replicas !== undefined ? { replicas: options.replicas } : {};
  await ensureEventsStream(jsm, placement);
  await ensureDeadLettersStream(jsm, placement);
  await ensureDurable(jsm, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(ackWaitMs),
    max_deliver: settings.serverMaxDeliver,
    max_ack_pending: inFlight,
    ...(options.filterSubject ? { filter_subject: options.filterSubject } : {}),
  });
  const js = nc.jetstream();
  const consumer = await js.consumers.get(EVENTS_STREAM, durable);

  let stopping = false;
  let lastDeliveredAt: Date | undefined;
  const stallAfterMs = options.stallAfterMs ?? settings.stallAfterMs;
  /** When a message was last settled (or the consumer started): its progress. */
  let lastSettledAt = performance.now();
  let loopError: string | undefined;

  const deadLetter = async (msg: JsMsg, attempts: number, error: unknown, reason: DeadLetter['reason'], envelope?: EventEnvelope): Promise<void> => {
    const h = natsHeaders();
    if (msg.headers) for (const [key, values] of msg.headers) for (const value of values) h.append(key, value);
    h.set('Nats-Msg-Id', `${durable}:${msg.seq}`);
    h.set(DeadLetterHeaders.consumer, durable);
    h.set(DeadLetterHeaders.attempts, String(attempts));
    h.set(DeadLetterHeaders.error, headerValue(describeError(error)));
    h.set(DeadLetterHeaders.originalSubject, msg.subject);
    h.set(DeadLetterHeaders.eventsSequence, String(msg.seq));
    await js.publish(deadLetterSubject(durable), msg.data, { headers: h, msgID: `${durable}:${msg.seq}` });
    // Ids only: the error message is ours, the event data may hold (encrypted) personal data.
    logger.error(
      { eventsSequence: msg.seq, subject: msg.subject, eventId: envelope?.eventId, streamId: envelope?.streamId, attempts, reason, error: describeError(error) },
      'event dead-lettered',
    );
    options.onDeadLetter?.({ consumer: durable, reason, subject: msg.subject, eventsSequence: msg.seq, attempts, error, ...(envelope ? { envelope } : {}) });
  };

  /**
   * Runs the handler (and a dead-letter publish if it comes to that) and returns how to settle
   * the message: ack, nak with a delay, or term. The caller settles after deciding whether to stop.
   */
  const processOne = async (msg: JsMsg): Promise<() => Promise<void>> => {
    const attempt = msg.info.deliveryCount;
    if (!hasValidSignature(options.signingKey, msg.data, msg.headers)) {
      // Not what the relay read from the event store: neither retried nor handled.
      await deadLetter(msg, attempt, new UnverifiedEventError(), 'unverified');
      return async () => msg.term();
    }
    let envelope: EventEnvelope;
    try {
      envelope = decodeEnvelope(msg.data);
    } catch (error) {
      // Retrying cannot make a malformed body valid.
      await deadLetter(msg, attempt, error, 'malformed');
      return async () => msg.term();
    }
    let failure: unknown;
    if (attempt > maxDeliver) {
      // The handler already had its attempts (the process likely died during the last one).
      failure = new Error(`delivered ${attempt} times, more than maxDeliver ${maxDeliver}`);
    } else {
      const keepAlive = setInterval(() => msg.working(), Math.max(500, Math.floor(ackWaitMs / 3)));
      try {
        await handle(envelope, attempt, msg.seq);
      } catch (error) {
        failure = error ?? new Error('handler threw');
      } finally {
        clearInterval(keepAlive);
      }
      if (failure === undefined) {
        // Several in flight: no round trip per message (a lost ack is a redelivery, skipped as a
        // duplicate); the last one before a stop is confirmed, so a successor starts after it.
        return async () => {
          if (inFlight > 1 && !stopping) msg.ack();
          else await msg.ackAck();
        };
      }
    }
    if (attempt >= maxDeliver) {
      await deadLetter(msg, attempt, failure, 'failed', envelope);
      // No reason string: nats-server 2.9 ignores a `+TERM <reason>` (2.10 syntax) and would redeliver.
      return async () => msg.term();
    }
    const delay = nakDelay(attempt);
    logger.warn({ eventsSequence: msg.seq, eventId: envelope.eventId, streamId: envelope.streamId, attempt, delayMs: delay, error: describeError(failure) }, 'event handler failed; redelivery scheduled');
    return async () => msg.nak(delay);
  };

  // One long-lived pull subscription (no per-pull client timeout that could drop a message in
  // flight); max_ack_pending on the server bounds the messages delivered ahead.
  const messages = await consumer.consume({ max_messages: inFlight, expires: settings.pullExpiresMs });
  let busy = false;
  let pullsEnded = false;
  const endPulls = () => {
    if (!pullsEnded) messages.stop();
    pullsEnded = true;
  };
  const loop = (async () => {
    for await (const msg of messages) {
      if (stopping) {
        // Delivered ahead or after stop(): give it back at once instead of holding it for the
        // ack wait; the iteration ends after what was delivered.
        msg.nak();
        continue;
      }
      busy = true;
      lastDeliveredAt = new Date();
      let settle: () => Promise<void>;
      try {
        settle = await processOne(msg);
      } catch (error) {
        // e.g. the dead-letter publish failed: leave the message to be redelivered.
        logger.error({ eventsSequence: msg.seq, error: describeError(error) }, 'event processing failed; left for redelivery');
        settle = async () => msg.nak(nakDelay(msg.info.deliveryCount));
      }
      // Stopping: drop our pull request before settling, so the server (which sees no interest
      // left) delivers the next message to whoever consumes next, not to this closing inbox.
      if (stopping) endPulls();
      try {
        await settle();
        lastSettledAt = performance.now();
      } catch (error) {
        logger.error({ eventsSequence: msg.seq, error: describeError(error) }, 'could not settle the message; the ack wait redelivers it');
      }
      busy = false;
      if (stopping) endPulls();
    }
  })().catch((error: unknown) => {
    loopError = describeError(error);
    logger.error({ error: loopError }, 'consumer stopped on an error');
  });

  const lag = async () => {
    const info = await consumer.info();
    return { pending: info.num_pending + info.num_ack_pending, ...(lastDeliveredAt ? { lastDeliveredAt } : {}) };
  };

  return {
    async stop() {
      stopping = true;
      if (!busy) endPulls();
      await loop;
    },
    lag,
    async stalled() {
      if (loopError !== undefined) return `stopped on an error: ${loopError}`;
      if (stopping) return undefined;
      const idleMs = performance.now() - lastSettledAt;
      if (idleMs < stallAfterMs) return undefined;
      // Only now ask the server: a consumer with nothing to do is idle, not stalled.
      const { pending } = await lag();
      return pending > 0 ? `${pending} events pending, none settled for ${Math.round(idleMs / 1000)} s` : undefined;
    },
  };
}
