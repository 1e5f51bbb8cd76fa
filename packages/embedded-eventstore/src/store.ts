import fs from 'node:fs';
import path from 'node:path';
import {
  DeadlineExceeded, MaximumAppendEventSizeExceeded, MaximumAppendSizeExceeded, StoreUnavailable, StreamDeleted,
  StreamNotFound, WrongExpectedVersion, type Expected,
} from './errors.js';
import { AllIndex, FLAG_TOMBSTONE } from './index/all-index.js';
import { RecentIds } from './index/recent-ids.js';
import { loadCheckpoint, writeCheckpoint } from './index/checkpoint.js';
import {
  isMetastream, metastreamOf, parseStreamMetadata, streamOfMetastream, type StreamMetadata,
} from './index/stream-metadata.js';
import { FileStorage, type RecoveryReport } from './log/file-storage.js';
import {
  decodeEvent, encodeCommit, FILE_HEADER_SIZE, type EventToWrite, type NewEvent, type StoredEvent,
} from './log/record.js';
import { MemoryStorage, type LogStorage } from './log/storage.js';

export interface StreamState {
  no: number;
  name: string;
  /** `$all` index of each revision: revisions are contiguous from 0. */
  events: number[];
  tombstoned: boolean;
  metadata?: StreamMetadata;
}

export interface AppendSuccess {
  /** Revision of the stream's last event, -1 when it has none. */
  revision: number;
  /** Position of the last event written (or matched, for an idempotent retry). */
  position: number | undefined;
}

export interface StoreOptions {
  dataDir?: string;
  memDb?: boolean;
  /** Largest append, in bytes as the server counts them (`eventSize`); default 1 MiB. */
  maxAppendSize?: number;
  /** Largest single event (KurrentDB 25.1+: 16 MiB less the record overhead); default no limit. */
  maxAppendEventSize?: number;
  /** Events between two index checkpoints (start-up then replays at most this many). */
  checkpointEvery?: number;
  now?: () => number;
}

interface PendingAppend {
  streamName: string;
  expected: Expected;
  events: NewEvent[];
  tombstone: boolean;
  /** Computes the events at commit time, against the state the commit will follow. */
  prepare?: (draft: (name: string) => Draft) => NewEvent[];
  /** Epoch ms after which the append must not be written (the call's deadline). */
  deadline?: number;
  resolve: (r: AppendSuccess) => void;
  reject: (e: Error) => void;
}

/** A stream as the commits decided so far in a group leave it. */
interface Draft {
  /** Events already durable (and indexed). */
  durable: number;
  count: number;
  /** Ids of the events this group adds. */
  ids: string[];
  tombstoned: boolean;
  metadata: StreamMetadata | undefined;
}

/** `$tb` of a soft-deleted stream: long.MaxValue, as EventStoreDB writes it. */
const SOFT_DELETED = '9223372036854775807';
const isSoftDeleted = (md: StreamMetadata | undefined): boolean =>
  md?.truncateBefore !== undefined && md.truncateBefore > Number.MAX_SAFE_INTEGER;

function jsonObject(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

const RECENT_IDS = 100_000;
const METASTREAM_MAX_COUNT = 1;
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

/** An event's size as the server counts it against the limits (`Event.SizeOnDisk` of KurrentDB). */
export const eventSize = (e: { type: string; data: Uint8Array; metadata: Uint8Array }): number =>
  e.data.length + e.metadata.length + 2 * e.type.length;
const READ_RUN_LIMIT = 4 * 1024 * 1024;
/** Event bytes past which a group commit takes no further appends. */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

/**
 * The event store's state: the log, an in-memory index of it, and a single writer that
 * commits concurrent appends together (group commit: one fsync per batch, not per append).
 */
export class EventStore {
  readonly all = new AllIndex();
  readonly maxAppendSize: number;
  readonly maxAppendEventSize: number;
  recovery: RecoveryReport = { truncatedBytes: 0 };
  /** Reads and subscriptions being served (the gRPC layer counts them). */
  openReads = 0;
  private readonly streams = new Map<string, StreamState>();
  private readonly streamList: StreamState[] = [];
  private readonly typeNos = new Map<string, number>();
  private readonly typeList: string[] = [];
  private readonly recentIds = new RecentIds(RECENT_IDS);
  private readonly listeners = new Set<() => void>();
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  private checkpointedCount = 0;
  private readonly now: () => number;

  private constructor(
    private storage: LogStorage,
    private readonly dataDir: string | undefined,
    options: StoreOptions,
    private readonly checkpointEvery: number,
  ) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.maxAppendEventSize = options.maxAppendEventSize ?? Number.MAX_SAFE_INTEGER;
    this.now = options.now ?? Date.now;
  }

  static open(options: StoreOptions): EventStore {
    const checkpointEvery = options.checkpointEvery ?? 200_000;
    if (options.memDb) {
      return new EventStore(new MemoryStorage(FILE_HEADER_SIZE), undefined, options, checkpointEvery);
    }
    if (!options.dataDir) throw new Error('a data directory is required unless memDb is set');
    const dataDir = path.resolve(options.dataDir);
    fs.mkdirSync(dataDir, { recursive: true });
    const store = new EventStore(new MemoryStorage(FILE_HEADER_SIZE), dataDir, options, checkpointEvery);
    const checkpoint = loadCheckpoint(dataDir);
    let restored = false;
    const opened = FileStorage.open(
      dataDir,
      checkpoint && { lastCommit: checkpoint.lastCommit, end: checkpoint.coveredOffset },
      (fromUsed) => {
        // A checkpoint that does not match the log (another log's, or a commit damaged since) is
        // ignored: the log is replayed whole.
        if (fromUsed && checkpoint) { store.restore(checkpoint); restored = true; }
      },
      (c) => {
        for (const offset of c.eventOffsets) store.index(decodeEvent(c.bytes, offset, c.offset + offset));
      },
    );
    store.storage = opened.storage;
    store.recovery = opened.report;
    if (restored) store.reloadMetadata();
    store.checkpointedCount = restored ? checkpoint!.count : 0;
    return store;
  }

  // ---- reading -------------------------------------------------------------------------------

  stream(name: string): StreamState | undefined {
    return this.streams.get(name);
  }

  streamName(no: number): string {
    return this.streamList[no]!.name;
  }

  typeName(no: number): string {
    return this.typeList[no]!;
  }

  /** Position just past the last committed byte: the commit position of "end". */
  get endPosition(): number {
    return this.storage.end;
  }

  isSoftDeleted(s: StreamState): boolean {
    return isSoftDeleted(s.metadata);
  }

  /** The stream's readable state, or the error a read must report. */
  readableStream(name: string): StreamState {
    // The metastream of a tombstoned stream is deleted too (IndexReader.GetStreamLastEventNumberCached).
    if (isMetastream(name) && this.streams.get(streamOfMetastream(name))?.tombstoned) throw new StreamDeleted(name);
    const s = this.streams.get(name);
    if (!s) throw new StreamNotFound(name);
    if (s.tombstoned) throw new StreamDeleted(name);
    if (s.events.length === 0 || this.isSoftDeleted(s)) throw new StreamNotFound(name);
    return s;
  }

  /** First revision visible under `$tb` and `$maxCount` (`$maxAge` is checked per event). */
  firstVisibleRevision(s: StreamState): number {
    let first = 0;
    const md = s.metadata;
    if (md?.truncateBefore !== undefined) first = Math.max(first, md.truncateBefore);
    const maxCount = md?.maxCount ?? (isMetastream(s.name) ? METASTREAM_MAX_COUNT : undefined);
    if (maxCount !== undefined) first = Math.max(first, s.events.length - maxCount);
    return first;
  }

  /** Whether `$maxAge` hides an event of stream `s` created at `created` (.NET ticks). */
  expired(s: StreamState, created: bigint): boolean {
    const maxAge = s.metadata?.maxAge;
    if (maxAge === undefined) return false;
    return created < BigInt(this.now() - maxAge * 1000) * 10_000n;
  }

  /** Reads events by `$all` index, coalescing neighbours into one read of the log. */
  readByIndex(indices: number[]): StoredEvent[] {
    const out: StoredEvent[] = [];
    let i = 0;
    while (i < indices.length) {
      const first = indices[i]!;
      const start = this.all.positions[first]!;
      let j = i;
      let end = start + this.all.sizes[first]!;
      while (j + 1 < indices.length) {
        const next = indices[j + 1]!;
        const p = this.all.positions[next]!;
        const nextEnd = p + this.all.sizes[next]!;
        if (p < end || p - end > 4096 || nextEnd - start > READ_RUN_LIMIT) break;
        end = nextEnd;
        j++;
      }
      const buf = this.storage.read(start, end - start);
      for (let k = i; k <= j; k++) {
        const p = this.all.positions[indices[k]!]!;
        out.push(decodeEvent(buf, p - start, p));
      }
      i = j + 1;
    }
    return out;
  }

  eventAt(index: number): StoredEvent {
    return this.readByIndex([index])[0]!;
  }

  /** Calls `listener` after each commit becomes visible; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- writing -------------------------------------------------------------------------------

  /** `deadline` (epoch ms): an append still unwritten when it passes fails with DeadlineExceeded. */
  append(streamName: string, expected: Expected, events: NewEvent[], deadline?: number): Promise<AppendSuccess> {
    let size = 0;
    for (const e of events) {
      const n = eventSize(e);
      if (n > this.maxAppendEventSize) return Promise.reject(new MaximumAppendEventSizeExceeded(e.id, n, this.maxAppendEventSize));
      size += n;
    }
    if (size > this.maxAppendSize) return Promise.reject(new MaximumAppendSizeExceeded(this.maxAppendSize));
    return this.enqueue(streamName, expected, events, false, undefined, deadline);
  }

  /**
   * Soft delete (StorageWriterService.cs, WriteDelete): the metadata becomes `{"$tb": long.MaxValue}`
   * alone, so every event so far is hidden; the stream keeps its revision, and appending again
   * recreates it with revisions continuing. A stream that never existed (no events, no metadata)
   * cannot be deleted: wrong expected version.
   */
  delete(streamName: string, expected: Expected, deadline?: number): Promise<AppendSuccess> {
    return this.enqueue(metastreamOf(streamName), { kind: 'any' }, [], false, (draft) => {
      const d = draft(streamName);
      const id = crypto.randomUUID();
      this.decide({ streamName, expected, events: [{ id }], tombstone: false }, d, draft);
      if (d.count === 0 && draft(metastreamOf(streamName)).count === 0) throw new WrongExpectedVersion(streamName, expected, 'no_stream');
      const json = `{"$tb":${SOFT_DELETED}}`;
      return [{ id, type: '$metadata', isJson: true, data: Buffer.from(json), metadata: Buffer.alloc(0) }];
    }, deadline);
  }

  /** Hard delete: the stream can never be read or written again. Its event is not JSON (LogRecord.DeleteTombstone). */
  tombstone(streamName: string, expected: Expected, deadline?: number): Promise<AppendSuccess> {
    const event: NewEvent = { id: crypto.randomUUID(), type: '$streamDeleted', isJson: false, data: Buffer.alloc(0), metadata: Buffer.alloc(0) };
    return this.enqueue(streamName, expected, [event], true, undefined, deadline);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    if (this.dataDir && !this.failure) this.checkpoint();
    await this.storage.close();
  }

  private enqueue(streamName: string, expected: Expected, events: NewEvent[], tombstone: boolean, prepare?: PendingAppend['prepare'], deadline?: number): Promise<AppendSuccess> {
    if (this.closed) return Promise.reject(new StoreUnavailable('the event store is shutting down'));
    if (this.failure) return Promise.reject(this.failure);
    if (deadline !== undefined && this.now() >= deadline) return Promise.reject(new DeadlineExceeded());
    return new Promise((resolve, reject) => {
      this.queue.push({
        streamName, expected, events, tombstone, resolve, reject,
        ...(prepare ? { prepare } : {}), ...(deadline !== undefined ? { deadline } : {}),
      });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      // Appends that arrive while a batch is being synced wait and go together in the next one.
      await Promise.resolve();
      while (this.queue.length > 0) {
        // Bound one commit's size; what does not fit goes in the next group.
        let take = 0;
        let bytes = 0;
        while (take < this.queue.length && (take === 0 || bytes < MAX_GROUP_BYTES)) {
          for (const e of this.queue[take]!.events) bytes += e.data.length + e.metadata.length;
          take++;
        }
        await this.commitGroup(this.queue.splice(0, take));
      }
    } finally {
      // Cleared in the same step that saw the queue empty, so a later append always starts a drain.
      this.writing = undefined;
    }
  }

  /**
   * Decides every append of the group in arrival order against the state the earlier ones leave
   * (drafts), writes all resulting commits with one sync, then indexes and acknowledges them.
   */
  private async commitGroup(group: PendingAppend[]): Promise<void> {
    const drafts = new Map<string, Draft>();
    const draft = (name: string): Draft => {
      let d = drafts.get(name);
      if (!d) {
        const s = this.streams.get(name);
        const count = s?.events.length ?? 0;
        d = { durable: count, count, ids: [], tombstoned: s?.tombstoned ?? false, metadata: s?.metadata };
        drafts.set(name, d);
      }
      return d;
    };
    // The whole group is one commit: a crash can tear only the last commit of the log.
    const toWrite: EventToWrite[] = [];
    const outcomes: { p: PendingAppend; revision?: number; lastEvent?: number; error?: Error }[] = [];
    const created = BigInt(this.now()) * 10_000n;
    for (const p of group) {
      try {
        // A call whose deadline has passed is dropped unwritten, as the server does with a cancelled write.
        if (p.deadline !== undefined && this.now() >= p.deadline) throw new DeadlineExceeded();
        if (p.prepare) p.events = p.prepare(draft);
        const d = draft(p.streamName);
        const retry = this.decide(p, d, draft);
        if (retry !== undefined) { outcomes.push({ p, revision: retry }); continue; }
        const first = toWrite.length;
        toWrite.push(...p.events.map((e, i) => ({
          ...e, streamName: p.streamName, revision: d.count + i, tombstone: p.tombstone, created,
        })));
        const undelete = p.tombstone || p.prepare ? undefined : this.softUndelete(p, d, draft);
        if (p.events.length === 0 && !undelete) { outcomes.push({ p, revision: d.count - 1 }); continue; }
        if (undelete) toWrite.push({ ...undelete, created });
        for (let i = first; i < toWrite.length; i++) this.applyToDraft(toWrite[i]!, draft);
        if (p.events.length === 0) { outcomes.push({ p, revision: d.count - 1 }); continue; }
        const lastEvent = first + p.events.length - 1;
        outcomes.push({ p, revision: p.tombstone ? Number.MAX_SAFE_INTEGER : toWrite[lastEvent]!.revision, lastEvent });
      } catch (err) {
        outcomes.push({ p, error: err as Error });
      }
    }
    let stored: StoredEvent[] = [];
    if (toWrite.length > 0) {
      const commit = encodeCommit(toWrite);
      const offset = this.storage.end;
      stored = toWrite.map((e, i) => ({ ...e, position: offset + commit.eventOffsets[i]!, size: commit.eventSizes[i]! }));
      try {
        await this.storage.write([commit.bytes]);
      } catch (err) {
        // Whether the bytes reached the disk is unknown: refuse further writes; a restart recovers.
        this.failure = new StoreUnavailable(`event log write failed: ${(err as Error).message}`);
        for (const { p } of outcomes) p.reject(this.failure);
        return;
      }
    }
    for (const e of stored) this.index(e);
    for (const { p, revision, lastEvent, error } of outcomes) {
      if (error) { p.reject(error); continue; }
      // An idempotent retry (possibly of an append in this very group) reports where its events are.
      const position = lastEvent !== undefined ? stored[lastEvent]!.position : this.positionOf(p.streamName, revision!);
      p.resolve({ revision: revision!, position });
    }
    if (stored.length > 0) {
      for (const l of [...this.listeners]) l();
      if (this.dataDir && this.all.count - this.checkpointedCount >= this.checkpointEvery) this.checkpoint();
    }
  }

  private positionOf(streamName: string, revision: number): number | undefined {
    const s = this.streams.get(streamName);
    const i = s && revision >= 0 ? s.events[revision] : undefined;
    return i === undefined ? undefined : this.all.positions[i];
  }

  private applyToDraft(e: EventToWrite, draft: (name: string) => Draft): void {
    const d = draft(e.streamName);
    if (e.tombstone) { d.tombstoned = true; return; }
    d.count++;
    d.ids.push(e.id);
    if (isMetastream(e.streamName)) draft(streamOfMetastream(e.streamName)).metadata = parseStreamMetadata(e.data);
  }

  /**
   * `IndexWriter.CheckCommit` of KurrentDB: whether an append may be written (undefined), is an
   * idempotent retry of one already written (the revision it reported), or fails (throws).
   */
  private decide(p: Pick<PendingAppend, 'streamName' | 'expected' | 'tombstone'> & { events: { id: string }[] }, d: Draft, draft: (name: string) => Draft): number | undefined {
    const { streamName, expected, events } = p;
    // A tombstoned stream (and its metastream) takes nothing, not even a retry.
    if (d.tombstoned || (isMetastream(streamName) && draft(streamOfMetastream(streamName)).tombstoned)) throw new StreamDeleted(streamName);
    const current = d.count === 0 ? 'no_stream' : d.count - 1;
    const deleted = isSoftDeleted(d.metadata);
    if (expected.kind === 'stream_exists') {
      if (deleted) throw new StreamDeleted(streamName);
      // A stream with only metadata exists.
      if (d.count === 0 && draft(metastreamOf(streamName)).count === 0) throw new WrongExpectedVersion(streamName, expected, current);
    }
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      if (events.length === 0 || p.tombstone) return undefined;
      // Weak idempotency: where recently written ids of this stream are, in any order or subset.
      let last: number | undefined;
      for (const e of events) {
        const at = this.revisionOfId(e.id, streamName, d);
        if (at !== undefined) { last = at; continue; }
        // Some events written, the rest not: not a retry of one append (CorruptedIdempotency).
        if (last !== undefined) throw new WrongExpectedVersion(streamName, expected, current);
        return undefined;
      }
      return last;
    }
    const expectedNumber = expected.kind === 'no_stream' ? -1 : expected.revision;
    const currentNumber = d.count - 1;
    if (expectedNumber > currentNumber) throw new WrongExpectedVersion(streamName, expected, current);
    if (expectedNumber === currentNumber) return undefined;
    // Strong idempotency: the same ids at exactly the revisions the expectation names.
    const s = this.streams.get(streamName);
    const idAt = (revision: number): string | undefined => (revision >= d.count ? undefined : revision < d.durable
      ? this.eventAt(s!.events[revision]!).id
      : d.ids[revision - d.durable]);
    for (let i = 0; i < events.length; i++) {
      if (!p.tombstone && idAt(expectedNumber + 1 + i) === events[i]!.id) continue;
      if (i === 0 && expected.kind === 'no_stream' && deleted) return undefined;
      throw new WrongExpectedVersion(streamName, expected, current);
    }
    if (events.length === 0 && expected.kind === 'no_stream' && deleted) return undefined;
    if (events.length === 0) throw new WrongExpectedVersion(streamName, expected, current);
    return expectedNumber + events.length;
  }

  /** Revision of a recently written event id in `streamName`, this group's drafts included. */
  private revisionOfId(id: string, streamName: string, d: Draft): number | undefined {
    const inGroup = d.ids.lastIndexOf(id);
    if (inGroup >= 0) return d.durable + inGroup;
    const seen = this.recentIds.get(id);
    return seen && seen.stream === streamName && seen.revision < d.durable ? seen.revision : undefined;
  }

  /**
   * StorageWriterService.SoftUndeleteStream / SoftUndeleteMetastream: writing to a soft-deleted
   * stream, or setting its metadata, undeletes it with `$tb` at its next revision, so its old
   * events stay hidden. The metadata is the latest one (after a soft delete: `$tb` alone).
   */
  private softUndelete(p: PendingAppend, d: Draft, draft: (name: string) => Draft): Omit<EventToWrite, 'created'> | undefined {
    let stream: string;
    let raw: Record<string, unknown> | undefined;
    if (isSoftDeleted(d.metadata)) {
      stream = p.streamName;
      raw = d.metadata!.raw;
    } else if (isMetastream(p.streamName) && isSoftDeleted(draft(streamOfMetastream(p.streamName)).metadata)) {
      stream = streamOfMetastream(p.streamName);
      const last = p.events[p.events.length - 1];
      // Metadata that is not a JSON object cannot be modified: the server leaves it as written.
      raw = last ? jsonObject(last.data) : draft(stream).metadata?.raw;
    } else {
      return undefined;
    }
    if (!raw) return undefined;
    const meta = metastreamOf(stream);
    const metaDraft = draft(meta);
    // The metastream's events of this very append come first.
    const revision = metaDraft.count + (meta === p.streamName ? p.events.length : 0);
    return {
      id: crypto.randomUUID(), type: '$metadata', isJson: true, metadata: Buffer.alloc(0),
      data: Buffer.from(JSON.stringify({ ...raw, $tb: draft(stream).count })),
      streamName: meta, revision, tombstone: false,
    };
  }

  /** Adds a durable event to the in-memory index. */
  private index(e: StoredEvent): void {
    const s = this.streamFor(e.streamName);
    const i = this.all.push(e.position, e.size, s.no, this.typeFor(e.type), e.tombstone ? FLAG_TOMBSTONE : 0);
    if (e.tombstone) {
      s.tombstoned = true;
      return;
    }
    s.events.push(i);
    if (isMetastream(e.streamName)) this.streamFor(streamOfMetastream(e.streamName)).metadata = parseStreamMetadata(e.data);
    this.recentIds.add(e.id, e.streamName, e.revision);
  }

  private streamFor(name: string): StreamState {
    let s = this.streams.get(name);
    if (!s) {
      s = { no: this.streamList.length, name, events: [], tombstoned: false };
      this.streams.set(name, s);
      this.streamList.push(s);
    }
    return s;
  }

  private typeFor(type: string): number {
    let no = this.typeNos.get(type);
    if (no === undefined) {
      no = this.typeList.length;
      this.typeNos.set(type, no);
      this.typeList.push(type);
    }
    return no;
  }

  // ---- index checkpoints ----------------------------------------------------------------------

  private checkpoint(): void {
    writeCheckpoint(this.dataDir!, {
      coveredOffset: this.storage.end,
      lastCommit: this.storage.lastCommit ?? 0,
      count: this.all.count,
      streams: this.streamList.map((s) => s.name),
      types: this.typeList,
      all: this.all,
    });
    this.checkpointedCount = this.all.count;
  }

  private restore(c: NonNullable<ReturnType<typeof loadCheckpoint>>): void {
    for (const name of c.streams) this.streamFor(name);
    for (const type of c.types) this.typeFor(type);
    this.all.load(c.count, c.positions, c.sizes, c.streamNos, c.typeNos, c.flags);
    for (let i = 0; i < c.count; i++) {
      const s = this.streamList[this.all.streams[i]!]!;
      if ((this.all.flags[i]! & FLAG_TOMBSTONE) !== 0) s.tombstoned = true; else s.events.push(i);
    }
  }

  /** After a checkpoint load, metadata comes from the last event of each metastream. */
  private reloadMetadata(): void {
    for (const s of this.streamList) {
      if (!isMetastream(s.name) || s.events.length === 0) continue;
      const e = this.eventAt(s.events[s.events.length - 1]!);
      this.streamFor(streamOfMetastream(s.name)).metadata = parseStreamMetadata(e.data);
    }
  }
}
