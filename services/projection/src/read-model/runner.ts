/**
 * Drives the projector: applies envelopes from NATS one at a time, each stream in revision order
 * (OrderedApplier of @cfund/messaging: duplicates skipped, a gap read from EventStoreDB), and rebuilds the whole read model from `$all`
 * (user events only). Handling and rebuilding run one at a time, in the order they were asked
 * for, so no event handled meanwhile can be lost between the old rows and the rebuilt ones: the
 * rebuild reads every event committed before it started, and whatever the consumer delivers
 * afterwards is either a duplicate or new.
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { BACKWARDS, END, START, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { readAllResponses } from '@cfund/eventstore';
import { Progress, type ProgressSnapshot } from '@cfund/service-kit';
import { OrderedApplier, storedEventOf, type StoredEvent } from '@cfund/messaging';
import { claimStream, isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { evolve, initialState, type ClaimState } from '@cfund/domain';
import { Projector, StaleFoldError, type ApplyOutcome } from './projector.js';
import type { FromRebuildWorker, ToRebuildWorker } from './rebuild-worker.js';
import { buildPathOf, type ReadModelStore } from './store.js';

/** Read responses per message to the rebuild worker, and messages it may have queued before the reader waits. */
const WORKER_BATCH = 1024;
const WORKER_QUEUE = 8;

export interface ProjectionObserver {
  /** After each event handled (applied, duplicate or ignored). */
  onHandled?(outcome: ApplyOutcome, envelope: StoredEvent): void;
  onGapRepaired?(streamId: string, events: number): void;
}

export interface RebuildResult {
  events: number;
  applied: number;
  digest: string;
  seconds: number;
}

/** What GET /admin/rebuild and the rebuild gauges tell of the running or last rebuild. */
export interface RebuildStatus {
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  eventsDone: number;
  /** Estimated from the `$all` position reached over its end when the rebuild started. */
  eventsTotal?: number;
  ratePerSecond: number;
  etaSeconds?: number;
}

/** The share of `$all` read: the commit position reached over the end position (both byte offsets in the log). */
const shareRead = (position: string | undefined, end: bigint | undefined): number | undefined =>
  position === undefined || end === undefined || end === 0n ? undefined : Number(BigInt(position)) / Number(end);

export class ProjectionRunner {
  /** Replaced after a rebuild in a worker (its statements belong to the replaced connection). */
  projector: Projector;
  private readonly applier: OrderedApplier;
  private rebuilding: Promise<RebuildResult> | undefined;
  private progress: Progress | undefined;
  private status: RebuildStatus | undefined;
  /** The instant (store time) of the last event applied, for the lag in seconds. */
  lastAppliedCreated: string | undefined;

  constructor(
    readonly store: ReadModelStore,
    private readonly client: EventStoreDBClient,
    private readonly logger?: Logger,
    private readonly observer: ProjectionObserver = {},
    /** Rebuild on a worker thread (decoding and applying in parallel); only for a store in a file. */
    private readonly rebuildInWorker = true,
  ) {
    this.projector = new Projector(store);
    this.applier = new OrderedApplier({
      client,
      // `this.projector`, not a copy: a rebuild in a worker replaces it.
      lastApplied: (streamId) => this.projector.lastApplied(streamId),
      apply: (e) => this.applyRefolding(e),
      ...(logger ? { logger } : {}),
      onGapRepaired: (streamId, events) => observer.onGapRepaired?.(streamId, events),
    });
  }

  /** Applies one event; a claim whose decider state was kept in another shape is folded again from its events first. */
  private async applyRefolding(e: StoredEvent): Promise<void> {
    try {
      this.projector.apply(e);
    } catch (error) {
      if (!(error instanceof StaleFoldError)) throw error;
      this.projector.restoreFold(error.claimId, await this.foldClaim(error.claimId, error.revision));
      this.logger?.info({ claimId: error.claimId }, 'claim state of another shape folded again from its events');
      this.projector.apply(e);
    }
  }

  /** The claim decider's state after the claim's events up to `revision`. */
  private async foldClaim(claimId: string, revision: number): Promise<ClaimState> {
    let state = initialState();
    for await (const { event: e } of this.client.readStream(claimStream(claimId), { fromRevision: 0n, maxCount: revision + 1 })) {
      if (e?.isJson && isClaimEventType(e.type)) state = evolve(state, parseEvent(e.type, e.data) as ClaimEvent);
    }
    return state;
  }

  get isRebuilding(): boolean {
    return this.rebuilding !== undefined;
  }

  /**
   * Whether queries may be answered now: always, except while a rebuild rewrites the served rows
   * in place (a read model in memory). A rebuild into a new file leaves the served one whole
   * until the swap, which happens in one synchronous step, so queries go on from it meanwhile
   * (their answers lag by the rebuild's duration: the consumer waits for it).
   */
  get answersQueries(): boolean {
    return this.rebuilding === undefined || this.rebuildsIntoNewFile;
  }

  private get rebuildsIntoNewFile(): boolean {
    return this.rebuildInWorker && this.store.path !== ':memory:';
  }

  /** Runs `fn` after everything queued before it: handling and rebuilding never interleave (a gap repair awaits reads). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.then(() => undefined, () => undefined);
    return run;
  }

  private tail: Promise<void> = Promise.resolve();

  /** Applies one envelope (the consumer's handler). A gap is filled from EventStoreDB first. */
  handle(envelope: StoredEvent): Promise<ApplyOutcome> {
    return this.exclusive(() => this.handleNow(envelope));
  }

  private async handleNow(envelope: StoredEvent): Promise<ApplyOutcome> {
    const outcome = this.projector.projects(envelope.streamId) ? await this.applier.handle(envelope) : 'ignored';
    if (outcome === 'applied') this.lastAppliedCreated = envelope.created;
    this.observer.onHandled?.(outcome, envelope);
    return outcome;
  }

  /**
   * Replaces the read model with one built from every user event of `$all`, in one transaction
   * (a failure leaves the old rows). Concurrent calls share the same rebuild.
   */
  rebuild(): Promise<RebuildResult> {
    this.rebuilding ??= this.exclusive(() => this.runTracked()).finally(() => { this.rebuilding = undefined; });
    return this.rebuilding;
  }

  /** The running rebuild's progress, or the last one's outcome (undefined: none since the start). */
  rebuildStatus(): RebuildStatus | undefined {
    if (!this.status || this.status.state !== 'running' || !this.progress) return this.status;
    const snap = this.progress.snapshot();
    return {
      ...this.status, eventsDone: snap.done, ratePerSecond: snap.ratePerSecond,
      ...(snap.total === undefined ? {} : { eventsTotal: snap.total }), ...(snap.etaSeconds === undefined ? {} : { etaSeconds: snap.etaSeconds }),
    };
  }

  /** The running or last rebuild's progress as counted (for a terminal; see reportProgress of @cfund/service-kit). */
  rebuildProgress(): ProgressSnapshot | undefined {
    return this.progress?.snapshot();
  }

  private async runTracked(): Promise<RebuildResult> {
    const startedAt = new Date().toISOString();
    this.status = { state: 'running', startedAt, eventsDone: 0, ratePerSecond: 0 };
    this.progress = new Progress();
    const finished = (state: 'done' | 'failed', events: number, seconds: number): void => {
      this.status = {
        state, startedAt, finishedAt: new Date().toISOString(), eventsDone: events, ratePerSecond: seconds > 0 ? events / seconds : 0,
        ...(state === 'done' ? { eventsTotal: events, etaSeconds: 0 } : {}),
      };
    };
    try {
      const result = await this.runRebuild(await this.endOfAll());
      this.progress.finish();
      finished('done', result.events, result.seconds);
      return result;
    } catch (error) {
      finished('failed', this.progress?.done ?? 0, this.progress?.snapshot().elapsedSeconds ?? 0);
      throw error;
    }
  }

  /** The commit position of the last event in `$all` (undefined: none, or unreadable: then progress has no total). */
  private async endOfAll(): Promise<bigint | undefined> {
    let end: bigint | undefined;
    try {
      // Read to its end (one event), not left by a return: a read left open holds the store's shutdown.
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) end = resolved.event?.position?.commit;
    } catch {
      // Only the progress needs it.
    }
    return end;
  }

  private async runRebuild(end: bigint | undefined): Promise<RebuildResult> {
    if (this.rebuildsIntoNewFile) return this.runRebuildInWorker(end);
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
        const e = storedEventOf(resolved);
        if (!e) continue;
        events += 1;
        this.progress?.advance(1, shareRead(e.commitPosition, end));
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

  /**
   * The same rebuild with the applying on a worker thread (see rebuild-worker.ts) that writes a
   * new file beside the served one; this thread only receives `$all` and posts batches, then swaps
   * the new file in. This thread's connection only serves queries meanwhile: the consumer waits
   * (`exclusive`).
   */
  private async runRebuildInWorker(end: bigint | undefined): Promise<RebuildResult> {
    const started = process.hrtime.bigint();
    const built = buildPathOf(this.store.path);
    const worker = new WorkerChannel(built, (events, position) => this.progress?.advance(events, shareRead(position, end)));
    try {
      // Reading starts at once: the worker opens its new file meanwhile, then applies what queued.
      // This thread only receives: the worker decodes (see readAllResponses).
      let batch: Buffer[] = [];
      let bytes = 0;
      for await (const response of readAllResponses(this.client)) {
        batch.push(response);
        bytes += response.length;
        if (batch.length === WORKER_BATCH) {
          await worker.send(batch, bytes);
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) await worker.send(batch, bytes);
      await worker.commit();
    } catch (error) {
      await worker.abort();
      rmSync(built, { force: true });
      throw error;
    }
    try {
      this.store.replaceWith(built);
    } finally {
      rmSync(built, { force: true });
    }
    this.projector = new Projector(this.store);
    if (worker.last !== undefined) this.lastAppliedCreated = worker.last;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const digest = this.store.digest();
    this.logger?.info({ events: worker.events, applied: worker.applied, seconds, worker: true }, 'read model rebuilt from the event store');
    return { events: worker.events, applied: worker.applied, digest, seconds };
  }
}

/** The main thread's side of the rebuild worker: batches out with a bounded queue, counts back. */
class WorkerChannel {
  events = 0;
  applied = 0;
  last: string | undefined;
  private readonly worker: Worker;
  private queued = 0;
  private failure: Error | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  private committed = false;

  constructor(path: string, private readonly onApplied: (events: number, position: string | undefined) => void) {
    // From sources (tests) the worker is the .ts file, run by the same loader as this thread.
    const file = import.meta.url.endsWith('.ts') ? './rebuild-worker.ts' : './rebuild-worker.js';
    this.worker = new Worker(new URL(file, import.meta.url), { workerData: { path } });
    this.worker.on('message', (m: FromRebuildWorker) => {
      if (m.kind === 'started') return;
      if (m.kind === 'applied') {
        this.queued -= 1;
        this.events += m.events;
        this.applied += m.applied;
        if (m.last !== undefined) this.last = m.last;
        this.onApplied(m.events, m.position);
      } else if (m.kind === 'committed') {
        this.committed = true;
        this.done = true;
      } else {
        this.failure ??= new Error(`rebuild worker: ${m.message}`);
        this.done = true;
      }
      this.notify();
    });
    this.worker.on('error', (error) => { this.failure ??= error; this.done = true; this.notify(); });
    this.worker.on('exit', () => {
      if (!this.done) this.failure ??= new Error('rebuild worker exited early');
      this.done = true;
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready() && !this.done) await new Promise<void>((resolve) => { this.wake = resolve; });
    if (this.failure) throw this.failure;
  }

  /** `responses` (`bytes` in all) packed into one buffer that moves to the worker without a copy. */
  async send(responses: Buffer[], bytes: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.queued += 1;
    const packed = new Uint8Array(bytes);
    const ends = new Uint32Array(responses.length);
    let offset = 0;
    for (let i = 0; i < responses.length; i += 1) {
      packed.set(responses[i]!, offset);
      offset += responses[i]!.length;
      ends[i] = offset;
    }
    this.worker.postMessage({ kind: 'responses', bytes: packed, ends } satisfies ToRebuildWorker, [packed.buffer, ends.buffer]);
    await this.until(() => this.queued < WORKER_QUEUE);
  }

  async commit(): Promise<void> {
    this.worker.postMessage({ kind: 'end' } satisfies ToRebuildWorker);
    await this.until(() => this.committed);
    if (!this.committed) throw new Error('rebuild worker stopped before committing');
    await this.worker.terminate();
  }

  /** Rolls the worker's transaction back (the old rows stay) and stops it. */
  async abort(): Promise<void> {
    if (!this.done) {
      this.worker.postMessage({ kind: 'abort' } satisfies ToRebuildWorker);
      await this.until(() => false).catch(() => undefined);
    }
    await this.worker.terminate();
  }
}
