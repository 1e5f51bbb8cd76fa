import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  checkCommit, COMMIT_HEADER_SIZE, eventOffsetsInCommit, FILE_HEADER_SIZE, FILE_MAGIC,
} from './record.js';
import type { LogStorage } from './storage.js';

const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);
const SCAN_CHUNK = 8 * 1024 * 1024;

export const LOG_FILE = 'events.log';

export interface RecoveryReport {
  /** Bytes dropped from the end of the log because they were a torn or corrupt commit. */
  truncatedBytes: number;
  truncatedAt?: number;
  reason?: string;
}

/** A commit found while scanning the log at start-up. */
export interface ScannedCommit {
  offset: number;
  bytes: Buffer;
  eventOffsets: number[];
}

/**
 * The durable event log: one append-only file. `write` is a single writev plus fdatasync, so a
 * caller that batches concurrent appends into one call gets group commit.
 */
export class FileStorage implements LogStorage {
  end: number;
  private closed = false;

  private constructor(private readonly fd: number, end: number) {
    this.end = end;
  }

  /**
   * Opens (or creates) the log in `dir`, replays every commit from `from` through `onCommit`,
   * and truncates a torn or corrupt tail. Corruption followed by valid commits is not a tail:
   * it is refused, since truncating there would drop acknowledged events.
   */
  static open(dir: string, from: number, onCommit: (c: ScannedCommit) => void): { storage: FileStorage; report: RecoveryReport } {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOG_FILE);
    const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+', 0o600);
    let size = fs.fstatSync(fd).size;
    if (size < FILE_HEADER_SIZE) {
      const header = Buffer.alloc(FILE_HEADER_SIZE);
      FILE_MAGIC.copy(header, 0);
      header.writeUInt32LE(1, 8);
      fs.writeSync(fd, header, 0, header.length, 0);
      fs.ftruncateSync(fd, FILE_HEADER_SIZE);
      fs.fsyncSync(fd);
      fsyncDir(dir);
      size = FILE_HEADER_SIZE;
    } else {
      const header = Buffer.alloc(FILE_HEADER_SIZE);
      fs.readSync(fd, header, 0, FILE_HEADER_SIZE, 0);
      if (!header.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
        fs.closeSync(fd);
        throw new Error(`${file} is not an embedded-eventstore log`);
      }
    }
    const start = Math.max(from, FILE_HEADER_SIZE);
    if (start > size) {
      fs.closeSync(fd);
      throw new Error(`index checkpoint covers ${start} bytes but ${file} has only ${size}`);
    }
    const { end, report } = scan(fd, start, size, onCommit);
    if (end < size) {
      fs.ftruncateSync(fd, end);
      fs.fsyncSync(fd);
    }
    return { storage: new FileStorage(fd, end), report };
  }

  async write(buffers: Buffer[]): Promise<void> {
    if (this.closed) throw new Error('event log is closed');
    let total = 0;
    for (const b of buffers) total += b.length;
    // writev may write partially for very large batches: loop until all bytes are down.
    let written = 0;
    let pending = buffers;
    while (written < total) {
      const { bytesWritten } = await writev(this.fd, pending, this.end + written);
      written += bytesWritten;
      if (written < total) pending = remaining(buffers, written);
    }
    await fdatasync(this.fd);
    this.end += total;
  }

  read(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, buf, got, length - got, position + got);
      if (n === 0) throw new RangeError(`read past end of log at ${position + got}`);
      got += n;
    }
    return buf;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    fs.closeSync(this.fd);
    return Promise.resolve();
  }
}

function remaining(buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let s = skip;
  for (const b of buffers) {
    if (s >= b.length) { s -= b.length; continue; }
    out.push(s > 0 ? b.subarray(s) : b);
    s = 0;
  }
  return out;
}

function scan(fd: number, start: number, size: number, onCommit: (c: ScannedCommit) => void): { end: number; report: RecoveryReport } {
  let offset = start;
  let buf = Buffer.alloc(0);
  let bufStart = start;
  const ensure = (need: number): boolean => {
    // Make buf hold [offset, offset + need) if the file has it.
    if (offset + need > size) return false;
    if (offset >= bufStart && offset + need <= bufStart + buf.length) return true;
    const length = Math.min(size - offset, Math.max(need, SCAN_CHUNK));
    buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) got += fs.readSync(fd, buf, got, length - got, offset + got);
    bufStart = offset;
    return true;
  };
  while (offset < size) {
    if (!ensure(COMMIT_HEADER_SIZE)) return tail(offset, size, 'truncated commit header');
    const bodyLength = buf.readUInt32LE(offset - bufStart);
    if (!ensure(COMMIT_HEADER_SIZE + bodyLength)) return tail(offset, size, 'truncated commit body');
    const rel = offset - bufStart;
    const bytes = buf.subarray(rel, rel + COMMIT_HEADER_SIZE + bodyLength);
    const check = checkCommit(bytes);
    if (!check.ok) {
      const next = offset + COMMIT_HEADER_SIZE + bodyLength;
      if (bodyLength > 0 && next < size && validCommitAt(fd, next, size)) {
        throw new Error(`event log corrupt at offset ${offset} (${check.reason}) with valid commits after it: refusing to start; restore from a backup`);
      }
      return tail(offset, size, check.reason);
    }
    onCommit({ offset, bytes, eventOffsets: eventOffsetsInCommit(bytes, check.eventCount) });
    offset += bytes.length;
  }
  return { end: offset, report: { truncatedBytes: 0 } };
}

function tail(offset: number, size: number, reason: string): { end: number; report: RecoveryReport } {
  return { end: offset, report: { truncatedBytes: size - offset, truncatedAt: offset, reason } };
}

function validCommitAt(fd: number, offset: number, size: number): boolean {
  if (offset + COMMIT_HEADER_SIZE > size) return false;
  const header = Buffer.alloc(COMMIT_HEADER_SIZE);
  fs.readSync(fd, header, 0, COMMIT_HEADER_SIZE, offset);
  const bodyLength = header.readUInt32LE(0);
  if (offset + COMMIT_HEADER_SIZE + bodyLength > size) return false;
  const bytes = Buffer.allocUnsafe(COMMIT_HEADER_SIZE + bodyLength);
  fs.readSync(fd, bytes, 0, bytes.length, offset);
  return checkCommit(bytes).ok;
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
