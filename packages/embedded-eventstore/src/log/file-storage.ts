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

/** Where replay may start: after the last commit an index checkpoint covers. */
export interface ReplayStart {
  /** Offset of the checkpoint's last commit, which must be valid and end at `end`. */
  lastCommit: number;
  end: number;
}

/**
 * The durable event log: one append-only file. The store writes each group of concurrent
 * appends as one commit with one writev and one fdatasync (group commit). Since a group is
 * written only after the previous one is synced, a crash can damage only the last commit: a
 * damaged commit followed by a valid one is media corruption, never a crash.
 */
export class FileStorage implements LogStorage {
  end: number;
  /** Offset of the last commit written, for index checkpoints. */
  lastCommit: number;
  private closed = false;

  private constructor(private readonly fd: number, end: number, lastCommit: number) {
    this.end = end;
    this.lastCommit = lastCommit;
  }

  /**
   * Opens (or creates) the log in `dir`, replays every commit from `from` (or from the start
   * when undefined, or when `from` does not match this log) through `onCommit`, and truncates a
   * torn tail. `beforeReplay` learns first whether `from` is used.
   */
  static open(
    dir: string,
    from: ReplayStart | undefined,
    beforeReplay: (fromUsed: boolean) => void,
    onCommit: (c: ScannedCommit) => void,
  ): { storage: FileStorage; report: RecoveryReport } {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOG_FILE);
    const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+', 0o600);
    try {
      const size = prepareHeader(fd, file, dir);
      const fromUsed = from !== undefined && commitEndsAt(fd, size, from);
      beforeReplay(fromUsed);
      const start = fromUsed ? from.end : FILE_HEADER_SIZE;
      const { end, lastCommit, report } = scan(fd, start, size, fromUsed ? from.lastCommit : 0, onCommit);
      if (end < size) {
        fs.ftruncateSync(fd, end);
        fs.fsyncSync(fd);
      }
      return { storage: new FileStorage(fd, end, lastCommit), report };
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
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
    this.lastCommit = this.end + total - buffers[buffers.length - 1]!.length;
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

function prepareHeader(fd: number, file: string, dir: string): number {
  const size = fs.fstatSync(fd).size;
  if (size < FILE_HEADER_SIZE) {
    const header = Buffer.alloc(FILE_HEADER_SIZE);
    FILE_MAGIC.copy(header, 0);
    header.writeUInt32LE(1, 8);
    fs.writeSync(fd, header, 0, header.length, 0);
    fs.ftruncateSync(fd, FILE_HEADER_SIZE);
    fs.fsyncSync(fd);
    fsyncDir(dir);
    return FILE_HEADER_SIZE;
  }
  const header = Buffer.alloc(FILE_HEADER_SIZE);
  fs.readSync(fd, header, 0, FILE_HEADER_SIZE, 0);
  if (!header.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) throw new Error(`${file} is not an embedded-eventstore log`);
  return size;
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

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Whether a checkpoint belongs to this log as it is now: its last commit must be here, valid,
 * and end exactly where the checkpoint says (a checkpoint of another log, or a commit damaged
 * since, fails this and the log is replayed whole).
 */
function commitEndsAt(fd: number, size: number, from: ReplayStart): boolean {
  if (from.end === FILE_HEADER_SIZE && from.lastCommit === 0) return true;
  if (from.lastCommit < FILE_HEADER_SIZE || from.end > size || from.end - from.lastCommit <= COMMIT_HEADER_SIZE) return false;
  const bytes = readAt(fd, from.lastCommit, from.end - from.lastCommit);
  const check = checkCommit(bytes);
  return check.ok && COMMIT_HEADER_SIZE + check.bodyLength === bytes.length;
}

function scan(fd: number, start: number, size: number, lastCommit: number, onCommit: (c: ScannedCommit) => void): { end: number; lastCommit: number; report: RecoveryReport } {
  let offset = start;
  let last = lastCommit;
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = start;
  const ensure = (need: number): boolean => {
    // Make buf hold [offset, offset + need) if the file has it.
    if (offset + need > size) return false;
    if (offset >= bufStart && offset + need <= bufStart + buf.length) return true;
    buf = readAt(fd, offset, Math.min(size - offset, Math.max(need, SCAN_CHUNK)));
    bufStart = offset;
    return true;
  };
  while (offset < size) {
    let reason: string | undefined;
    let bytes: Buffer | undefined;
    if (!ensure(COMMIT_HEADER_SIZE)) reason = 'truncated commit header';
    else {
      const bodyLength = buf.readUInt32LE(offset - bufStart);
      if (!ensure(COMMIT_HEADER_SIZE + bodyLength)) reason = 'truncated commit body';
      else {
        const rel = offset - bufStart;
        bytes = buf.subarray(rel, rel + COMMIT_HEADER_SIZE + bodyLength);
        const check = checkCommit(bytes);
        if (check.ok) onCommit({ offset, bytes, eventOffsets: eventOffsetsInCommit(bytes, check.eventCount) });
        else reason = check.reason;
      }
    }
    if (reason !== undefined) {
      // The damaged commit's own length may be what is damaged: look for a valid commit
      // anywhere after it without trusting that length.
      if (validCommitAfter(fd, offset + 1, size)) {
        throw new Error(`event log corrupt at offset ${offset} (${reason}) with valid commits after it: refusing to start rather than drop acknowledged events; restore the data directory from a backup`);
      }
      return { end: offset, lastCommit: last, report: { truncatedBytes: size - offset, truncatedAt: offset, reason } };
    }
    last = offset;
    offset += bytes!.length;
  }
  return { end: offset, lastCommit: last, report: { truncatedBytes: 0 } };
}

/** Whether a valid commit starts anywhere in [from, size): only run when damage was found. */
function validCommitAfter(fd: number, from: number, size: number): boolean {
  for (let base = from; base + COMMIT_HEADER_SIZE + 5 <= size; base += SCAN_CHUNK) {
    const window = readAt(fd, base, Math.min(size - base, SCAN_CHUNK + COMMIT_HEADER_SIZE + 1));
    const limit = Math.min(SCAN_CHUNK, window.length - COMMIT_HEADER_SIZE - 1);
    for (let i = 0; i < limit; i++) {
      const bodyLength = window.readUInt32LE(i);
      const p = base + i;
      // Cheap filters first: a plausible length and the commit kind byte.
      if (bodyLength < 5 || p + COMMIT_HEADER_SIZE + bodyLength > size || window[i + COMMIT_HEADER_SIZE] !== 1) continue;
      if (checkCommit(readAt(fd, p, COMMIT_HEADER_SIZE + bodyLength)).ok) return true;
    }
  }
  return false;
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
