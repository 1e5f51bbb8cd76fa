import type { StoredEvent } from '../log/record.js';

/**
 * Hand-written protobuf encoding of `ReadResp` messages, the hot path of reads and
 * subscriptions: it writes each response in one buffer instead of building message objects.
 * Field numbers follow event_store.client.streams.ReadResp (streams.proto).
 */

const TOMBSTONE_VARINT = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
const JSON_TYPE = Buffer.from('application/json');
const BINARY_TYPE = Buffer.from('application/octet-stream');
const KEY_TYPE = Buffer.from('type');
const KEY_CONTENT_TYPE = Buffer.from('content-type');
const KEY_CREATED = Buffer.from('created');

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) { n = Math.floor(n / 128); size++; }
  return size;
}

function putVarint(buf: Buffer, o: number, n: number): number {
  while (n >= 128) {
    buf[o++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[o++] = n;
  return o;
}

function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

class Writer {
  o = 0;
  constructor(readonly buf: Buffer) {}
  tag(tag: number): this { this.buf[this.o++] = tag; return this; }
  varint(n: number): this { this.o = putVarint(this.buf, this.o, n); return this; }
  bytes(tag: number, b: Uint8Array): this {
    this.tag(tag).varint(b.length);
    this.buf.set(b, this.o);
    this.o += b.length;
    return this;
  }
  len(tag: number, length: number): this { return this.tag(tag).varint(length); }
}

/** `ReadResp { event: ReadEvent { event: RecordedEvent, commit_position } }`. */
export function encodeEventResponse(e: StoredEvent): Buffer {
  const id = Buffer.from(e.id, 'latin1');
  const stream = Buffer.from(e.streamName, 'utf8');
  const type = Buffer.from(e.type, 'utf8');
  const created = Buffer.from(e.created.toString(), 'latin1');
  // A tombstone is never JSON (LogRecord.DeleteTombstone sets no IsJson flag), whatever an older log recorded.
  const contentType = e.isJson && !e.tombstone ? JSON_TYPE : BINARY_TYPE;

  const uuidSize = fieldSize(id.length);
  const streamIdSize = fieldSize(stream.length);
  const entry = (k: Buffer, v: Buffer): number => fieldSize(k.length) + fieldSize(v.length);
  const typeEntry = entry(KEY_TYPE, type);
  const contentEntry = entry(KEY_CONTENT_TYPE, contentType);
  const createdEntry = entry(KEY_CREATED, created);
  const revisionSize = e.tombstone ? TOMBSTONE_VARINT.length : varintSize(e.revision);
  const positionSize = varintSize(e.position);
  const recorded = fieldSize(uuidSize) + fieldSize(streamIdSize) + 1 + revisionSize + 2 * (1 + positionSize)
    + fieldSize(typeEntry) + fieldSize(contentEntry) + fieldSize(createdEntry)
    + fieldSize(e.metadata.length) + fieldSize(e.data.length);
  const readEvent = fieldSize(recorded) + 1 + positionSize;
  const total = fieldSize(readEvent);

  const w = new Writer(Buffer.allocUnsafe(total));
  w.len(0x0a, readEvent);
  w.len(0x0a, recorded);
  w.len(0x0a, uuidSize).bytes(0x12, id);
  w.len(0x12, streamIdSize).bytes(0x1a, stream);
  w.tag(0x18);
  if (e.tombstone) { TOMBSTONE_VARINT.copy(w.buf, w.o); w.o += TOMBSTONE_VARINT.length; } else w.varint(e.revision);
  w.tag(0x20).varint(e.position);
  w.tag(0x28).varint(e.position);
  w.len(0x32, typeEntry).bytes(0x0a, KEY_TYPE).bytes(0x12, type);
  w.len(0x32, contentEntry).bytes(0x0a, KEY_CONTENT_TYPE).bytes(0x12, contentType);
  w.len(0x32, createdEntry).bytes(0x0a, KEY_CREATED).bytes(0x12, created);
  w.bytes(0x3a, e.metadata);
  w.bytes(0x42, e.data);
  w.tag(0x18).varint(e.position);
  return w.buf;
}

/** `ReadResp { confirmation: { subscription_id } }`. */
export function encodeConfirmation(subscriptionId: string): Buffer {
  const id = Buffer.from(subscriptionId, 'utf8');
  const w = new Writer(Buffer.allocUnsafe(fieldSize(fieldSize(id.length))));
  return w.len(0x12, fieldSize(id.length)).bytes(0x0a, id).buf;
}

/** `google.protobuf.Timestamp { seconds = 1, nanos = 2 }` of an epoch time in ms. */
function timestamp(ms: number): Buffer {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const w = new Writer(Buffer.allocUnsafe(2 + varintSize(seconds) + varintSize(nanos)));
  w.tag(0x08).varint(seconds);
  if (nanos > 0) w.tag(0x10).varint(nanos);
  return w.buf.subarray(0, w.o);
}

/** A position's `commit_position = 1, prepare_position = 2` (commit == prepare here). */
function positionFields(position: number): Buffer {
  const w = new Writer(Buffer.allocUnsafe(2 * (1 + varintSize(position))));
  return w.tag(0x08).varint(position).tag(0x10).varint(position).buf;
}

/** Concatenates length-delimited fields `[tag, bytes]` and varint fields `[tag, number]`. */
function message(fields: ([number, Buffer] | [number, number])[]): Buffer {
  let size = 0;
  for (const [, v] of fields) size += typeof v === 'number' ? 1 + varintSize(v) : fieldSize(v.length);
  const w = new Writer(Buffer.allocUnsafe(size));
  for (const [tag, v] of fields) if (typeof v === 'number') w.tag(tag).varint(v); else w.bytes(tag, v);
  return w.buf;
}

/**
 * `ReadResp { checkpoint: { commit_position, prepare_position, timestamp } }`; the timestamp
 * (field 3) came with EventStoreDB 24.10.5 and is ignored by older clients.
 */
export function encodeCheckpoint(position: number, timestampMs?: number): Buffer {
  const inner = timestampMs === undefined
    ? positionFields(position)
    : Buffer.concat([positionFields(position), message([[0x1a, timestamp(timestampMs)]])]);
  return message([[0x1a, inner]]);
}

/**
 * `ReadResp { caught_up: { timestamp, stream_revision | position } }` (24.10.5+, Streams.Read.cs
 * `Convert`): a stream subscription's last revision, a `$all` subscription's position, each
 * omitted when there is none yet.
 */
export function encodeCaughtUp(timestampMs: number, at: { revision?: number; position?: number }): Buffer {
  const fields: ([number, Buffer] | [number, number])[] = [[0x0a, timestamp(timestampMs)]];
  if (at.revision !== undefined && at.revision >= 0) fields.push([0x10, at.revision]);
  if (at.position !== undefined && at.position >= 0) fields.push([0x1a, positionFields(at.position)]);
  return message([[0x42, message(fields)]]);
}

/** `ReadResp { stream_not_found: { stream_identifier } }`. */
export function encodeStreamNotFound(streamName: string): Buffer {
  const name = Buffer.from(streamName, 'utf8');
  const id = fieldSize(name.length);
  const w = new Writer(Buffer.allocUnsafe(fieldSize(fieldSize(id))));
  return w.len(0x22, fieldSize(id)).len(0x0a, id).bytes(0x1a, name).buf;
}

/** `ReadResp { caught_up: {} }`. */
export const CAUGHT_UP = Buffer.from([0x42, 0x00]);
/** `ReadResp { fell_behind: {} }`. */
export const FELL_BEHIND = Buffer.from([0x4a, 0x00]);
