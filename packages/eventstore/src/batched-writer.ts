/**
 * Commands on one hot stream (a fund-year ledger takes every approval and disbursement of a
 * jurisdiction), written in batches: while one append is in flight, the commands that arrive
 * queue up; the next round decides them one after another on the evolving state (so each sees
 * the ones before it: a budget is never over-committed) and writes all their events in ONE
 * append at the state's revision. A stream then takes one command per append round trip per
 * batch rather than per command. Each command still gets its own events, metadata (actor,
 * correlation) and refusal; the hash chain runs through the batch in order.
 *
 * States come from a StreamStateCache: decided without a read while this process is the only
 * writer, caught up after a version conflict, and checked against the store before any
 * refusal or empty decision (as in handleCommand).
 */
import { WrongExpectedVersionError, type EventStoreDBClient } from '@eventstore/db-client';
import {
  ConcurrencyConflictError, appendEncoded,
  type CommandMetadata, type Decider, type EventCodec, type LoadedStream, type StreamRevision,
} from './event-stream.js';
import type { ChainSigner } from './chain-signature.js';
import type { StreamStateCache } from './state-cache.js';

export interface BatchedCommandResult<Event> {
  events: Event[];
  /** The stream's revision after this command's events (its revision before, when it decided none). */
  revision: StreamRevision;
  /** Commands written in the same append (1 when alone). */
  batchSize: number;
}

export interface BatchedStreamWriterOptions {
  /** Signs each append (one signature for the whole batch). */
  signer: ChainSigner;
  /** Commands decided into one append at most (default 128). */
  maxBatch?: number;
  /** Re-decides of a batch after version conflicts (default 20). */
  maxRetries?: number;
  onConflict?: (stream: string) => void;
  /** Called with the size of every batch written (for metrics). */
  onBatch?: (stream: string, commands: number, events: number) => void;
}

interface Pending<Command, Event> {
  command: Command;
  metadata: CommandMetadata;
  resolve: (result: BatchedCommandResult<Event>) => void;
  reject: (error: unknown) => void;
}

interface Outcome<Event> {
  events: Event[];
  refusal?: { error: unknown };
}

export class BatchedStreamWriter<Command, Event, State> {
  private readonly queues = new Map<string, Pending<Command, Event>[]>();
  private readonly maxBatch: number;
  private readonly maxRetries: number;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly decider: Decider<Command, Event, State>,
    private readonly codec: EventCodec<Event>,
    private readonly cache: StreamStateCache<Event, State>,
    private readonly options: BatchedStreamWriterOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 128;
    this.maxRetries = options.maxRetries ?? 20;
  }

  /** Decides and writes one command; resolves once its events are stored, or rejects with its refusal. */
  submit(stream: string, command: Command, metadata: CommandMetadata): Promise<BatchedCommandResult<Event>> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(stream);
      if (queue) {
        queue.push({ command, metadata, resolve, reject });
        return;
      }
      this.queues.set(stream, [{ command, metadata, resolve, reject }]);
      void this.drain(stream);
    });
  }

  private async drain(stream: string): Promise<void> {
    const queue = this.queues.get(stream)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        await this.write(stream, batch);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.queues.delete(stream);
  }

  private decideAll(batch: readonly Pending<Command, Event>[], loaded: LoadedStream<Event, State>): { outcomes: Outcome<Event>[]; state: State } {
    let state = loaded.state;
    const outcomes = batch.map((p): Outcome<Event> => {
      try {
        const events = [...this.decider.decide(p.command, state)];
        for (const e of events) state = this.decider.evolve(state, e);
        return { events };
      } catch (error) {
        return { events: [], refusal: { error } };
      }
    });
    return { outcomes, state };
  }

  private async write(stream: string, batch: Pending<Command, Event>[]): Promise<void> {
    for (let attempt = 1; attempt <= this.maxRetries + 1; attempt += 1) {
      const cached = attempt === 1 ? this.cache.peek(stream) : undefined;
      let loaded: LoadedStream<Event, State> = cached ?? await this.cache.catchUp(this.client, stream);
      let decided = this.decideAll(batch, loaded);
      if (cached && decided.outcomes.some((o) => o.refusal !== undefined || o.events.length === 0)) {
        // Never refuse (or do nothing) on the cache's word: decide the batch on the store's state.
        loaded = await this.cache.catchUp(this.client, stream);
        decided = this.decideAll(batch, loaded);
      }
      const encoded = decided.outcomes.flatMap((o, i) => o.events.map((e) => ({ ...this.codec.encode(e), metadata: batch[i]!.metadata })));
      if (encoded.length > 0) {
        try {
          const appended = await appendEncoded(this.client, stream, encoded, {
            expectedRevision: loaded.revision, prevHash: loaded.lastHash, metadata: {}, signer: this.options.signer,
          });
          // The batch's state is its own copy (peek and catchUp copy), handed to the cache as it is.
          this.cache.adopt(stream, { state: decided.state, revision: appended.revision, lastHash: appended.lastHash, eventCount: loaded.eventCount + encoded.length });
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          this.options.onConflict?.(stream);
          continue;
        }
      }
      this.options.onBatch?.(stream, batch.length, encoded.length);
      const base = typeof loaded.revision === 'bigint' ? loaded.revision : -1n;
      let written = 0;
      decided.outcomes.forEach((o, i) => {
        const p = batch[i]!;
        if (o.refusal) return p.reject(o.refusal.error);
        written += o.events.length;
        p.resolve({ events: o.events, revision: written > 0 ? base + BigInt(written) : loaded.revision, batchSize: batch.length });
      });
      return;
    }
    throw new ConcurrencyConflictError(stream, this.maxRetries + 1);
  }
}
