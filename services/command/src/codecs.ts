/** How claim and ledger events are stored and read back (validated and upcast by contracts). */
import type { ClaimEvent, FundEvent } from '@cfund/contracts';
import { isClaimEventType, isKnownEventType, parseEvent } from '@cfund/contracts';
import { evolve, evolveLedger, initialLedgerState, initialState, type ClaimState, type LedgerState } from '@cfund/domain';
import type { EventCodec, Evolver } from '@cfund/eventstore';
import type { JSONType } from '@eventstore/db-client';

export const claimCodec: EventCodec<ClaimEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (isClaimEventType(stored.type) ? (parseEvent(stored.type, stored.data) as ClaimEvent) : undefined),
};

export const fundCodec: EventCodec<FundEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (isKnownEventType(stored.type) && !isClaimEventType(stored.type) ? (parseEvent(stored.type, stored.data) as FundEvent) : undefined),
};

export const claimEvolver: Evolver<ClaimEvent, ClaimState> = { get initialState() { return initialState(); }, evolve };
export const ledgerEvolver: Evolver<FundEvent, LedgerState> = { get initialState() { return initialLedgerState(); }, evolve: evolveLedger };

export const claimStream = (claimId: string): string => `claim-${claimId}`;
