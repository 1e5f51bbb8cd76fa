/**
 * Envelopes built from events read from EventStoreDB: the relay's (from `$all`, with positions)
 * and a consumer's (from a stream it reads to repair a gap, or `$all` when it catches up).
 */
import type { AllStreamRecordedEvent, ResolvedEvent } from '@eventstore/db-client';
import type { EventEnvelope, StoredEvent } from '../envelope.js';

/** Binary payloads travel as base64 strings; JSON ones exactly as stored. */
function payload(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) return null;
    const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    }
  }
  return value;
}

/** System events: their type or stream starts with `$` (metadata, tombstones, server streams). */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

/** The envelope of an event read from a stream or `$all`, or undefined for a link or a system event; positions when the read gave them. */
export function storedEventOf(resolved: ResolvedEvent): StoredEvent | undefined {
  const e = resolved.event;
  if (!e || isSystemEvent(e)) return undefined;
  const created = e.created as Date | string | number;
  return {
    eventId: e.id, streamId: e.streamId, revision: Number(e.revision), type: e.type,
    data: payload(e.data), metadata: payload(e.metadata),
    created: (created instanceof Date ? created : new Date(created)).toISOString(),
    ...(e.position ? { commitPosition: e.position.commit.toString(), preparePosition: e.position.prepare.toString() } : {}),
  };
}

export function envelopeFromEvent(event: AllStreamRecordedEvent): EventEnvelope {
  const created = event.created as Date | string | number;
  return {
    eventId: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    type: event.type,
    data: payload(event.data),
    metadata: payload(event.metadata),
    created: (created instanceof Date ? created : new Date(created)).toISOString(),
    commitPosition: event.position.commit.toString(),
    preparePosition: event.position.prepare.toString(),
  };
}
