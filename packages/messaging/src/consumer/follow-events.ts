/**
 * followEvents: reads CFUND_EVENTS from a sequence its caller keeps (with its own state, so that
 * the two cannot disagree), through an ordered consumer of its own: no acknowledgements, no
 * server-side position, and a consumer the server deletes soon after the follower stopped (the
 * services' NATS users may not delete consumers, and nats.js's ordered consumer keeps its own for
 * 5 minutes after a start from a sequence or a loss). A consumer whose commits a power loss may roll back replays from the sequence that
 * survived, and one that only needs to fold what others recorded follows from where it stopped.
 * Only envelopes the relay signed are handed on; anything else is skipped with a log line (the
 * durable consumers dead-letter it: one record of it is enough).
 */
import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, nuid, type ConsumerMessages, type NatsConnection } from 'nats';
import { pino, type Logger } from 'pino';
import { decodeEnvelope, type EventEnvelope } from '../envelope.js';
import { EventHeaders } from '../headers.js';
import { EVENTS_STREAM, messagingSettings } from '../settings.js';
import { hasValidSignature, type EventSigningKeys } from '../signature.js';

export interface FollowEventsOptions {
  nc: NatsConnection;
  /** e.g. `cfund.events.claim.>`; default every event. One subject (nats-server 2.9). */
  filterSubject?: string;
  /** The first sequence of CFUND_EVENTS wanted: the one after the last the caller kept (1: from the start). */
  fromSequence: number;
  /** The relay's key (eventSigningKeys): an unsigned or altered message is never handed on. */
  signingKey: EventSigningKeys;
  /**
   * Which event types are wanted, by the message's `Cfund-Type` header, before its signature is
   * checked (an unwanted one costs no HMAC); default all. The type handed on is the signed one.
   */
  wants?: (type: string) => boolean;
  /** Called one message at a time, in sequence order; a throw ends the follower (`done` rejects). */
  handle: (envelope: EventEnvelope, sequence: number) => void | Promise<void>;
  logger?: Logger;
  /**
   * How long the server keeps its consumer after its last pull request (default
   * `messagingSettings.follower.inactiveThresholdMs`); longer than a pull request's life.
   */
  inactiveThresholdMs?: number;
}

export interface EventFollower {
  /** Resolves once every message in the stream when following began was handled (or skipped). */
  readonly caughtUp: Promise<void>;
  /** Resolves when the follower ends after `stop()`; rejects with a handler's or the connection's error. */
  readonly done: Promise<void>;
  /** Stops after the message in hand. */
  stop(): Promise<void>;
}

function envelopeOf(body: Uint8Array): EventEnvelope | undefined {
  try {
    return decodeEnvelope(body);
  } catch {
    return undefined;
  }
}

export async function followEvents(options: FollowEventsOptions): Promise<EventFollower> {
  const logger = options.logger ?? pino({ enabled: false });
  const wants = options.wants ?? (() => true);
  const { pullExpiresMs } = messagingSettings.consumer;
  const inactiveThresholdMs = options.inactiveThresholdMs ?? messagingSettings.follower.inactiveThresholdMs;
  if (inactiveThresholdMs <= pullExpiresMs) {
    throw new RangeError(`a follower's inactive threshold (${inactiveThresholdMs} ms) must exceed the life of its pull requests (${pullExpiresMs} ms): the server would delete a live consumer`);
  }
  const jsm = await options.nc.jetstreamManager();
  const { state } = await jsm.streams.info(EVENTS_STREAM);
  const lastAtStart = state.last_seq;
  let reached!: () => void;
  const caughtUp = new Promise<void>((resolve) => { reached = resolve; });
  if (options.fromSequence > lastAtStart) reached();

  const namePrefix = nuid.next();
  let serial = 0;
  /** The next sequence to read: the one after the last handed on or skipped. */
  let next = Math.max(1, options.fromSequence);
  let stopping = false;

  /**
   * A consumer from `next`, with an ordered consumer's settings (in memory, one replica, no
   * acks, each message delivered once), and its pull requests. The server deletes it once no
   * pull request came for the threshold and none waits with a listener (nats-server 2.9.10,
   * `deleteNotActive`): never while this pulls, idle or not.
   */
  const open = async (): Promise<ConsumerMessages> => {
    const info = await jsm.consumers.add(EVENTS_STREAM, {
      name: `${namePrefix}_${++serial}`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: next,
      ack_policy: AckPolicy.None,
      max_deliver: 1,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(inactiveThresholdMs),
      ...(options.filterSubject ? { filter_subject: options.filterSubject } : {}),
    });
    // Nothing of the filter left to read: the consumer's pending count says so at its creation.
    if (info.num_pending === 0) reached();
    const consumer = await options.nc.jetstream().consumers.get(EVENTS_STREAM, info.name);
    const messages = await consumer.consume({ max_messages: messagingSettings.follower.maxMessages, expires: pullExpiresMs });
    // A consumer lost on the server (deleted, or in memory on a node that restarted): end these
    // pulls, and the loop below makes another from where it was.
    void (async () => {
      for await (const status of await messages.status()) {
        if (status.type === ConsumerEvents.ConsumerNotFound || status.type === ConsumerEvents.ConsumerDeleted) {
          logger.warn({ consumer: info.name }, 'the follower\'s consumer is gone from the server: making another');
          messages.stop();
        }
      }
    })().catch(() => undefined); // its statuses end with the pulls: nothing to report
    return messages;
  };

  /** Another consumer after a loss or a gap, retried every second while NATS answers no; undefined once stopping. */
  const reopen = async (): Promise<ConsumerMessages | undefined> => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        return await open();
      } catch (error) {
        if (options.nc.isClosed()) throw error;
        if (attempt === 1) logger.warn({ err: error }, 'cannot make the follower\'s consumer again: retrying every second');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    return undefined;
  };

  let messages: ConsumerMessages | undefined = await open();
  const done = (async () => {
    try {
      while (messages && !stopping) {
        let delivered = 0;
        for await (const msg of messages) {
          if (stopping) break;
          // A message missed (e.g. across a reconnection): start again after the last one read.
          if (msg.info.deliverySequence !== ++delivered) break;
          const type = msg.headers?.get(EventHeaders.type) ?? '';
          if (wants(type)) {
            const envelope = hasValidSignature(options.signingKey, msg.data, msg.headers) ? envelopeOf(msg.data) : undefined;
            if (envelope) await options.handle(envelope, msg.seq);
            else logger.error({ eventsSequence: msg.seq, subject: msg.subject }, 'a message without a valid relay signature, or not an envelope: skipped');
          }
          next = msg.seq + 1;
          if (msg.seq >= lastAtStart || msg.info.pending === 0) reached();
        }
        messages.stop();
        if (stopping) break;
        if (options.nc.isClosed()) throw new Error('the NATS connection closed');
        messages = await reopen();
      }
    } finally {
      messages?.stop();
      reached();
    }
  })();
  // Observed by the caller through `done`; never an unhandled rejection meanwhile.
  done.catch(() => undefined);
  return {
    caughtUp,
    done,
    async stop() {
      stopping = true;
      messages?.stop();
      await done.catch(() => undefined);
    },
  };
}
