import { crc32 } from 'node:zlib';

/**
 * On-disk layout of the event log.
 *
 *   file   := header(16) commit*
 *   commit := u32 bodyLength | u32 crc32(body) | body
 *   body   := u8 kind(=1) | u32 eventCount | event*
 *   event  := u32 eventLength | u64 revision | u8 flags | u16 streamLength | stream
 *             | id(16) | i64 created | u16 typeLength | type
 *             | u32 dataLength | data | u32 metadataLength | metadata
 *
 * A commit is the unit of atomicity: it is either wholly valid (length and checksum match) or a
 * torn tail. An event's position is the file offset of its `eventLength` field, so positions are
 * real byte offsets, unique and increasing, as on EventStoreDB.
 */
export const FILE_MAGIC = Buffer.from('CFESLOG1', 'latin1');
export const FILE_HEADER_SIZE = 16;
export const COMMIT_HEADER_SIZE = 8;
const KIND_EVENTS = 1;
const BODY_PREFIX = 5;
const FLAG_JSON = 1;
const FLAG_TOMBSTONE = 2;

/** Revision given to the `$streamDeleted` event of a tombstoned stream (long.MaxValue). */
export const TOMBSTONE_REVISION = 9223372036854775807n;

export interface NewEvent {
  id: string;
  type: string;
  isJson: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
}

export interface StoredEvent extends NewEvent {
  position: number;
  /** Size in bytes of the event's record (its `eventLength` field included). */
  size: number;
  streamName: string;
  revision: number;
  tombstone: boolean;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB reports them. */
  created: bigint;
}

export interface EventToWrite extends NewEvent {
  streamName: string;
  revision: number;
  tombstone: boolean;
  created: bigint;
}

export function uuidToBytes(id: string, target: Buffer, offset: number): void {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`invalid event id ${JSON.stringify(id)}`);
  target.write(hex, offset, 16, 'hex');
}

export function bytesToUuid(source: Buffer, offset: number): string {
  const h = source.toString('hex', offset, offset + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isValidUuid(id: string): boolean {
  return /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(id);
}

function eventSize(e: EventToWrite): number {
  return 4 + 8 + 1 + 2 + Buffer.byteLength(e.streamName) + 16 + 8 + 2 + Buffer.byteLength(e.type)
    + 4 + e.data.length + 4 + e.metadata.length;
}

export interface EncodedCommit {
  bytes: Buffer;
  /** Offset of each event inside `bytes`, and its size. */
  eventOffsets: number[];
  eventSizes: number[];
}

/** Encodes one atomic commit of events (all of one stream). */
export function encodeCommit(events: EventToWrite[]): EncodedCommit {
  const sizes = events.map(eventSize);
  const bodyLength = BODY_PREFIX + sizes.reduce((a, b) => a + b, 0);
  const buf = Buffer.allocUnsafe(COMMIT_HEADER_SIZE + bodyLength);
  buf.writeUInt32LE(bodyLength, 0);
  let o = COMMIT_HEADER_SIZE;
  buf.writeUInt8(KIND_EVENTS, o); o += 1;
  buf.writeUInt32LE(events.length, o); o += 4;
  const eventOffsets: number[] = [];
  events.forEach((e, i) => {
    eventOffsets.push(o);
    buf.writeUInt32LE(sizes[i]! - 4, o); o += 4;
    buf.writeBigUInt64LE(e.tombstone ? TOMBSTONE_REVISION : BigInt(e.revision), o); o += 8;
    buf.writeUInt8((e.isJson ? FLAG_JSON : 0) | (e.tombstone ? FLAG_TOMBSTONE : 0), o); o += 1;
    const streamLength = buf.write(e.streamName, o + 2, 'utf8');
    buf.writeUInt16LE(streamLength, o); o += 2 + streamLength;
    uuidToBytes(e.id, buf, o); o += 16;
    buf.writeBigInt64LE(e.created, o); o += 8;
    const typeLength = buf.write(e.type, o + 2, 'utf8');
    buf.writeUInt16LE(typeLength, o); o += 2 + typeLength;
    buf.writeUInt32LE(e.data.length, o); o += 4;
    buf.set(e.data, o); o += e.data.length;
    buf.writeUInt32LE(e.metadata.length, o); o += 4;
    buf.set(e.metadata, o); o += e.metadata.length;
  });
  buf.writeUInt32LE(crc32(buf.subarray(COMMIT_HEADER_SIZE)), 4);
  return { bytes: buf, eventOffsets, eventSizes: sizes };
}

/** Decodes the event whose record starts at `offset` of `buf`; `position` is its file offset. */
export function decodeEvent(buf: Buffer, offset: number, position: number): StoredEvent {
  let o = offset;
  const size = buf.readUInt32LE(o) + 4; o += 4;
  const rawRevision = buf.readBigUInt64LE(o); o += 8;
  const flags = buf.readUInt8(o); o += 1;
  const streamLength = buf.readUInt16LE(o); o += 2;
  const streamName = buf.toString('utf8', o, o + streamLength); o += streamLength;
  const id = bytesToUuid(buf, o); o += 16;
  const created = buf.readBigInt64LE(o); o += 8;
  const typeLength = buf.readUInt16LE(o); o += 2;
  const type = buf.toString('utf8', o, o + typeLength); o += typeLength;
  const dataLength = buf.readUInt32LE(o); o += 4;
  const data = buf.subarray(o, o + dataLength); o += dataLength;
  const metadataLength = buf.readUInt32LE(o); o += 4;
  const metadata = buf.subarray(o, o + metadataLength);
  const tombstone = (flags & FLAG_TOMBSTONE) !== 0;
  return {
    position, size, streamName, id, created, type, data, metadata, tombstone,
    isJson: (flags & FLAG_JSON) !== 0,
    revision: tombstone ? Number.MAX_SAFE_INTEGER : Number(rawRevision),
  };
}

export type CommitCheck =
  | { ok: true; bodyLength: number; eventCount: number }
  | { ok: false; reason: string };

/** Validates the commit at the start of `buf` (which must hold at least the whole commit). */
export function checkCommit(buf: Buffer): CommitCheck {
  if (buf.length < COMMIT_HEADER_SIZE) return { ok: false, reason: 'truncated commit header' };
  const bodyLength = buf.readUInt32LE(0);
  if (bodyLength < BODY_PREFIX) return { ok: false, reason: `impossible commit length ${bodyLength}` };
  if (buf.length < COMMIT_HEADER_SIZE + bodyLength) return { ok: false, reason: 'truncated commit body' };
  const body = buf.subarray(COMMIT_HEADER_SIZE, COMMIT_HEADER_SIZE + bodyLength);
  if (crc32(body) !== buf.readUInt32LE(4)) return { ok: false, reason: 'checksum mismatch' };
  if (body.readUInt8(0) !== KIND_EVENTS) return { ok: false, reason: 'unknown commit kind' };
  return { ok: true, bodyLength, eventCount: body.readUInt32LE(1) };
}

/** Offsets (relative to the commit's start) of each event in a valid commit. */
export function eventOffsetsInCommit(buf: Buffer, eventCount: number): number[] {
  const offsets: number[] = [];
  let o = COMMIT_HEADER_SIZE + BODY_PREFIX;
  for (let i = 0; i < eventCount; i++) {
    offsets.push(o);
    o += buf.readUInt32LE(o) + 4;
  }
  return offsets;
}
