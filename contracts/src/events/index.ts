import type { z } from 'zod';
import { CLAIM_EVENTS, CLAIM_UPCASTERS } from './claim-events.js';
import { FUND_EVENTS, FUND_UPCASTERS } from './fund-events.js';
import { ACCESS_EVENTS } from './access-events.js';
import { NOTIFICATION_EVENTS, NOTIFICATION_UPCASTERS } from './notification-events.js';
import { BANK_STATEMENT_EVENTS, PAYMENT_RUN_EVENTS } from './payment-run-events.js';

export * from './claim-events.js';
export * from './payee-events.js';
export * from './payment-run-events.js';
export * from './fund-events.js';
export * from './access-events.js';
export * from './notification-events.js';
export { EncryptedPersonalDataSchema, type EncryptedPersonalData } from './common.js';

type EventOf<D> = D extends { type: infer T; data: infer S extends z.ZodType } ? { type: T; data: z.output<S> } : never;

export type ClaimEvent = EventOf<(typeof CLAIM_EVENTS)[number]>;
export type FundEvent = EventOf<(typeof FUND_EVENTS)[number]>;
export type AccessEvent = EventOf<(typeof ACCESS_EVENTS)[number]>;
export type NotificationEvent = EventOf<(typeof NOTIFICATION_EVENTS)[number]>;
export type PaymentRunEvent = EventOf<(typeof PAYMENT_RUN_EVENTS)[number]>;
export type BankStatementEvent = EventOf<(typeof BANK_STATEMENT_EVENTS)[number]>;
export type DomainEvent = ClaimEvent | FundEvent | AccessEvent | NotificationEvent | PaymentRunEvent | BankStatementEvent;
export type EventType = DomainEvent['type'];
export type EventData<T extends EventType> = Extract<DomainEvent, { type: T }>['data'];

/** The current version of every event, by type. */
export const EVENT_DEFINITIONS = [...CLAIM_EVENTS, ...FUND_EVENTS, ...ACCESS_EVENTS, ...NOTIFICATION_EVENTS, ...PAYMENT_RUN_EVENTS, ...BANK_STATEMENT_EVENTS] as const;
const byType = new Map<string, (typeof EVENT_DEFINITIONS)[number]>(EVENT_DEFINITIONS.map((d) => [d.type, d]));
const claimTypes = new Set<string>(CLAIM_EVENTS.map((d) => d.type));

export const isClaimEventType = (type: string): type is ClaimEvent['type'] => claimTypes.has(type);
export const isKnownEventType = (type: string): type is EventType => byType.has(type);

/**
 * Turns stored data of an older schema version into the next one. History is never rewritten:
 * a v2 of an event adds an upcaster from v1 here, and every reader sees v2.
 */
export interface Upcaster {
  type: EventType;
  fromVersion: number;
  up(data: Record<string, unknown>): Record<string, unknown>;
}

/** The upcasters of the events' older versions (each version's module lists its own). */
const upcasters: Upcaster[] = [...CLAIM_UPCASTERS, ...FUND_UPCASTERS, ...NOTIFICATION_UPCASTERS];

/** Registers an upcaster (tests use it to prove the path with versions of their own). */
export function registerUpcaster(u: Upcaster): () => void {
  if (upcasters.some((x) => x.type === u.type && x.fromVersion === u.fromVersion)) {
    throw new Error(`an upcaster for ${u.type} v${u.fromVersion} is already registered`);
  }
  upcasters.push(u);
  return () => { upcasters.splice(upcasters.indexOf(u), 1); };
}

export class UnknownEventType extends Error {
  override name = 'UnknownEventType';
  constructor(readonly eventType: string) { super(`unknown event type ${eventType}`); }
}

/** Applies upcasters until the data is at the current version of its type. */
export function upcast(type: string, data: unknown): unknown {
  let current = data;
  for (let guard = 0; guard < 100; guard++) {
    if (current === null || typeof current !== 'object') return current;
    const version = (current as { schemaVersion?: unknown }).schemaVersion;
    const u = upcasters.find((x) => x.type === type && x.fromVersion === version);
    if (!u) return current;
    current = u.up(current as Record<string, unknown>);
  }
  throw new Error(`upcasting ${type} did not terminate`);
}

/** Validates stored or proposed event data (after upcasting) into a typed event. */
export function parseEvent(type: string, data: unknown): DomainEvent {
  const def = byType.get(type);
  if (!def) throw new UnknownEventType(type);
  return { type, data: def.data.parse(upcast(type, data)) } as DomainEvent;
}
