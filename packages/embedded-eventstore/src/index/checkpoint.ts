import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from '../log/file-storage.js';
import type { AllIndex } from './all-index.js';

/**
 * A snapshot of the in-memory index, so that start-up replays only the log written after it
 * instead of re-reading every event body. Written to a temporary file, synced, then renamed.
 *
 *   magic(8) | u32 version | f64 coveredOffset | f64 lastCommit | u32 count | u32 streams | u32 types
 *   | names (u16 length + utf8)... | positions f64[count] | sizes u32[count] | streams u32[count]
 *   | types u32[count] | flags u8[count] | u32 crc32(everything before)
 */
export const CHECKPOINT_FILE = 'index.chk';
const MAGIC = Buffer.from('CFESIDX1', 'latin1');
const VERSION = 2;

export interface CheckpointInput {
  coveredOffset: number;
  /** Offset of the last commit covered, checked against the log before the checkpoint is used. */
  lastCommit: number;
  count: number;
  streams: string[];
  types: string[];
  all: AllIndex;
}

export interface Checkpoint {
  coveredOffset: number;
  lastCommit: number;
  count: number;
  streams: string[];
  types: string[];
  positions: Float64Array;
  sizes: Uint32Array;
  streamNos: Uint32Array;
  typeNos: Uint32Array;
  flags: Uint8Array;
}

export function writeCheckpoint(dir: string, c: CheckpointInput): void {
  const names = [...c.streams, ...c.types].map((n) => Buffer.from(n, 'utf8'));
  const namesLength = names.reduce((a, b) => a + 2 + b.length, 0);
  const header = 8 + 4 + 8 + 8 + 4 + 4 + 4;
  const size = header + namesLength + c.count * (8 + 4 + 4 + 4 + 1) + 4;
  const buf = Buffer.alloc(size);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(VERSION, 8);
  buf.writeDoubleLE(c.coveredOffset, 12);
  buf.writeDoubleLE(c.lastCommit, 20);
  buf.writeUInt32LE(c.count, 28);
  buf.writeUInt32LE(c.streams.length, 32);
  buf.writeUInt32LE(c.types.length, 36);
  let o = header;
  for (const n of names) { buf.writeUInt16LE(n.length, o); n.copy(buf, o + 2); o += 2 + n.length; }
  const put = (arr: Float64Array | Uint32Array | Uint8Array): void => {
    const bytes = Buffer.from(arr.buffer, arr.byteOffset, c.count * arr.BYTES_PER_ELEMENT);
    bytes.copy(buf, o);
    o += bytes.length;
  };
  put(c.all.positions); put(c.all.sizes); put(c.all.streams); put(c.all.types); put(c.all.flags);
  buf.writeUInt32LE(crc32(buf.subarray(0, o)), o);
  const file = path.join(dir, CHECKPOINT_FILE);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** The checkpoint in `dir`, or undefined when there is none or it is damaged (then the log is replayed whole). */
export function loadCheckpoint(dir: string): Checkpoint | undefined {
  const file = path.join(dir, CHECKPOINT_FILE);
  if (!fs.existsSync(file)) return undefined;
  const buf = fs.readFileSync(file);
  if (buf.length < 44 || !buf.subarray(0, 8).equals(MAGIC) || buf.readUInt32LE(8) !== VERSION) return undefined;
  if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) return undefined;
  const coveredOffset = buf.readDoubleLE(12);
  const lastCommit = buf.readDoubleLE(20);
  const count = buf.readUInt32LE(28);
  const streamCount = buf.readUInt32LE(32);
  const typeCount = buf.readUInt32LE(36);
  let o = 40;
  const readNames = (n: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const len = buf.readUInt16LE(o);
      out.push(buf.toString('utf8', o + 2, o + 2 + len));
      o += 2 + len;
    }
    return out;
  };
  const streams = readNames(streamCount);
  const types = readNames(typeCount);
  const take = <T>(bytesPer: number, make: (b: ArrayBuffer) => T): T => {
    const copy = new ArrayBuffer(count * bytesPer);
    new Uint8Array(copy).set(buf.subarray(o, o + count * bytesPer));
    o += count * bytesPer;
    return make(copy);
  };
  const positions = take(8, (b) => new Float64Array(b));
  const sizes = take(4, (b) => new Uint32Array(b));
  const streamNos = take(4, (b) => new Uint32Array(b));
  const typeNos = take(4, (b) => new Uint32Array(b));
  const flags = take(1, (b) => new Uint8Array(b));
  return { coveredOffset, lastCommit, count, streams, types, positions, sizes, streamNos, typeNos, flags };
}
