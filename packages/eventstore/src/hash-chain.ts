/**
 * Hash chain over the events of a stream.
 *
 * Every event written through this package carries, in its JSON metadata, `prevHash` (the
 * `hash` of the previous event of its stream, or GENESIS_HASH for revision 0) and `hash`:
 *
 *   hash = hex(SHA-256(
 *            "cfund-hash-chain/v1" 0x00
 *            u32be(len(prevHash))  prevHash   (ASCII of the lowercase hex string)
 *            u32be(len(type))      type       (UTF-8)
 *            u32be(len(data))      data       (the event's stored data bytes)
 *            u32be(len(meta))      meta       (UTF-8 of canonicalJson(metadata without `hash` and `signature`))
 *          ))
 *
 * `data` is exactly what the client stores: for a JSON event, the UTF-8 bytes of
 * `JSON.stringify(data)` (that is what `@eventstore/db-client` sends). The verifier gets the
 * parsed value back and serialises it again with `JSON.stringify`, which reproduces the stored
 * bytes because JSON.stringify's output is a fixed point of JSON.parse + JSON.stringify. For a
 * binary event the raw bytes are used. `canonicalJson` sorts object keys (by UTF-16 code units)
 * at every level, writes no whitespace, and encodes strings and numbers as JSON.stringify does.
 * The length prefixes make the concatenation unambiguous.
 *
 * The hash alone proves nothing about who wrote an event (anyone who can append can compute it):
 * each event is also signed (`keyId`, inside the hash, and `signature`, see chain-signature.ts).
 */
import { createHash } from 'node:crypto';
import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { ChainKeyring } from './chain-signature.js';

/** prevHash of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

const DOMAIN_TAG = Buffer.from('cfund-hash-chain/v1\0', 'utf8');

/** JSON with object keys sorted at every level and no whitespace. `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError('canonicalJson: not a JSON value');
    }
    if (typeof value === 'bigint') throw new TypeError('canonicalJson: bigint is not a JSON value');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  if (typeof (record as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((record as { toJSON(): unknown }).toJSON());
  }
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

function lengthPrefixed(bytes: Buffer | Uint8Array): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)];
}

/** The bytes the client stores for an event's data. */
export function storedDataBytes(data: unknown, isJson = true): Buffer {
  if (!isJson) {
    if (!(data instanceof Uint8Array)) throw new TypeError('binary event data must be a Uint8Array');
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/**
 * The hash of one event: `metadata` must already contain `prevHash`; any `hash` and `signature`
 * members are ignored (the signature is over the hash).
 */
export function computeEventHash(type: string, dataBytes: Uint8Array, metadata: Record<string, unknown>): string {
  const prevHash = metadata.prevHash;
  if (typeof prevHash !== 'string') throw new TypeError('metadata.prevHash must be a string');
  const { hash: _hash, signature: _signature, ...rest } = metadata;
  const h = createHash('sha256');
  h.update(DOMAIN_TAG);
  for (const part of [
    ...lengthPrefixed(Buffer.from(prevHash, 'ascii')),
    ...lengthPrefixed(Buffer.from(type, 'utf8')),
    ...lengthPrefixed(dataBytes),
    ...lengthPrefixed(Buffer.from(canonicalJson(rest), 'utf8')),
  ]) {
    h.update(part);
  }
  return h.digest('hex');
}

/**
 * `ok`: every event continues the chain and carries a valid signature by a key of the keyring.
 * `unkeyed`: the chain is intact but its first `unkeyedCount` events carry no signature (written
 * before events were signed: they prove nothing about their writer). `broken`: from
 * `firstBrokenRevision` on, an event does not continue the chain, its key is not in the keyring,
 * its signature is wrong, or it is unsigned after signed events (the system signs every event
 * since it signs any: only a forger writes unsigned ones after).
 */
export type VerifyResult =
  | { status: 'ok'; ok: true; count: number; headHash: string; unkeyedCount: 0 }
  | { status: 'unkeyed'; ok: false; count: number; headHash: string; unkeyedCount: number; reason: string }
  | { status: 'broken'; ok: false; count: number; firstBrokenRevision: bigint; reason: string; unkeyedCount: number };

/**
 * Reads a stream from its start and checks every link and signature against `keyring`. A stream
 * that does not exist (or whose events are all hidden by a soft delete) verifies with count 0.
 */
export async function verifyStream(client: EventStoreDBClient, streamName: string, keyring: ChainKeyring): Promise<VerifyResult> {
  let expectedPrev = GENESIS_HASH;
  let expectedRevision = 0n;
  let count = 0;
  let unkeyedCount = 0;
  let signedSeen = false;
  let broken: VerifyResult | undefined;
  try {
    // Read to the end even after a break: abandoning the client's read half-way leaves its gRPC
    // call open, and client.dispose() then waits for it forever (@eventstore/db-client 6.2.1).
    for await (const resolved of client.readStream(streamName)) {
      const event = resolved.event;
      if (!event || broken !== undefined) continue;
      const reason = checkLink(event, expectedRevision, expectedPrev);
      const signature = reason === undefined ? checkSignature(event.streamId, event.metadata as Record<string, unknown>, keyring, signedSeen) : undefined;
      if (reason !== undefined || (signature !== undefined && signature !== 'unsigned')) {
        broken = { status: 'broken', ok: false, count, firstBrokenRevision: event.revision, reason: (reason ?? signature)!, unkeyedCount };
        continue;
      }
      if (signature === 'unsigned') unkeyedCount += 1;
      else signedSeen = true;
      expectedPrev = (event.metadata as { hash: string }).hash;
      expectedRevision += 1n;
      count += 1;
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { status: 'ok', ok: true, count: 0, headHash: GENESIS_HASH, unkeyedCount: 0 };
    throw error;
  }
  if (broken !== undefined) return broken;
  return unkeyedCount === 0
    ? { status: 'ok', ok: true, count, headHash: expectedPrev, unkeyedCount: 0 }
    : { status: 'unkeyed', ok: false, count, headHash: expectedPrev, unkeyedCount, reason: `${unkeyedCount} of ${count} events carry no signature (written before events were signed)` };
}

/** 'unsigned' for an event written before signing (only before any signed one), why its signature fails, or undefined. */
function checkSignature(streamId: string, meta: Record<string, unknown>, keyring: ChainKeyring, signedSeen: boolean): string | undefined {
  const { keyId, signature } = meta;
  if (keyId === undefined && signature === undefined) {
    return signedSeen ? 'unsigned event after signed events' : 'unsigned';
  }
  if (typeof keyId !== 'string' || typeof signature !== 'string') return 'metadata has no keyId/signature';
  const failure = keyring.check(streamId, meta.hash as string, keyId, signature);
  return failure === undefined ? undefined : `${failure} (keyId ${keyId})`;
}
/** Why `event` does not continue the chain, or undefined if it does. */
function checkLink(
  event: { revision: bigint; type: string; data: unknown; metadata: unknown; isJson: boolean },
  expectedRevision: bigint,
  expectedPrev: string,
): string | undefined {
  if (event.revision !== expectedRevision) {
    return `expected revision ${expectedRevision}, found ${event.revision} (events missing or truncated)`;
  }
  const metadata = event.metadata;
  if (metadata === undefined || metadata === null || typeof metadata !== 'object' || metadata instanceof Uint8Array || Array.isArray(metadata)) {
    return 'metadata is not a JSON object';
  }
  const meta = metadata as Record<string, unknown>;
  if (typeof meta.hash !== 'string' || typeof meta.prevHash !== 'string') return 'metadata has no hash/prevHash';
  if (meta.prevHash !== expectedPrev) return 'prevHash does not match the hash of the previous event';
  let bytes: Buffer;
  try {
    bytes = storedDataBytes(event.data, event.isJson);
  } catch {
    return 'data cannot be read as stored';
  }
  if (computeEventHash(event.type, bytes, meta) !== meta.hash) return 'hash does not match the event (type, data or metadata altered)';
  return undefined;
}
