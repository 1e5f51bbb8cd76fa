/**
 * Drives the projector: applies envelopes from NATS one at a time, repairs a gap by reading the
 * missing events of the stream from EventStoreDB, and rebuilds the whole read model from `$all`
 * (user events only). Handling and rebuilding run one at a time, in the order they were asked
 * for, so no event handled meanwhile can be lost between the old rows and the rebuilt ones: the
 * rebuild reads every event committed before it started, and whatever the consumer delivers
 * afterwards is either a duplicate or new.
 */
import { START, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { envelopeOf, type ProjectedEnvelope } from '../envelope.js';
import { Projector, StreamGapError, type ApplyOutcome } from './projector.js';
import type { ReadModelStore } from './store.js';

export interface ProjectionObserver {
  /** After each event handled (applied, duplicate or ignored). */
  onHandled?(outcome: ApplyOutcome, envelope: ProjectedEnvelope): void;
  onGapRepaired?(streamId: string, events: number): void;
}

export interface RebuildResult {
  events: number;
  applied: number;
  digest: string;
  seconds: number;
}

export class ProjectionRunner {
  readonly projector: Projector;
  private rebuilding: Promise<RebuildResult> | undefined;
  /** The instant (store time) of the last event applied, for the lag in seconds. */
  lastAppliedCreated: string | undefined;

  constructor(
    readonly store: ReadModelStore,
    private readonly client: EventStoreDBClient,
    private readonly logger?: Logger,
    private readonly observer: ProjectionObserver = {},
  ) {
    this.projector = new Projector(store);
  }

  get isRebuilding(): boolean {
    return this.rebuilding !== undefined;
  }

  /** Runs `fn` after everything queued before it: handling and rebuilding never interleave (a gap repair awaits reads). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.then(() => undefined, () => undefined);
    return run;
  }

  private tail: Promise<void> = Promise.resolve();

  /** Applies one envelope (the consumer's handler). A gap is filled from EventStoreDB first. */
  handle(envelope: ProjectedEnvelope): Promise<ApplyOutcome> {
    return this.exclusive(() => this.handleNow(envelope));
  }

  private async handleNow(envelope: ProjectedEnvelope): Promise<ApplyOutcome> {
    let outcome: ApplyOutcome;
    try {
      outcome = this.projector.apply(envelope);
    } catch (error) {
      if (!(error instanceof StreamGapError)) throw error;
      await this.repairGap(error);
      outcome = this.projector.apply(envelope);
    }
    if (outcome === 'applied') this.lastAppliedCreated = envelope.created;
    this.observer.onHandled?.(outcome, envelope);
    return outcome;
  }

  /** Reads the events the read model lacks from EventStoreDB, up to the one that arrived. */
  private async repairGap(gap: StreamGapError): Promise<void> {
    this.logger?.warn({ stream: gap.streamId, lastApplied: gap.lastApplied, revision: gap.revision }, 'events missing from the read model: reading them from the event store');
    let repaired = 0;
    // Read to the end (never break out of the client's iterator: see @cfund/eventstore README).
    for await (const resolved of this.client.readStream(gap.streamId, { fromRevision: BigInt(gap.lastApplied + 1) })) {
      const e = envelopeOf(resolved);
      if (!e || e.revision >= gap.revision) continue;
      if (this.projector.apply(e) === 'applied') repaired += 1;
    }
    this.observer.onGapRepaired?.(gap.streamId, repaired);
  }

  /**
   * Replaces the read model with one built from every user event of `$all`, in one transaction
   * (a failure leaves the old rows). Concurrent calls share the same rebuild.
   */
  rebuild(): Promise<RebuildResult> {
    this.rebuilding ??= this.exclusive(() => this.runRebuild()).finally(() => { this.rebuilding = undefined; });
    return this.rebuilding;
  }

  private async runRebuild(): Promise<RebuildResult> {
    const started = process.hrtime.bigint();
    const db = this.store.db;
    let events = 0;
    let applied = 0;
    let last: string | undefined;
    db.exec('BEGIN IMMEDIATE');
    try {
      this.store.wipe();
      this.projector.beginBatch();
      for await (const resolved of this.client.readAll({ fromPosition: START, resolveLinkTos: false, maxCount: Number.MAX_SAFE_INTEGER })) {
        const e = envelopeOf(resolved);
        if (!e) continue;
        events += 1;
        // One transaction, rows written once at the end; $all holds every stream in order, so no gaps.
        if (this.projector.apply(e) === 'applied') {
          applied += 1;
          last = e.created;
        }
      }
      this.projector.endBatch();
      db.exec('COMMIT');
    } catch (error) {
      this.projector.abandonBatch();
      if (db.inTransaction) db.exec('ROLLBACK');
      if (error instanceof StreamNotFoundError) return { events: 0, applied: 0, digest: this.store.digest(), seconds: 0 };
      throw error;
    }
    if (last !== undefined) this.lastAppliedCreated = last;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const digest = this.store.digest();
    this.logger?.info({ events, applied, seconds }, 'read model rebuilt from the event store');
    return { events, applied, digest, seconds };
  }
}
