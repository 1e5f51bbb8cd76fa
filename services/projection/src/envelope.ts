/**
 * What the projector reads of an event (`StoredEvent` of @cfund/messaging: envelopes from NATS
 * and events read from EventStoreDB alike, so every path applies exactly the same thing).
 */
import type { WireEvent } from '@cfund/eventstore';
import { isSystemEvent, type StoredEvent } from '@cfund/messaging';

/**
 * `storedEventOf` (@cfund/messaging) for an event decoded by `decodeReadResponse` of
 * @cfund/eventstore (a rebuild's worker): a WireEvent already has every field, so it is one, not copied.
 */
export function envelopeOfWire(e: WireEvent | undefined): StoredEvent | undefined {
  return !e || isSystemEvent(e) ? undefined : e;
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
export const eventTime = (e: Pick<StoredEvent, 'metadata' | 'created'>): string => eventTimeOf(shownMetadata(e.metadata), e.created);

/** `eventTime` from metadata already read. */
export const eventTimeOf = (meta: ShownMetadata, created: string): string => {
  const at = meta.occurredAt;
  if (at !== undefined) {
    if (isCanonicalInstant(at)) return at;
    const ms = Date.parse(at);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return isoInstant(created);
};

/**
 * `new Date(text).toISOString()`, without parsing and formatting when `text` is already in that
 * form (as every instant this service writes is): a rebuild does this twice per event.
 */
export const isoInstant = (text: string): string => (isCanonicalInstant(text) ? text : new Date(text).toISOString());

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant: what `toISOString` gives back unchanged (Date rolls 24:00 or 30 February over). */
function isCanonicalInstant(s: string): boolean {
  if (s.length !== 24 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return false;
  const n = (from: number, to: number): number => {
    let v = 0;
    for (let i = from; i < to; i += 1) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  };
  const year = n(0, 4);
  const month = n(5, 7);
  const day = n(8, 10);
  const hour = n(11, 13);
  const minute = n(14, 16);
  const second = n(17, 19);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || n(20, 23) < 0) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}
