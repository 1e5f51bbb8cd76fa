import type { ClaimEvent, EventData } from '@cfund/contracts';

/** An event's data as a handler gives it: `ev` adds the schema version and the claim's id. */
export type EventBody<T extends ClaimEvent['type']> = Omit<EventData<T>, 'schemaVersion' | 'claimId'>;

/** A claim event as the decider's handlers make it. */
export const ev = <T extends ClaimEvent['type']>(type: T, body: EventBody<T>, s: { claimId?: string }) =>
  ({ type, data: { schemaVersion: 1 as const, claimId: s.claimId!, ...body } });
