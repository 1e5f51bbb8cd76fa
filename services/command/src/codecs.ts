/** How claim and ledger events are stored and read back (validated and upcast by contracts). */
import type { ClaimEvent, FundEvent } from '@cfund/contracts';
import { isClaimEventType, isKnownEventType, parseEvent } from '@cfund/contracts';
import type { EventCodec } from '@cfund/eventstore';
import type { JSONType } from '@eventstore/db-client';

export const claimCodec: EventCodec<ClaimEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (isClaimEventType(stored.type) ? (parseEvent(stored.type, stored.data) as ClaimEvent) : undefined),
};

export const fundCodec: EventCodec<FundEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (isKnownEventType(stored.type) && !isClaimEventType(stored.type) ? (parseEvent(stored.type, stored.data) as FundEvent) : undefined),
};
