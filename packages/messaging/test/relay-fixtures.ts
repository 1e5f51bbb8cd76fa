import { randomUUID } from 'node:crypto';
import { START, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import type { JetStreamManager, MsgHdrs } from 'nats';
import { EVENTS_STREAM, decodeEnvelope, envelopeFromEvent, hasValidSignature, isSystemEvent, type EventEnvelope } from '../src/index.ts';
import { signingKey } from './fixtures.ts';

/** Relay settings for tests: a short lease so failover happens within a few seconds. */
export function testRelaySettings(bucket: string) {
  return { leaseBucket: bucket, leaseTtlMs: 3_000, renewIntervalMs: 500, standbyPollMs: 200, retryDelayMs: 300 };
}

export async function appendEvents(client: EventStoreDBClient, streamId: string, types: string[], firstRevision = 0): Promise<void> {
  await client.appendToStream(
    streamId,
    types.map((type, i) => jsonEvent({ id: randomUUID(), type, data: { claimId: streamId, step: firstRevision + i, note: 'Ž "quoted"' }, metadata: { actor: 'lawyer-1', prevHash: 'p', hash: 'h' } })),
  );
}

/** Every user event of $all, in order, as the relay should publish it. */
export async function userEvents(client: EventStoreDBClient): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for await (const resolved of client.readAll({ fromPosition: START, direction: 'forwards', maxCount: 1_000_000 })) {
    const event = resolved.event;
    if (event && !isSystemEvent(event)) out.push(envelopeFromEvent(event));
  }
  return out;
}

export interface StoredEvent {
  seq: number;
  subject: string;
  header: MsgHdrs;
  envelope: EventEnvelope;
}

/** Every message of CFUND_EVENTS, in stream order (`skipForeign`: only those signed by the relay). */
export async function streamEvents(jsm: JetStreamManager, options: { skipForeign?: boolean } = {}): Promise<StoredEvent[]> {
  const info = await jsm.streams.info(EVENTS_STREAM);
  const out: StoredEvent[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
    if (options.skipForeign && !hasValidSignature(signingKey, m.data, m.header)) continue;
    out.push({ seq, subject: m.subject, header: m.header, envelope: decodeEnvelope(m.data) });
  }
  return out;
}

export async function streamCount(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(EVENTS_STREAM)).state.messages;
}
