import type { AllStreamRecordedEvent } from '@eventstore/db-client';
import type { EventEnvelope } from '../envelope.js';

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
