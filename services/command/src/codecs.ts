/** How claim, ledger and payment-run events are stored and read back (validated and upcast by contracts). */
import type { ClaimEvent, FundEvent, PaymentRunEvent } from '@cfund/contracts';
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

const PAYMENT_RUN_TYPES = new Set(['PaymentRunPrepared', 'PaymentRunReleased', 'PaymentRunCancelled']);

export const paymentRunCodec: EventCodec<PaymentRunEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (PAYMENT_RUN_TYPES.has(stored.type) ? (parseEvent(stored.type, stored.data) as PaymentRunEvent) : undefined),
};
