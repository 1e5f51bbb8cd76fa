/** How claim, ledger, payment-run and bank-statement events are stored and read back (validated and upcast by contracts). */
import type { BankStatementEvent, ClaimEvent, FundEvent, PaymentRunEvent } from '@cfund/contracts';
import { BANK_STATEMENT_EVENTS, PAYMENT_RUN_EVENTS, isClaimEventType, isKnownEventType, parseEvent } from '@cfund/contracts';
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

/** The codec of a stream type whose events are `definitions` (any other stored type is skipped). */
function codecOf<E extends { type: string; data: { schemaVersion: number } }>(definitions: readonly { type: string }[]): EventCodec<E> {
  const types = new Set(definitions.map((d) => d.type));
  return {
    encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
    decode: (stored) => (types.has(stored.type) ? (parseEvent(stored.type, stored.data) as unknown as E) : undefined),
  };
}

export const paymentRunCodec = codecOf<PaymentRunEvent>(PAYMENT_RUN_EVENTS);
export const bankStatementCodec = codecOf<BankStatementEvent>(BANK_STATEMENT_EVENTS);
