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
  const contentType = e.isJson ? JSON_TYPE : BINARY_TYPE;

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

/** `ReadResp { checkpoint: { commit_position, prepare_position } }`. */
export function encodeCheckpoint(position: number): Buffer {
  const inner = 2 * (1 + varintSize(position));
  const w = new Writer(Buffer.allocUnsafe(fieldSize(inner)));
  return w.len(0x1a, inner).tag(0x08).varint(position).tag(0x10).varint(position).buf;
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
