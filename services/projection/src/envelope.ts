/**
 * The event as the projector sees it: the fields of `EventEnvelope` from @cfund/messaging that
 * projecting needs. Envelopes from NATS and events read from EventStoreDB (rebuild, catch-up)
 * both become this shape, so both paths apply exactly the same thing.
 */
import type { ResolvedEvent } from '@eventstore/db-client';
import type { WireEvent } from '@cfund/eventstore';
import type { EventEnvelope } from '@cfund/messaging';

export type ProjectedEnvelope = Omit<EventEnvelope, 'commitPosition' | 'preparePosition'>;

const isSystemEvent = (e: { type: string; streamId: string }): boolean => e.type.startsWith('$') || e.streamId.startsWith('$');

/** The envelope of an event read from EventStoreDB, or undefined for a link or a system event. */
export function envelopeOf(resolved: ResolvedEvent): ProjectedEnvelope | undefined {
  const e = resolved.event;
  if (!e || isSystemEvent(e)) return undefined;
  return {
    eventId: e.id, streamId: e.streamId, revision: Number(e.revision), type: e.type,
    data: e.data, metadata: e.metadata, created: e.created.toISOString(),
  };
}

/** `envelopeOf` for an event decoded by `decodeReadResponse` of @cfund/eventstore (a rebuild's worker). */
export function envelopeOfWire(e: WireEvent | undefined): ProjectedEnvelope | undefined {
  if (!e || isSystemEvent(e)) return undefined;
  return { eventId: e.eventId, streamId: e.streamId, revision: e.revision, type: e.type, data: e.data, metadata: e.metadata, created: e.created };
}

/** Metadata fields the read model shows (written by @cfund/eventstore on every event). */
export interface ShownMetadata {
  actor?: string;
  occurredAt?: string;
  hash?: string;
  prevHash?: string;
}

export function shownMetadata(metadata: unknown): ShownMetadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return {};
  const m = metadata as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: ShownMetadata = {};
  const actor = text(m.actor); if (actor !== undefined) out.actor = actor;
  const occurredAt = text(m.occurredAt); if (occurredAt !== undefined) out.occurredAt = occurredAt;
  const hash = text(m.hash); if (hash !== undefined) out.hash = hash;
  const prevHash = text(m.prevHash); if (prevHash !== undefined) out.prevHash = prevHash;
  return out;
}

/** When the fact happened: the command's `occurredAt` (hashed into the chain), else the store's time. */
export const eventTime = (e: Pick<ProjectedEnvelope, 'metadata' | 'created'>): string => eventTimeOf(shownMetadata(e.metadata), e.created);

/** `eventTime` from metadata already read. */
export const eventTimeOf = (meta: ShownMetadata, created: string): string => {
  const at = meta.occurredAt;
  return at !== undefined && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : new Date(created).toISOString();
};

/** `claim-<uuid>` -> `claim`; the category of a stream is the part before its first `-`. */
export const streamCategory = (streamId: string): string => {
  const i = streamId.indexOf('-');
  return i < 0 ? streamId : streamId.slice(0, i);
};
