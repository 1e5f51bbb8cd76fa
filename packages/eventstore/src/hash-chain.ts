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
 * each append is also signed (`keyId` in every event's hashed metadata; `signature`, over the hash,
 * on the append's last event, whose hashed `batchSize` counts the events it covers; see
 * chain-signature.ts). The chain makes that one signature cover the append's earlier events.
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

/** The bytes the client stores for an event's data. */
export function storedDataBytes(data: unknown, isJson = true): Buffer {
  if (!isJson) {
    if (!(data instanceof Uint8Array)) throw new TypeError('binary event data must be a Uint8Array');
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function updateLengthPrefixed(h: ReturnType<typeof createHash>, bytes: Uint8Array): void {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(bytes.length);
  h.update(length);
  h.update(bytes);
}

/**
 * The hash of one event from its parts, `canonicalMetadata` being canonicalJson of its metadata
 * without `hash` and `signature`: for a writer that has that text already (it stores it).
 */
export function eventHashOf(prevHash: string, type: string, dataBytes: Uint8Array, canonicalMetadata: string): string {
  const h = createHash('sha256');
  h.update(DOMAIN_TAG);
  updateLengthPrefixed(h, Buffer.from(prevHash, 'ascii'));
  updateLengthPrefixed(h, Buffer.from(type, 'utf8'));
  updateLengthPrefixed(h, dataBytes);
  updateLengthPrefixed(h, Buffer.from(canonicalMetadata, 'utf8'));
  return h.digest('hex');
}

/**
 * The hash of one event: `metadata` must already contain `prevHash`; any `hash` and `signature`
 * members are ignored (the signature is over the hash).
 */
export function computeEventHash(type: string, dataBytes: Uint8Array, metadata: Record<string, unknown>): string {
  const prevHash = metadata.prevHash;
  if (typeof prevHash !== 'string') throw new TypeError('metadata.prevHash must be a string');
  const { hash: _hash, signature: _signature, ...rest } = metadata;
  return eventHashOf(prevHash, type, dataBytes, canonicalJson(rest));
}

/**
 * `ok`: every event continues the chain and is covered by a valid signature by a key of the
 * keyring (its own, or the one on the last event of its append). `unkeyed`: the chain is intact
 * but its first `unkeyedCount` events carry no keyId and no signature (written before events were
 * signed: they prove nothing about their writer). `broken`: from `firstBrokenRevision` on, an
 * event does not continue the chain, is not covered by a signature, its key is not in the
 * keyring, its signature is wrong, or it is unsigned after signed events (the system signs every
 * append since it signs any: only a forger writes unsigned ones after). `count` is the number of
 * events proven before the break.
 */
export type VerifyResult =
  | { status: 'ok'; ok: true; count: number; headHash: string; unkeyedCount: 0 }
  | { status: 'unkeyed'; ok: false; count: number; headHash: string; unkeyedCount: number; reason: string }
  | { status: 'broken'; ok: false; count: number; firstBrokenRevision: bigint; reason: string; unkeyedCount: number };

/** What the verifier needs of a stored event (a client's RecordedEvent has all of it). */
export interface ChainedEvent {
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
}

/**
 * Checks a stream's events in order, one at a time: the one home of the chain's and the
 * signatures' rules. Both forms of signing verify: one signature per event (history written
 * before 2026-12-07) and one per append, on its last event, whose hashed `batchSize` says how
 * many events of the append it covers (absent: 1, which is also the old form).
 */
export class ChainVerifier {
  private expectedPrev = GENESIS_HASH;
  private expectedRevision = 0n;
  /** Events proven: unkeyed ones and those covered by a signature. */
  private count = 0;
  private unkeyedCount = 0;
  /** A keyed event was seen: from then on every event must be keyed. */
  private keyedSeen = false;
  /** Keyed events waiting for the signature of their append's last event. */
  private pending: { firstRevision: bigint; keyId: string; count: number } | undefined;
  private broken: Extract<VerifyResult, { status: 'broken' }> | undefined;

  constructor(private readonly keyring: ChainKeyring) {}

  /** Adds the next event of the stream; false once the stream is broken (later events change nothing). */
  add(event: ChainedEvent): boolean {
    if (this.broken !== undefined) return false;
    const link = checkLink(event, this.expectedRevision, this.expectedPrev);
    const failure = link ?? this.cover(event.streamId, event.revision, event.metadata as Record<string, unknown>);
    if (failure !== undefined) {
      // Nothing of a batch is proven before its signature: the break starts where the batch does.
      const inBatch = this.pending !== undefined && this.pending.firstRevision !== event.revision;
      const reason = inBatch ? `${failure} (revision ${event.revision}, in the append from revision ${this.pending!.firstRevision})` : failure;
      this.broken = this.brokenFrom(this.pending?.firstRevision ?? event.revision, reason);
      return false;
    }
    this.expectedPrev = (event.metadata as { hash: string }).hash;
    this.expectedRevision += 1n;
    return true;
  }

  /** The verdict on the events added so far, taken as the whole stream. */
  result(): VerifyResult {
    if (this.broken !== undefined) return this.broken;
    if (this.pending !== undefined) {
      const { firstRevision, count } = this.pending;
      return this.brokenFrom(firstRevision, `${count} event${count === 1 ? '' : 's'} at the end not covered by a signature (the append's signed last event is missing)`);
    }
    return this.unkeyedCount === 0
      ? { status: 'ok', ok: true, count: this.count, headHash: this.expectedPrev, unkeyedCount: 0 }
      : {
          status: 'unkeyed', ok: false, count: this.count, headHash: this.expectedPrev, unkeyedCount: this.unkeyedCount,
          reason: `${this.unkeyedCount} of ${this.count} events carry no signature (written before events were signed)`,
        };
  }

  /** Why the event (whose link holds) is not covered by a signature, or undefined (counted, or pending). */
  private cover(streamId: string, revision: bigint, meta: Record<string, unknown>): string | undefined {
    const { keyId, signature, batchSize } = meta;
    if (keyId === undefined && signature === undefined) {
      if (this.keyedSeen) return 'unsigned event after signed events';
      this.unkeyedCount += 1;
      this.count += 1;
      return undefined;
    }
    if (typeof keyId !== 'string' || (signature !== undefined && typeof signature !== 'string')) return 'metadata has no keyId/signature';
    this.keyedSeen = true;
    if (this.pending !== undefined && this.pending.keyId !== keyId) return `one append under two keys (keyId ${this.pending.keyId}, then ${keyId})`;
    if (signature === undefined) {
      if (batchSize !== undefined) return 'batchSize on an event without a signature';
      if (this.pending === undefined) this.pending = { firstRevision: revision, keyId, count: 1 };
      else this.pending.count += 1;
      return undefined;
    }
    const size = batchSize ?? 1;
    const waiting = (this.pending?.count ?? 0) + 1;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) return 'metadata has an invalid batchSize';
    if (size < waiting) return `${waiting - size} event${waiting - size === 1 ? '' : 's'} not covered by a signature (unsigned event after signed events)`;
    if (size > waiting) return `the signature claims ${size} events, its append has ${waiting}`;
    const failure = this.keyring.check(streamId, meta.hash as string, keyId, signature as string);
    if (failure !== undefined) return `${failure} (keyId ${keyId})`;
    this.count += waiting;
    this.pending = undefined;
    return undefined;
  }

  private brokenFrom(firstBrokenRevision: bigint, reason: string): Extract<VerifyResult, { status: 'broken' }> {
    return { status: 'broken', ok: false, count: this.count, firstBrokenRevision, reason, unkeyedCount: this.unkeyedCount };
  }
}

/**
 * Reads a stream from its start and checks every link and signature against `keyring`. A stream
 * that does not exist (or whose events are all hidden by a soft delete) verifies with count 0.
 */
export async function verifyStream(client: EventStoreDBClient, streamName: string, keyring: ChainKeyring): Promise<VerifyResult> {
  const verifier = new ChainVerifier(keyring);
  try {
    // Read to the end even after a break: abandoning the client's read half-way leaves its gRPC
    // call open, and client.dispose() then waits for it forever (@eventstore/db-client 6.2.1).
    for await (const resolved of client.readStream(streamName)) {
      if (resolved.event) verifier.add(resolved.event);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { status: 'ok', ok: true, count: 0, headHash: GENESIS_HASH, unkeyedCount: 0 };
    throw error;
  }
  return verifier.result();
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
