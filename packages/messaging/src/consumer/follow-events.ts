/**
 * followEvents: reads CFUND_EVENTS from a sequence its caller keeps (with its own state, so that
 * the two cannot disagree), through an ordered consumer: no acknowledgements, no server-side
 * position. A consumer whose commits a power loss may roll back replays from the sequence that
 * survived, and one that only needs to fold what others recorded follows from where it stopped.
 * Only envelopes the relay signed are handed on; anything else is skipped with a log line (the
 * durable consumers dead-letter it: one record of it is enough).
 */
import type { NatsConnection } from 'nats';
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
  const { state } = await (await options.nc.jetstreamManager()).streams.info(EVENTS_STREAM);
  const lastAtStart = state.last_seq;
  let reached!: () => void;
  const caughtUp = new Promise<void>((resolve) => { reached = resolve; });
  if (options.fromSequence > lastAtStart) reached();

  const consumer = await options.nc.jetstream().consumers.get(EVENTS_STREAM, {
    ...(options.filterSubject ? { filterSubjects: options.filterSubject } : {}),
    opt_start_seq: Math.max(1, options.fromSequence),
  });
  const messages = await consumer.consume({ max_messages: 256, expires: messagingSettings.consumer.pullExpiresMs });
  // Nothing of the filter left to read: the consumer's pending count says so at its creation.
  if ((await consumer.info(true)).num_pending === 0) reached();

  let stopping = false;
  const done = (async () => {
    try {
      for await (const msg of messages) {
        if (stopping) break;
        const type = msg.headers?.get(EventHeaders.type) ?? '';
        if (wants(type)) {
          const envelope = hasValidSignature(options.signingKey, msg.data, msg.headers) ? envelopeOf(msg.data) : undefined;
          if (envelope) await options.handle(envelope, msg.seq);
          else logger.error({ eventsSequence: msg.seq, subject: msg.subject }, 'a message without a valid relay signature, or not an envelope: skipped');
        }
        if (msg.seq >= lastAtStart || msg.info.pending === 0) reached();
      }
    } finally {
      messages.stop();
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
      messages.stop();
      await done.catch(() => undefined);
    },
  };
}
