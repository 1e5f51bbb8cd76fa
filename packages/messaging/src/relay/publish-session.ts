/**
 * One publishing session of the lease holder: from the checkpoint, follow $all (user events
 * only) and publish each event, several in flight (their acks come back in order). Every publish
 * expects the stream's last sequence to be the one this session wrote (or found) last, so if
 * anyone else published in between, the publish is refused and the session ends with
 * RelayFencedError: a deposed relay cannot interleave its messages with the new holder's.
 */
import { START, excludeSystemEvents, type EventStoreDBClient } from '@eventstore/db-client';
import type { JetStreamClient, JetStreamManager, PubAck } from 'nats';
import { encodeEnvelope, type EventEnvelope } from '../envelope.js';
import { eventHeaders } from '../headers.js';
import { messagingSettings } from '../settings.js';
import { subjectForEvent } from '../subjects.js';
import { isAfter, readCheckpoint, verifyCheckpoint, type RelayCheckpoint } from './checkpoint.js';
import { envelopeFromEvent, isSystemEvent } from './event-envelope.js';
import { isWrongLastSequence } from '../lease.js';
import type { EventSigningKeys } from '../signature.js';

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
  signingKey: EventSigningKeys;
  /** Default: read from the stream. Tests pass a stale one to play a deposed relay. */
  checkpoint?: RelayCheckpoint;
  onCheckpoint?: (checkpoint: RelayCheckpoint) => void;
  /** A message the relay did not sign, skipped while looking for the checkpoint. */
  onForeign?: (sequence: number) => void;
  onPublished?: (envelope: EventEnvelope, ack: PubAck) => void;
  /** Publishes awaiting their ack at once (default: messagingSettings.relay.publishInFlight). */
  inFlight?: number;
  /** Replicas of CFUND_EVENTS if the session creates or aligns it. */
  replicas?: number;
}

/** Runs until aborted (resolves) or until a publish or the subscription fails (rejects). */
export async function runPublishSession(options: PublishSessionOptions): Promise<void> {
  const { signal } = options;
  if (signal.aborted) return;
  const checkpoint = options.checkpoint ?? (await readCheckpoint(options.jsm, options.signingKey, {
    ...(options.onForeign ? { onForeign: options.onForeign } : {}),
    ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
  }));
  await verifyCheckpoint(options.eventStore, checkpoint);
  options.onCheckpoint?.(checkpoint);
  const maxInFlight = Math.max(1, options.inFlight ?? messagingSettings.relay.publishInFlight);
  const subscription = options.eventStore.subscribeToAll({
    fromPosition: checkpoint.position ?? START,
    filter: excludeSystemEvents(),
    resolveLinkTos: false,
  });
  const end = () => void subscription.unsubscribe().catch(() => undefined);
  signal.addEventListener('abort', end, { once: true });
  const pipeline = new PublishPipeline(options, checkpoint.lastSequence, maxInFlight, end);
  try {
    for await (const resolved of subscription) {
      if (signal.aborted || pipeline.failed) break;
      const event = resolved.event;
      if (!event || isSystemEvent(event)) continue;
      // The subscription starts after the checkpoint; this guards an inclusive server anyway.
      if (checkpoint.position && !isAfter(event.position, checkpoint.position)) continue;
      const envelope = envelopeFromEvent(event);
      await pipeline.publish(envelope);
    }
    await pipeline.settled();
    pipeline.rethrow();
  } catch (error) {
    if (signal.aborted && !(error instanceof RelayFencedError)) return;
    throw error;
  } finally {
    signal.removeEventListener('abort', end);
    await subscription.unsubscribe().catch(() => undefined);
  }
}

interface Sent {
  envelope: EventEnvelope;
  /** The stream's last sequence this publish expects (the previous message stored). */
  lastSequence: number;
  /** Sent before an earlier message turned out a duplicate: it expects one message too many. */
  stale: boolean;
  answer: Promise<{ ack: PubAck } | { error: unknown }>;
  /** Resolves once this publish was settled (never rejects: a failure is kept in `failure`). */
  settled: Promise<void>;
}

/**
 * Several publishes in flight, in $all order, their acks settled in the same order. Each expects
 * the stream's last sequence to be the one of the message sent before it, so the fence holds for
 * every message: a foreign publish in between makes the next of ours, and all after it, refused.
 * A duplicate (an event id EventStoreDB holds twice) is not stored, so what was sent after it
 * expects one message too many and is refused: sending pauses, those are sent again in order.
 */
class PublishPipeline {
  private readonly window: Sent[] = [];
  /** The stream's last sequence as far as settled acks say. */
  private confirmed: number;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private paused: { until: Promise<void>; resume: () => void; refused: EventEnvelope[] } | undefined;

  constructor(
    private readonly o: PublishSessionOptions,
    lastSequence: number,
    private readonly maxInFlight: number,
    private readonly endSubscription: () => void,
  ) {
    this.confirmed = lastSequence;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    while (!this.failed && (this.paused || this.window.length >= this.maxInFlight)) {
      await (this.paused ? this.paused.until : this.window[0]!.settled);
    }
    if (!this.failed) this.send(envelope);
  }

  settled(): Promise<void> {
    return this.chain;
  }

  rethrow(): void {
    if (this.failed) throw this.failure;
  }

  private send(envelope: EventEnvelope): void {
    const body = encodeEnvelope(envelope);
    // Every message in flight before this one will add one to the stream.
    const lastSequence = this.confirmed + this.window.length;
    const answer = this.o.js.publish(subjectForEvent(envelope.streamId, envelope.type), body, {
      msgID: envelope.eventId,
      headers: eventHeaders(envelope, body, this.o.signingKey),
      // Also for 0: nats-server 2.9 then refuses the publish unless the stream is still empty.
      expect: { lastSequence },
      timeout: this.o.publishTimeoutMs,
    }).then((ack) => ({ ack }), (error: unknown) => ({ error }));
    const sent: Sent = { envelope, lastSequence, stale: false, answer, settled: Promise.resolve() };
    sent.settled = this.chain = this.chain.then(() => this.settle(sent));
    this.window.push(sent);
  }

  private async settle(sent: Sent): Promise<void> {
    const answer = await sent.answer;
    this.window.shift();
    if (this.failed) return;
    try {
      this.settleOne(sent, answer);
    } catch (error) {
      this.failure = error;
      this.paused?.resume();
      this.endSubscription();
      return;
    }
    if (this.paused && !this.window.some((s) => s.stale)) {
      // Every message sent with a wrong expectation is back: send them again, then go on.
      const { refused, resume } = this.paused;
      this.paused = undefined;
      for (const envelope of refused) this.send(envelope);
      resume();
    }
  }

  private settleOne(sent: Sent, answer: { ack: PubAck } | { error: unknown }): void {
    if ('error' in answer) {
      if (!isWrongLastSequence(answer.error)) throw answer.error;
      // Refused only because a duplicate before it was not stored: send it again.
      if (sent.stale && this.paused) return void this.paused.refused.push(sent.envelope);
      throw new RelayFencedError(sent.lastSequence, sent.envelope.eventId, { cause: answer.error });
    }
    const { ack } = answer;
    if (ack.duplicate) {
      // The event was already in the stream. After our last message: someone else published it.
      if (ack.seq > this.confirmed) throw new RelayFencedError(this.confirmed, sent.envelope.eventId);
      // Before it: an event id EventStoreDB holds twice (in two streams); the stream keeps one.
      if (this.window.length > 0 && !this.paused) this.pause();
      return;
    }
    // Stored although it expected one message more than this session stored: someone else stored that one.
    if (sent.stale) throw new RelayFencedError(sent.lastSequence, sent.envelope.eventId);
    this.confirmed = ack.seq;
    this.o.onPublished?.(sent.envelope, ack);
  }

  private pause(): void {
    for (const s of this.window) s.stale = true;
    let resume!: () => void;
    const until = new Promise<void>((r) => (resume = r));
    this.paused = { until, resume, refused: [] };
  }
}
