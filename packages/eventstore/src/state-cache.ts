/**
 * Stream states kept in memory between commands. A command on a stream this process has seen
 * decides on the cached state and appends at the cached revision, with no read: the expected
 * revision makes the store refuse the append if anyone wrote in between, and the retry catches
 * up from the store (reading only the newer events). So the cache can make a command retry,
 * never make it wrong. A refusal (or a decision to write nothing) is never based on the cache
 * alone: `handleCommand` reads the stream's tail and decides again before refusing.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import { loadStream, type EventCodec, type Evolver, type LoadedStream, type StreamSnapshot } from './event-stream.js';

export interface StreamStateCacheOptions<State> {
  /** Streams kept (least recently used dropped first). Default 10,000. */
  maxStreams?: number;
  /**
   * Copies a state. Needed when `evolve` updates a state in place (the fund ledger does), so
   * that callers never change the cached copy; omit it when `evolve` returns new objects.
   */
  clone?: (state: State) => State;
}

export class StreamStateCache<Event, State> {
  private readonly entries = new Map<string, StreamSnapshot<State>>();
  private readonly maxStreams: number;
  private readonly clone: (state: State) => State;
  /** Reads by `catchUp` (for tests and metrics: the point of the cache is to need few). */
  reads = 0;

  constructor(
    readonly evolver: Evolver<Event, State>,
    readonly codec: Pick<EventCodec<Event>, 'decode'>,
    options: StreamStateCacheOptions<State> = {},
  ) {
    this.maxStreams = options.maxStreams ?? 10_000;
    if (!Number.isInteger(this.maxStreams) || this.maxStreams < 1) throw new RangeError('maxStreams must be a positive integer');
    this.clone = options.clone ?? ((s) => s);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached snapshot of a stream (a copy of its state), without reading; undefined when unknown. */
  peek(stream: string): StreamSnapshot<State> | undefined {
    const entry = this.entries.get(stream);
    if (!entry) return undefined;
    this.touch(stream, entry);
    return { ...entry, state: this.clone(entry.state) };
  }

  /**
   * The cached state itself, not a copy: only to look at (never evolve or change it). For
   * checks that run often on big states, where copying would cost more than the check.
   */
  view(stream: string): Readonly<State> | undefined {
    return this.entries.get(stream)?.state;
  }

  /** Reads the events written after the cached snapshot (the whole stream when unknown), keeps and returns the result. */
  async catchUp(client: EventStoreDBClient, stream: string): Promise<LoadedStream<Event, State>> {
    const cached = this.peek(stream);
    this.reads += 1;
    const loaded = await loadStream(client, stream, this.evolver, this.codec, cached ? { from: cached } : {});
    if (typeof loaded.revision === 'bigint') {
      this.remember(stream, { state: loaded.state, revision: loaded.revision, lastHash: loaded.lastHash, eventCount: loaded.eventCount });
    }
    return loaded;
  }

  /** Keeps a snapshot unless a newer one is cached already (a slower command may finish last). */
  remember(stream: string, snapshot: StreamSnapshot<State>): void {
    const current = this.entries.get(stream);
    if (current && current.revision >= snapshot.revision) return;
    this.touch(stream, { ...snapshot, state: this.clone(snapshot.state) });
  }

  forget(stream: string): void {
    this.entries.delete(stream);
  }

  private touch(stream: string, entry: StreamSnapshot<State>): void {
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.maxStreams) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
