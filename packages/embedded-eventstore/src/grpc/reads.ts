import type { ServerWritableStream } from '@grpc/grpc-js';
import type streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { StreamDeleted, StreamNotFound } from '../errors.js';
import type { StoredEvent } from '../log/record.js';
import type { Guard } from '../security/guard.js';
import { ALL_STREAM } from '../security/acl.js';
import type { EventStore, StreamState } from '../store.js';
import { FrameWriter } from './frame-writer.js';
import { parseRevision, streamNameOf, toServiceError } from './protocol.js';
import {
  encodeCaughtUp, encodeCheckpoint, encodeConfirmation, encodeEventResponse, encodeStreamNotFound,
} from './wire.js';

type ReadCall = ServerWritableStream<streamsPb.ReadReq, Buffer>;
type Options = streamsPb.ReadReq.Options;

const BATCH = 512;
/** Filtered `$all` subscriptions default to a search window of 32 events, as EventStoreDB does. */
const DEFAULT_WINDOW = 32;

interface Filter {
  on: 'stream' | 'type';
  prefixes: string[];
  regex: RegExp | undefined;
  /** Events scanned between two checkpoints. */
  checkpointEvery: number;
}

/** Streams.Read: stream and `$all` reads, and catch-up subscriptions to either. */
export function handleRead(store: EventStore, guard: Guard, call: ReadCall): void {
  const session = new ReadSession(store, guard, call);
  store.openReads++;
  session.run()
    .catch((err: unknown) => session.fail(err))
    .finally(() => { store.openReads--; });
}

class ReadSession {
  private cancelled = false;
  private wake: (() => void) | undefined;

  private readonly frames: FrameWriter;

  constructor(private readonly store: EventStore, private readonly guard: Guard, private readonly call: ReadCall) {
    this.frames = new FrameWriter(call);
    call.on('cancelled', () => this.stop());
    call.on('close', () => this.stop());
  }

  async run(): Promise<void> {
    const options = this.call.request.getOptions();
    if (!options) throw new Error('read options are required');
    const filter = parseFilter(options);
    const subscription = options.hasSubscription();
    const forwards = options.getReadDirection() === 0;
    const count = subscription ? Infinity : Number(options.getCount() || '0');
    if (options.hasStream()) {
      const stream = options.getStream()!;
      const name = streamNameOf(stream.getStreamIdentifier());
      this.guard.check(this.call.metadata, 'read', name);
      if (subscription) await this.subscribeToStream(name, stream);
      else await this.readStream(name, stream, forwards, count);
    } else if (options.hasAll()) {
      const all = options.getAll()!;
      // Reading $all is reading the stream "$all" (Streams.Read.cs): admins only by default.
      this.guard.check(this.call.metadata, 'read', ALL_STREAM);
      if (subscription) await this.subscribeToAll(all, filter);
      else await this.readAll(all, forwards, count, filter);
    } else {
      throw new Error('read options name neither a stream nor $all');
    }
    if (!this.cancelled) this.call.end();
  }

  fail(err: unknown): void {
    if (this.cancelled) return;
    this.stop();
    this.call.emit('error', toServiceError(err));
  }

  private stop(): void {
    this.cancelled = true;
    this.wake?.();
  }

  private send(buf: Buffer): Promise<void> {
    return this.frames.write([buf]);
  }

  private async sendEvents(events: StoredEvent[]): Promise<void> {
    if (this.cancelled) return;
    await this.frames.write(events.map(encodeEventResponse));
  }

  // ---- reads ---------------------------------------------------------------------------------

  private async readStream(name: string, options: streamsPb.ReadReq.Options.StreamOptions, forwards: boolean, count: number): Promise<void> {
    let s: StreamState;
    try {
      s = this.store.readableStream(name);
    } catch (err) {
      if (err instanceof StreamNotFound) return this.send(encodeStreamNotFound(name));
      throw err;
    }
    const last = s.events.length - 1;
    const first = this.store.firstVisibleRevision(s);
    let from: number;
    if (options.hasRevision()) from = parseRevision(options.getRevision());
    else if (options.hasEnd()) from = forwards ? last + 1 : last;
    else from = forwards ? 0 : -1;
    let revision = forwards ? Math.max(from, first) : Math.min(from, last);
    let sent = 0;
    while (sent < count && !this.cancelled && (forwards ? revision <= last : revision >= first)) {
      const indices: number[] = [];
      // No more than may be sent: a read of a few events of a long stream loads only those (if
      // some have expired by $maxAge, the next turn of the outer loop loads the ones after them).
      while (indices.length < Math.min(BATCH, count - sent) && (forwards ? revision <= last : revision >= first)) {
        indices.push(s.events[revision]!);
        revision += forwards ? 1 : -1;
      }
      const events = this.store.readByIndex(indices).filter((e) => !this.store.expired(s, e.created));
      const page = events.slice(0, count - sent);
      await this.sendEvents(page);
      sent += page.length;
    }
  }

  private async readAll(options: streamsPb.ReadReq.Options.AllOptions, forwards: boolean, count: number, filter: Filter | undefined): Promise<void> {
    const all = this.store.all;
    let i: number;
    if (options.hasPosition()) {
      const p = Number(options.getPosition()!.getCommitPosition());
      i = forwards ? all.lowerBound(p) : all.lowerBound(p) - 1;
    } else if (options.hasEnd()) {
      i = forwards ? all.count : all.count - 1;
    } else {
      i = forwards ? 0 : -1;
    }
    let sent = 0;
    while (sent < count && !this.cancelled && i >= 0 && i < all.count) {
      const indices: number[] = [];
      while (indices.length < BATCH && sent + indices.length < count && i >= 0 && i < all.count) {
        if (!filter || this.matches(i, filter)) indices.push(i);
        i += forwards ? 1 : -1;
      }
      await this.sendEvents(this.store.readByIndex(indices));
      sent += indices.length;
    }
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  private async subscribeToStream(name: string, options: streamsPb.ReadReq.Options.StreamOptions): Promise<void> {
    const existing = this.store.stream(name);
    if (existing?.tombstoned) throw new StreamDeleted(name);
    let next: number;
    if (options.hasRevision()) next = parseRevision(options.getRevision()) + 1;
    else if (options.hasEnd()) next = existing?.events.length ?? 0;
    else next = 0;
    // Caught up at the last revision delivered or passed (none yet: omitted).
    await this.live(() => [encodeCaughtUp(Date.now(), { revision: next - 1 })], async () => {
      const s = this.store.stream(name);
      if (!s) return false;
      if (s.tombstoned) throw new StreamDeleted(name);
      if (next >= s.events.length) return false;
      next = Math.max(next, this.store.firstVisibleRevision(s));
      const end = Math.min(s.events.length, next + BATCH);
      const events = this.store.readByIndex(s.events.slice(next, end)).filter((e) => !this.store.expired(s, e.created));
      next = end;
      await this.sendEvents(events);
      return true;
    });
  }

  private async subscribeToAll(options: streamsPb.ReadReq.Options.AllOptions, filter: Filter | undefined): Promise<void> {
    const all = this.store.all;
    let next: number;
    if (options.hasPosition()) next = all.upperBound(Number(options.getPosition()!.getCommitPosition()));
    else if (options.hasEnd()) next = all.count;
    else next = 0;
    let scanned = 0;
    // The position of the last event delivered or passed over, for checkpoints and caught-up.
    const reached = (): number | undefined => (next > 0 ? all.positions[next - 1] : undefined);
    const caughtUp = (): Buffer[] => {
      const at = reached();
      const message = encodeCaughtUp(Date.now(), at === undefined ? {} : { position: at });
      // A filtered subscription is also sent a checkpoint when catch-up ends, so that at least one
      // arrives within each interval (Enumerator.AllSubscriptionFiltered.cs, CatchUp).
      return filter && at !== undefined ? [encodeCheckpoint(at, Date.now()), message] : [message];
    };
    await this.live(caughtUp, async () => {
      if (next >= all.count) return false;
      const end = Math.min(all.count, next + BATCH * 4);
      let indices: number[] = [];
      for (; next < end && !this.cancelled; next++) {
        if (!filter || this.matches(next, filter)) indices.push(next);
        if (filter && ++scanned % filter.checkpointEvery === 0) {
          await this.sendEvents(this.store.readByIndex(indices));
          indices = [];
          await this.send(encodeCheckpoint(all.positions[next]!, Date.now()));
        }
      }
      await this.sendEvents(this.store.readByIndex(indices));
      return true;
    });
  }

  /**
   * Confirms the subscription, then calls `step` until it reports nothing left (caught up), then
   * again after every commit, until the client goes away.
   */
  private async live(caughtUpMessages: () => Buffer[], step: () => Promise<boolean>): Promise<void> {
    let dirty = true;
    const unsubscribe = this.store.onCommit(() => {
      dirty = true;
      this.wake?.();
    });
    try {
      await this.send(encodeConfirmation(crypto.randomUUID()));
      let caughtUp = false;
      while (!this.cancelled) {
        dirty = false;
        while (!this.cancelled && await step()) { /* keep delivering */ }
        if (!caughtUp && !this.cancelled) {
          caughtUp = true;
          await this.frames.write(caughtUpMessages());
        }
        if (!dirty && !this.cancelled) await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }

  private matches(i: number, f: Filter): boolean {
    const subject = f.on === 'stream' ? this.store.streamName(this.store.all.streams[i]!) : this.store.typeName(this.store.all.types[i]!);
    if (f.regex) return f.regex.test(subject);
    return f.prefixes.length === 0 || f.prefixes.some((p) => subject.startsWith(p));
  }
}

function parseFilter(options: Options): Filter | undefined {
  if (!options.hasFilter()) return undefined;
  const f = options.getFilter()!;
  const on = f.hasStreamIdentifier() ? 'stream' : 'type';
  const expr = f.hasStreamIdentifier() ? f.getStreamIdentifier() : f.getEventType();
  const regex = expr?.getRegex();
  const window = f.hasMax() && f.getMax() > 0 ? f.getMax() : DEFAULT_WINDOW;
  const multiplier = f.getCheckpointintervalmultiplier() > 0 ? f.getCheckpointintervalmultiplier() : 1;
  return {
    on,
    prefixes: expr?.getPrefixList() ?? [],
    regex: regex ? new RegExp(regex) : undefined,
    checkpointEvery: window * multiplier,
  };
}
