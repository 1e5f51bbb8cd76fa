/** Where committed bytes live: a durable file, or memory for `--mem-db`. */
export interface LogStorage {
  /** Offset at which the next commit will be written. */
  readonly end: number;
  /** Offset of the last commit written (durable storage only, for index checkpoints). */
  readonly lastCommit?: number;
  /** Appends the buffers at `end` and returns once they are durable. */
  write(buffers: Buffer[]): Promise<void>;
  /** Reads `length` bytes at `position` (must lie within written data). */
  read(position: number, length: number): Buffer;
  close(): Promise<void>;
}

/** Memory-only storage: nothing survives the process, as with EventStoreDB's `--mem-db`. */
export class MemoryStorage implements LogStorage {
  private readonly chunks: Buffer[] = [];
  private readonly starts: number[] = [];
  end: number;

  constructor(start: number) {
    this.end = start;
  }

  write(buffers: Buffer[]): Promise<void> {
    for (const b of buffers) {
      this.chunks.push(b);
      this.starts.push(this.end);
      this.end += b.length;
    }
    return Promise.resolve();
  }

  read(position: number, length: number): Buffer {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= position) lo = mid; else hi = mid - 1;
    }
    const chunk = this.chunks[lo];
    const start = this.starts[lo];
    if (chunk === undefined || start === undefined) throw new RangeError(`no data at ${position}`);
    const from = position - start;
    if (from + length <= chunk.length) return chunk.subarray(from, from + length);
    // A range spanning several commits (batched $all reads): copy it together.
    const out = Buffer.allocUnsafe(length);
    let copied = 0;
    for (let i = lo; copied < length; i++) {
      const c = this.chunks[i]!;
      const offset = i === lo ? from : 0;
      copied += c.copy(out, copied, offset, Math.min(c.length, offset + length - copied));
    }
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
