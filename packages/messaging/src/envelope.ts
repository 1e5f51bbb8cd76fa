import { z } from 'zod';

/** One EventStoreDB event as published on CFUND_EVENTS. */
export interface EventEnvelope {
  eventId: string;
  streamId: string;
  /** The event's revision in its stream. */
  revision: number;
  type: string;
  /** The event's JSON data exactly as stored in EventStoreDB. */
  data: unknown;
  /** The event's JSON metadata as stored (it holds the hash chain). */
  metadata: unknown;
  /** ISO instant the event was written. */
  created: string;
  /** Positions in $all, bigint as decimal. */
  commitPosition: string;
  preparePosition: string;
}

/**
 * An event as a consumer applies it: an envelope from NATS, or one read back from EventStoreDB
 * (a gap's repair, a catch-up), where a stream read may not give the `$all` positions.
 */
export type StoredEvent = Omit<EventEnvelope, 'commitPosition' | 'preparePosition'> & Partial<Pick<EventEnvelope, 'commitPosition' | 'preparePosition'>>;

const decimal = z.string().regex(/^\d+$/, 'a non-negative decimal integer');

export const EventEnvelopeSchema = z
  .object({
    eventId: z.string().min(1),
    streamId: z.string().min(1),
    revision: z.number().int().nonnegative(),
    type: z.string().min(1),
    data: z.unknown(),
    metadata: z.unknown(),
    created: z.iso.datetime({ offset: true }),
    commitPosition: decimal,
    preparePosition: decimal,
  })
  .refine((value) => 'data' in value && 'metadata' in value, { message: 'data and metadata are required (null when empty)' });

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  return encoder.encode(JSON.stringify(envelope));
}

/** Parses and validates a message body; throws on anything that is not an envelope. */
export function decodeEnvelope(bytes: Uint8Array): EventEnvelope {
  return EventEnvelopeSchema.parse(JSON.parse(decoder.decode(bytes))) as EventEnvelope;
}
