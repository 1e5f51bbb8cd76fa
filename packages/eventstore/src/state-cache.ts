/**
 * Stream states kept in memory between commands. A command on a stream this process has seen
 * decides on the cached state and appends at the cached revision, with no read: the expected
 * revision makes the store refuse the append if anyone wrote in between, and the retry catches
 * up from the store (reading only the newer events). So the cache can make a command retry,
 * never make it wrong. A refusal (or a decision to write nothing) is never based on the cache
 * alone: `handleCommand` reads the stream's tail and decides again before refusing.
 */
import { NO_STREAM, type EventStoreDBClient } from '@eventstore/db-client';
import { GENESIS_HASH } from './hash-chain.js';
import { loadStream, type EventCodec, type Evolver, type LoadedStream, type StreamRevision, type StreamSnapshot } from './event-stream.js';

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

  /** Reads the events written after the cached snapshot (the whole stream when unknown), keeps the result and returns a copy of it. */
  async catchUp(client: EventStoreDBClient, stream: string): Promise<LoadedStream<Event, State>> {
    const loaded = await this.refresh(client, stream);
    return { ...loaded, state: this.clone(loaded.state) };
  }

  /**
   * `catchUp` for a caller that only looks at the state: what is returned may be the cached state
   * itself (never evolve or change it). The cached state is copied only when events follow it
   * (evolve may update in place), so a read that finds nothing new copies nothing.
   */
  async refresh(client: EventStoreDBClient, stream: string): Promise<LoadedStream<Event, Readonly<State>>> {
    const cached = this.entries.get(stream);
    this.reads += 1;
    let copied = false;
    const copyOnWrite: Evolver<Event, State> = {
      initialState: () => this.evolver.initialState(),
      evolve: (state, event) => {
        if (!copied) {
          copied = true;
          return this.evolver.evolve(this.clone(state), event);
        }
        return this.evolver.evolve(state, event);
      },
    };
    const loaded = await loadStream(client, stream, cached ? copyOnWrite : this.evolver, this.codec, cached ? { from: cached } : {});
    if (typeof loaded.revision === 'bigint') {
      this.adopt(stream, { state: loaded.state, revision: loaded.revision, lastHash: loaded.lastHash, eventCount: loaded.eventCount });
    }
    return loaded;
  }

  /**
   * The state a command decides on. Unless `fresh`, a cached state at the expected revision (at
   * any, when none is expected) serves as it is, `verified: false`: the append's revision check
   * verifies it; and a command creating a stream (`NO_STREAM` expected) with nothing cached starts
   * from the initial state. Otherwise the stream is read (`verified: true`): its tail after the
   * cached state, or, with an idempotency key, the whole of it, to find an earlier execution.
   */
  async forDecision(client: EventStoreDBClient, stream: string, options: {
    fresh?: boolean; expectedRevision?: StreamRevision; idempotencyKey?: string;
  } = {}): Promise<{ loaded: LoadedStream<Event, State>; verified: boolean }> {
    const { expectedRevision, idempotencyKey } = options;
    if (idempotencyKey !== undefined) {
      const loaded = await loadStream(client, stream, this.evolver, this.codec, { idempotencyKey });
      if (!loaded.previousExecution && typeof loaded.revision === 'bigint') {
        this.remember(stream, { state: loaded.state, revision: loaded.revision, lastHash: loaded.lastHash, eventCount: loaded.eventCount });
      }
      return { loaded, verified: true };
    }
    if (!options.fresh) {
      const cached = this.peek(stream);
      if (cached && (expectedRevision === undefined || expectedRevision === cached.revision)) return { loaded: cached, verified: false };
      if (!cached && expectedRevision === NO_STREAM) {
        return { loaded: { state: this.evolver.initialState(), revision: NO_STREAM, lastHash: GENESIS_HASH, eventCount: 0 }, verified: false };
      }
    }
    return { loaded: await this.catchUp(client, stream), verified: true };
  }

  /** Keeps a copy of a snapshot unless a newer one is cached already (a slower command may finish last). */
  remember(stream: string, snapshot: StreamSnapshot<State>): void {
    const current = this.entries.get(stream);
    if (current && current.revision >= snapshot.revision) return;
    this.touch(stream, { ...snapshot, state: this.clone(snapshot.state) });
  }

  /** `remember` without the copy: the caller hands the state over and never changes it again. */
  adopt(stream: string, snapshot: StreamSnapshot<State>): void {
    const current = this.entries.get(stream);
    if (current && current.revision >= snapshot.revision) return;
    this.touch(stream, { ...snapshot });
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
