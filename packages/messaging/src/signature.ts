/**
 * The relay's signature on every message of CFUND_EVENTS: an HMAC-SHA256 over the message body
 * (the envelope's JSON: event id, stream, revision, type, data, metadata, instant and positions).
 * The relay is the only publisher and reads each event from EventStoreDB, so a valid signature
 * proves that the body is an event of the store, relayed as it is; consumers and the relay's
 * checkpoint ignore anything else. One HMAC per message costs microseconds, unlike a read of
 * the event back from the store.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { MsgHdrs } from 'nats';
import { EventHeaders } from './headers.js';

const KEY_BYTES = 32;
const DERIVATION_INFO = 'cfund/events signature v1';

/**
 * The signing key, derived from the master key every service already holds (HKDF-SHA256 with
 * its own label, so it reveals nothing about the master key and needs no further secret).
 */
export function eventSigningKey(masterKey: Uint8Array): Buffer {
  if (masterKey.byteLength < 16) throw new Error('the master key is too short to derive the event signing key');
  return Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), DERIVATION_INFO, KEY_BYTES));
}

/**
 * One signing key, or several during a rotation of the master key (eventSigningKeys): the relay
 * signs with the first, a signature by any of them verifies, so that the messages signed before
 * the switch (still in the stream, or the relay's checkpoint) stay valid through the overlap.
 */
export type EventSigningKeys = Uint8Array | readonly Uint8Array[];

/** The signing keys of the master key and of the previous ones (MASTER_KEY_PREVIOUS), the current one first. */
export function eventSigningKeys(masterKey: Uint8Array, previousMasterKeys: readonly Uint8Array[] = []): Buffer[] {
  return [masterKey, ...previousMasterKeys].map(eventSigningKey);
}

const keyList = (keys: EventSigningKeys): readonly Uint8Array[] => (keys instanceof Uint8Array ? [keys] : keys);

function mac(key: Uint8Array, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

/** The value of the Cfund-Signature header for `body`, by the first key. */
export function signEventBody(keys: EventSigningKeys, body: Uint8Array): string {
  const key = keyList(keys)[0];
  if (!key) throw new Error('no event signing key');
  return mac(key, body).toString('base64url');
}

/** Whether the message carries a valid signature of its body, by any of the keys. */
export function hasValidSignature(keys: EventSigningKeys, body: Uint8Array, msgHeaders: MsgHdrs | undefined): boolean {
  const value = msgHeaders?.get(EventHeaders.signature);
  if (!value) return false;
  const given = Buffer.from(value, 'base64url');
  return keyList(keys).some((key) => {
    const expected = mac(key, body);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A message on CFUND_EVENTS that the relay did not sign as it is. */
export class UnverifiedEventError extends Error {
  override readonly name = 'UnverifiedEventError';
  constructor() {
    super(`no valid ${EventHeaders.signature}: not published by the relay, or altered`);
  }
}
