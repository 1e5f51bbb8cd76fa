/**
 * One publishing session of the lease holder: from the checkpoint, follow $all (user events
 * only) and publish each event, waiting for its JetStream ack before the next. Every publish
 * expects the stream's last sequence to be the one this session wrote (or found) last, so if
 * anyone else published in between, the publish is refused and the session ends with
 * RelayFencedError: a deposed relay cannot interleave its messages with the new holder's.
 */
import { START, excludeSystemEvents, type EventStoreDBClient } from '@eventstore/db-client';
import type { JetStreamClient, JetStreamManager, PubAck } from 'nats';
import { encodeEnvelope, type EventEnvelope } from '../envelope.js';
import { eventHeaders } from '../headers.js';
import { subjectForEvent } from '../subjects.js';
import { isAfter, readCheckpoint, verifyCheckpoint, type RelayCheckpoint } from './checkpoint.js';
import { envelopeFromEvent, isSystemEvent } from './event-envelope.js';
import { isWrongLastSequence } from './lease.js';

/** A publish was refused because the stream moved on without this relay: stop. */
export class RelayFencedError extends Error {
  constructor(
    readonly expectedLastSequence: number,
    readonly eventId: string,
    options?: { cause?: unknown },
  ) {
    super(`publish of event ${eventId} refused: CFUND_EVENTS no longer ends at sequence ${expectedLastSequence} (another relay published)`, options);
    this.name = 'RelayFencedError';
  }
}

export interface PublishSessionOptions {
  eventStore: EventStoreDBClient;
  js: JetStreamClient;
  jsm: JetStreamManager;
  signal: AbortSignal;
  publishTimeoutMs: number;
  /** Key of the Cfund-Signature on every message (eventSigningKey). */
  signingKey: Uint8Array;
  /** Default: read from the stream. Tests pass a stale one to play a deposed relay. */
  checkpoint?: RelayCheckpoint;
  onCheckpoint?: (checkpoint: RelayCheckpoint) => void;
  /** A message the relay did not sign, skipped while looking for the checkpoint. */
  onForeign?: (sequence: number) => void;
  onPublished?: (envelope: EventEnvelope, ack: PubAck) => void;
}

/** Runs until aborted (resolves) or until a publish or the subscription fails (rejects). */
export async function runPublishSession(options: PublishSessionOptions): Promise<void> {
  const { js, signal } = options;
  if (signal.aborted) return;
  const checkpoint = options.checkpoint ?? (await readCheckpoint(options.jsm, options.signingKey, options.onForeign ? { onForeign: options.onForeign } : {}));
  await verifyCheckpoint(options.eventStore, checkpoint);
  options.onCheckpoint?.(checkpoint);
  let expected = checkpoint.lastSequence;
  const subscription = options.eventStore.subscribeToAll({
    fromPosition: checkpoint.position ?? START,
    filter: excludeSystemEvents(),
    resolveLinkTos: false,
  });
  const onAbort = () => void subscription.unsubscribe().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const resolved of subscription) {
      if (signal.aborted) break;
      const event = resolved.event;
      if (!event || isSystemEvent(event)) continue;
      // The subscription starts after the checkpoint; this guards an inclusive server anyway.
      if (checkpoint.position && !isAfter(event.position, checkpoint.position)) continue;
      const envelope = envelopeFromEvent(event);
      const body = encodeEnvelope(envelope);
      let ack: PubAck;
      try {
        ack = await js.publish(subjectForEvent(envelope.streamId, envelope.type), body, {
          msgID: envelope.eventId,
          headers: eventHeaders(envelope, body, options.signingKey),
          // Also for 0: nats-server 2.9 then refuses the publish unless the stream is still empty.
          expect: { lastSequence: expected },
          timeout: options.publishTimeoutMs,
        });
      } catch (error) {
        if (isWrongLastSequence(error)) throw new RelayFencedError(expected, envelope.eventId, { cause: error });
        throw error;
      }
      if (ack.duplicate) {
        // The event was already in the stream. After our last message: someone else published it.
        if (ack.seq > expected) throw new RelayFencedError(expected, envelope.eventId);
        // Before it: an event id EventStoreDB holds twice (in two streams); the stream keeps one.
        continue;
      }
      expected = ack.seq;
      options.onPublished?.(envelope, ack);
    }
  } catch (error) {
    if (signal.aborted && !(error instanceof RelayFencedError)) return;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await subscription.unsubscribe().catch(() => undefined);
  }
}
