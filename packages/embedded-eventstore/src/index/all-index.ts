/**
 * The `$all` order of every event, held in typed arrays so that memory grows by ~21 bytes per
 * event whatever the size of event bodies, which stay on disk.
 */
export const FLAG_TOMBSTONE = 1;

export class AllIndex {
  positions = new Float64Array(1024);
  sizes = new Uint32Array(1024);
  streams = new Uint32Array(1024);
  types = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  count = 0;

  push(position: number, size: number, stream: number, type: number, flags: number): number {
    if (this.count === this.positions.length) this.grow(this.count * 2);
    const i = this.count++;
    this.positions[i] = position;
    this.sizes[i] = size;
    this.streams[i] = stream;
    this.types[i] = type;
    this.flags[i] = flags;
    return i;
  }

  /** Index of the first event at or after `position` (count when none). */
  lowerBound(position: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! < position) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Index of the first event after `position` (count when none). */
  upperBound(position: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! <= position) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Replaces the contents, for loading a checkpoint. */
  load(count: number, positions: Float64Array, sizes: Uint32Array, streams: Uint32Array, types: Uint32Array, flags: Uint8Array): void {
    this.count = 0;
    this.grow(Math.max(1024, count * 2));
    this.positions.set(positions.subarray(0, count));
    this.sizes.set(sizes.subarray(0, count));
    this.streams.set(streams.subarray(0, count));
    this.types.set(types.subarray(0, count));
    this.flags.set(flags.subarray(0, count));
    this.count = count;
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.count));
      return next;
    };
    this.positions = copy(this.positions, (n) => new Float64Array(n));
    this.sizes = copy(this.sizes, (n) => new Uint32Array(n));
    this.streams = copy(this.streams, (n) => new Uint32Array(n));
    this.types = copy(this.types, (n) => new Uint32Array(n));
    this.flags = copy(this.flags, (n) => new Uint8Array(n));
  }
}
