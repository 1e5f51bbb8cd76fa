import { headers, type MsgHdrs } from 'nats';
import type { EventEnvelope } from './envelope.js';
import { signEventBody, type EventSigningKeys } from './signature.js';

/** Header names on every message of CFUND_EVENTS. */
export const EventHeaders = {
  msgId: 'Nats-Msg-Id',
  stream: 'Cfund-Stream',
  revision: 'Cfund-Revision',
  type: 'Cfund-Type',
  /** Commit position in $all, decimal: the relay's checkpoint. */
  position: 'Cfund-Position',
  preparePosition: 'Cfund-Prepare-Position',
  /** The relay's HMAC of the body (signature.ts). */
  signature: 'Cfund-Signature',
} as const;

/** Extra headers on a dead letter. */
export const DeadLetterHeaders = {
  consumer: 'Cfund-Consumer',
  attempts: 'Cfund-Attempts',
  error: 'Cfund-Error',
  originalSubject: 'Cfund-Original-Subject',
  eventsSequence: 'Cfund-Events-Sequence',
} as const;

/** A header value on one line, bounded (header values cannot hold CR/LF). */
export function headerValue(value: string, max = 500): string {
  const line = value.replace(/[\r\n]+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The headers of one event's message; `body` is its encoded envelope, signed with `signingKey`. */
export function eventHeaders(envelope: EventEnvelope, body: Uint8Array, signingKey: EventSigningKeys): MsgHdrs {
  const h = headers();
  h.set(EventHeaders.msgId, envelope.eventId);
  h.set(EventHeaders.stream, headerValue(envelope.streamId, 1000));
  h.set(EventHeaders.revision, String(envelope.revision));
  h.set(EventHeaders.type, headerValue(envelope.type, 1000));
  h.set(EventHeaders.position, envelope.commitPosition);
  h.set(EventHeaders.preparePosition, envelope.preparePosition);
  h.set(EventHeaders.signature, signEventBody(signingKey, body));
  return h;
}
