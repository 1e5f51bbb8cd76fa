/**
 * Loading a stream into state, appending with the expected revision, and the
 * load -> decide -> append cycle with bounded re-decides on a version conflict.
 *
 * Generic over the event type: the caller gives a decider (`initialState`, `evolve`, `decide`)
 * and a codec that turns its events into JSON and back. Every event is written as a JSON event
 * with JSON metadata holding the caller's metadata, the hash chain (see hash-chain.ts) and the
 * writer's signature, one per append (see chain-signature.ts): every write path takes the ChainSigner.
 */
import { createHash } from 'node:crypto';
import {
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type EventStoreDBClient,
  type JSONType,
} from '@eventstore/db-client';
import type { ChainSigner } from './chain-signature.js';
import { GENESIS_HASH, canonicalJson, eventHashOf, storedDataBytes } from './hash-chain.js';
import type { StreamStateCache } from './state-cache.js';

/** The pure decision logic of one kind of stream (from the domain). */
export interface Decider<Command, Event, State> {
  /** A fresh state of a stream without events: a new one each call, since a fold may update a state in place. */
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): readonly Event[];
}

/** The part of a decider that loading needs. */
export type Evolver<Event, State> = Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>;

/** An event as JSON, ready to store. */
export interface EncodedEvent {
  type: string;
  /** A JSON object, array or string (what the client accepts as JSON event data). */
  data: JSONType;
  /** Written into the metadata as `schemaVersion` when given. */
  schemaVersion?: number;
  /** This event's own metadata, over the append's (events of several commands written in one append). */
  metadata?: CommandMetadata;
}

/** An event as read back. */
export interface StoredEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  created: Date;
}

/** Turns the caller's events into JSON and back (upcasting belongs in decode). */
export interface EventCodec<Event> {
  encode(event: Event): EncodedEvent;
  /** Returns undefined to skip an event that does not concern the state (it still counts for revisions and the chain). */
  decode(stored: StoredEvent): Event | undefined;
}

/** Who did what, when and why: given by the caller for every command. */
export interface CommandMetadata {
  /** The authenticated subject (e.g. the JWT `sub`). */
  actor: string;
  /** ISO-8601 instant at which the command was accepted (the caller's clock, not the domain's). */
  occurredAt: string;
  correlationId: string;
  causationId: string;
  /** Default schema version for events whose codec does not give one. */
  schemaVersion?: number;
}

/** Metadata as stored with each event. */
export interface EventMetadata {
  actor?: string;
  occurredAt?: string;
  correlationId?: string;
  causationId?: string;
  schemaVersion?: number;
  /** sha256(Idempotency-Key) of the command that wrote this event, if it had one. */
  idempotencyKey?: string;
  prevHash: string;
  hash: string;
  /** The signing key (absent on events written before events were signed). */
  keyId?: string;
  /**
   * Base64 Ed25519 signature over stream, hash and keyId: on the last event of each append (on
   * every event of history written before 2026-12-07).
   */
  signature?: string;
  /** How many events of its append the signature covers, when more than one (on the signed event). */
  batchSize?: number;
  [key: string]: unknown;
}

/** `no_stream` (the stream does not exist yet) or the revision of its last event. */
export type StreamRevision = bigint | typeof NO_STREAM;

export interface LoadedStream<Event, State> {
  state: State;
  revision: StreamRevision;
  /** Hash of the last event (GENESIS_HASH for a new stream): the next event's prevHash. */
  lastHash: string;
  /** Number of events read (decoded or not). */
  eventCount: number;
  /** When loaded with an idempotency key: what the command carrying that key wrote. */
  previousExecution?: { events: Event[]; revision: bigint; state: State };
}

/**
 * A stream folded up to `revision` (a loaded stream without previousExecution): `loadStream`
 * with `from` continues from it. `state` is handed over: evolve may update it in place.
 */
export interface StreamSnapshot<State> {
  state: State;
  revision: bigint;
  lastHash: string;
  eventCount: number;
}

export interface AppendResult {
  /** Revision of the last event written. */
  revision: bigint;
  /** Hash of the last event written: the next prevHash. */
  lastHash: string;
  /** Commit position of the write, when the server reports one. */
  position?: bigint;
  eventIds: string[];
}

/** The re-decides after version conflicts ran out. Maps to HTTP 409 (or 503, retry later). */
export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
  constructor(readonly streamName: string, readonly attempts: number, options?: { cause?: unknown }) {
    super(`stream ${streamName} kept changing: gave up after ${attempts} attempts`, options);
  }
}

/** The caller required a revision (If-Match) and the stream is at another one. Maps to HTTP 412. */
export class RevisionMismatchError extends Error {
  override readonly name = 'RevisionMismatchError';
  constructor(readonly streamName: string, readonly expected: StreamRevision, readonly actual: StreamRevision) {
    super(`stream ${streamName} is at revision ${String(actual)}, not ${String(expected)}`);
  }
}

/** sha256 hex of an Idempotency-Key, as stored in metadata and stream names (never the raw key). */
export function hashIdempotencyKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A UUID derived from its parts (SHA-256, formatted with version 8 and the RFC 4122 variant):
 * the same parts always give the same id. Used for event ids of idempotent commands and
 * available to callers that need an entity id from an Idempotency-Key (e.g. a new claim's id).
 */
export function deterministicUuid(...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    h.update(String(Buffer.byteLength(part, 'utf8')));
    h.update(':');
    h.update(part, 'utf8');
  }
  const b = h.digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function asMetadata(raw: unknown): EventMetadata {
  if (raw !== null && typeof raw === 'object' && !(raw instanceof Uint8Array) && !Array.isArray(raw)) {
    return raw as EventMetadata;
  }
  return { prevHash: '', hash: '' };
}

/**
 * Reads a stream from its start and folds it with `evolve`. A stream that does not exist gives
 * the initial state at revision `no_stream`.
 */
export async function loadStream<Event, State>(
  client: EventStoreDBClient,
  streamName: string,
  evolver: Evolver<Event, State>,
  codec: Pick<EventCodec<Event>, 'decode'>,
  options: { idempotencyKey?: string; from?: StreamSnapshot<State> } = {},
): Promise<LoadedStream<Event, State>> {
  const keyHash = options.idempotencyKey === undefined ? undefined : hashIdempotencyKey(options.idempotencyKey);
  // Catching up from a snapshot reads only the events after it; an idempotency key needs the
  // whole stream (its events may be anywhere), so it always reads from the start.
  const from = keyHash === undefined ? options.from : undefined;
  let state = from ? from.state : evolver.initialState();
  let revision: StreamRevision = from ? from.revision : NO_STREAM;
  let lastHash = from ? from.lastHash : GENESIS_HASH;
  let eventCount = from ? from.eventCount : 0;
  let previousExecution: LoadedStream<Event, State>['previousExecution'];
  try {
    const read = from ? client.readStream(streamName, { fromRevision: from.revision + 1n }) : client.readStream(streamName);
    for await (const resolved of read) {
      const recorded = resolved.event;
      if (!recorded) continue;
      const metadata = asMetadata(recorded.metadata);
      const stored: StoredEvent = {
        streamId: recorded.streamId,
        id: recorded.id,
        revision: recorded.revision,
        type: recorded.type,
        data: recorded.data,
        metadata,
        created: recorded.created,
      };
      const event = codec.decode(stored);
      if (event !== undefined) state = evolver.evolve(state, event);
      revision = recorded.revision;
      lastHash = typeof metadata.hash === 'string' && metadata.hash !== '' ? metadata.hash : lastHash;
      eventCount += 1;
      if (keyHash !== undefined && metadata.idempotencyKey === keyHash) {
        previousExecution ??= { events: [], revision: recorded.revision, state };
        if (event !== undefined) previousExecution.events.push(event);
        previousExecution.revision = recorded.revision;
        previousExecution.state = state;
      }
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return previousExecution === undefined
    ? { state, revision, lastHash, eventCount }
    : { state, revision, lastHash, eventCount, previousExecution };
}

export interface AppendOptions {
  /** The revision the stream must be at (`no_stream` for a new stream). */
  expectedRevision: StreamRevision;
  /** Hash of the stream's last event (GENESIS_HASH for a new stream). */
  prevHash: string;
  metadata: CommandMetadata | Record<string, unknown>;
  /** Signs the append (its last event, which covers the others through the chain). */
  signer: ChainSigner;
  /**
   * Tags the events with sha256(key) and derives their ids from it, the stream name and
   * their position in the command: a retried append of the same events at the same
   * expected revision is then an idempotent success on the server.
   */
  idempotencyKey?: string;
}

/** Metadata members the chain writes: never taken from the caller. */
const CHAIN_MEMBERS = ['hash', 'prevHash', 'keyId', 'signature', 'batchSize'] as const;

/** A copy of the caller's metadata without the chain's members. */
function withoutChainMembers(metadata: object): Record<string, unknown> {
  const own: Record<string, unknown> = { ...metadata };
  for (const chained of CHAIN_MEMBERS) delete own[chained];
  return own;
}

const utf8 = new TextEncoder();

/**
 * Appends already-encoded events with the hash chain at the expected revision, signed once: every
 * event names the key, the last carries the signature and (when there are several) `batchSize`,
 * so a verifier knows which events the signature covers and an event slipped in before the
 * append is not covered by it. Throws the client's WrongExpectedVersionError on a conflict.
 */
export async function appendEncoded(
  client: EventStoreDBClient,
  streamName: string,
  events: readonly EncodedEvent[],
  options: AppendOptions,
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('appendEncoded: no events');
  const keyHash = options.idempotencyKey === undefined ? undefined : hashIdempotencyKey(options.idempotencyKey);
  const base = withoutChainMembers(options.metadata);
  let prevHash = options.prevHash;
  const eventIds: string[] = [];
  const toWrite = events.map((encoded, index) => {
    const own = encoded.metadata === undefined ? base : { ...base, ...withoutChainMembers(encoded.metadata) };
    const schemaVersion = encoded.schemaVersion ?? (own.schemaVersion as number | undefined);
    const metadata: Record<string, unknown> = { ...own, prevHash, keyId: options.signer.keyId };
    if (schemaVersion !== undefined) metadata.schemaVersion = schemaVersion;
    else delete metadata.schemaVersion;
    if (keyHash !== undefined) metadata.idempotencyKey = keyHash;
    const last = index === events.length - 1;
    if (last && events.length > 1) metadata.batchSize = events.length;
    // The metadata is serialised once: the hash covers its canonical JSON, and the store gets that
    // same text with the hash and the signature added, as bytes (the client then sends them as
    // they are). Read back and canonicalised again, it gives the hashed text exactly.
    const hashed = canonicalJson(metadata);
    const hash = eventHashOf(prevHash, encoded.type, storedDataBytes(encoded.data), hashed);
    const signed = last ? `,"signature":${JSON.stringify(options.signer.sign(streamName, hash))}` : '';
    const stored = utf8.encode(`${hashed.slice(0, -1)},"hash":"${hash}"${signed}}`);
    prevHash = hash;
    const id = keyHash === undefined ? undefined : deterministicUuid('event', keyHash, streamName, String(index));
    const event = jsonEvent({ type: encoded.type, data: encoded.data, metadata: stored, ...(id === undefined ? {} : { id }) });
    eventIds.push(event.id);
    return event;
  });
  const result = await client.appendToStream(streamName, toWrite, { expectedRevision: options.expectedRevision });
  return {
    revision: result.nextExpectedRevision,
    lastHash: prevHash,
    eventIds,
    ...(result.position === undefined ? {} : { position: result.position.commit }),
  };
}

export interface HandleOptions<Event, State = unknown> {
  codec: EventCodec<Event>;
  /** Signs each append. */
  signer: ChainSigner;
  metadata: CommandMetadata;
  /** Re-decides after a version conflict before giving up (default 3, so at most 4 attempts). */
  maxRetries?: number;
  /**
   * If-Match: the revision the caller saw. When the stream is elsewhere, RevisionMismatchError
   * (no re-decide: the caller decided on what it saw).
   */
  expectedRevision?: StreamRevision;
  /**
   * The command's Idempotency-Key (scoped by the caller, e.g. `${actor}:${key}`; one key per
   * stream and step). If the stream already holds events written under it, nothing is decided
   * or appended: the result of that execution is returned with `replayed: true`.
   */
  idempotencyKey?: string;
  /** Called before each re-decide (for metrics). */
  onConflict?: (attempt: number, error: WrongExpectedVersionError) => void;
  /**
   * Loads the stream instead of reading it from the start each attempt (e.g. catching up a
   * cached snapshot with `loadStream(..., { from })`). Not used with an idempotency key.
   */
  load?: () => Promise<LoadedStream<unknown, unknown>>;
  /**
   * Decide on the cached state and append at its revision without reading first; read the
   * stream's tail only after a conflict, or before refusing or deciding nothing (see
   * state-cache.ts). Successful appends update the cache. Takes precedence over `load`.
   */
  cache?: StreamStateCache<Event, State>;
  /**
   * Runs between decide and append, on every attempt that decided events: work in another stream
   * that must be done before these events may exist (e.g. committing funds in a ledger). It must
   * be safe to repeat. A throw refuses the command like the decider's own refusal (and, on a
   * cached state, only after the stream was read again). `after` is the state the events lead
   * to (folded once: it becomes the result's state).
   */
  beforeAppend?: (events: readonly Event[], loaded: LoadedStream<Event, State>, after: State) => Promise<void>;
}

export interface HandleResult<Event, State> {
  /** The events the command produced (decoded from the stream when replayed). */
  events: Event[];
  /** The stream's revision after the command (its revision before when nothing was decided). */
  revision: StreamRevision;
  state: State;
  /** True when the command had already been executed under its idempotency key. */
  replayed: boolean;
  /** Attempts used (1 without conflicts). */
  attempts: number;
  position?: bigint;
}

const DEFAULT_MAX_RETRIES = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tryDecide<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  command: Command,
  state: State,
): { events: Event[]; refusal?: undefined } | { events: Event[]; refusal: { error: unknown } } {
  try {
    return { events: [...decider.decide(command, state)] };
  } catch (error) {
    return { events: [], refusal: { error } };
  }
}

/**
 * load -> decide -> append at the loaded revision; on a version conflict, load again and
 * decide again, at most `maxRetries` times, then ConcurrencyConflictError. Errors thrown by
 * `decide` (domain refusals) propagate unchanged. A decision with no events appends nothing.
 */
export async function handleCommand<Command, Event, State>(
  client: EventStoreDBClient,
  streamName: string,
  command: Command,
  decider: Decider<Command, Event, State>,
  options: HandleOptions<Event, State>,
): Promise<HandleResult<Event, State>> {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError('maxRetries must be a non-negative integer');
  let lastConflict: WrongExpectedVersionError | undefined;
  const cache = options.cache;
  const key = options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey };
  /** The state to decide on: see StreamStateCache.forDecision; without a cache, always read. */
  const load = async (fresh: boolean): Promise<{ loaded: LoadedStream<Event, State>; verified: boolean }> => {
    if (cache) {
      return cache.forDecision(client, streamName, {
        fresh, ...key, ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }),
      });
    }
    if (options.load && options.idempotencyKey === undefined) return { loaded: await options.load() as LoadedStream<Event, State>, verified: true };
    return { loaded: await loadStream(client, streamName, decider, options.codec, key), verified: true };
  };
  for (let attempt = 1; attempt <= maxRetries + 1; attempt += 1) {
    // First attempt on a cached stream: no read (a command creating a stream knows it is empty).
    let { loaded, verified } = await load(attempt > 1);
    if (loaded.previousExecution !== undefined) {
      const previous = loaded.previousExecution;
      return { events: previous.events, revision: previous.revision, state: previous.state, replayed: true, attempts: attempt };
    }
    if (options.expectedRevision !== undefined && options.expectedRevision !== loaded.revision) {
      throw new RevisionMismatchError(streamName, options.expectedRevision, loaded.revision);
    }
    /** The decision on `on`, and the state its events lead to (folded once, before the append). */
    const decideAndPrepare = async (on: LoadedStream<Event, State>): Promise<{ events: Event[]; after?: State; refusal?: { error: unknown } }> => {
      const decided = tryDecide(decider, command, on.state);
      if (decided.refusal !== undefined || decided.events.length === 0) return decided;
      const after = decided.events.reduce((s, e) => decider.evolve(s, e), on.state);
      try {
        await options.beforeAppend?.(decided.events, on, after);
        return { events: decided.events, after };
      } catch (error) {
        return { events: [], refusal: { error } };
      }
    };
    let decision = await decideAndPrepare(loaded);
    if (!verified && (decision.refusal !== undefined || decision.events.length === 0)) {
      // Never refuse (or do nothing) on the cache's word: look at the store first.
      ({ loaded, verified } = await load(true));
      if (options.expectedRevision !== undefined && options.expectedRevision !== loaded.revision) {
        throw new RevisionMismatchError(streamName, options.expectedRevision, loaded.revision);
      }
      decision = await decideAndPrepare(loaded);
    }
    if (decision.refusal !== undefined) throw decision.refusal.error;
    const events = decision.events;
    if (events.length === 0 || decision.after === undefined) {
      return { events, revision: loaded.revision, state: loaded.state, replayed: false, attempts: attempt };
    }
    try {
      const appended = await appendEncoded(client, streamName, events.map((e) => options.codec.encode(e)), {
        expectedRevision: loaded.revision,
        prevHash: loaded.lastHash,
        metadata: options.metadata,
        signer: options.signer,
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      });
      const state = decision.after;
      cache?.remember(streamName, { state, revision: appended.revision, lastHash: appended.lastHash, eventCount: loaded.eventCount + events.length });
      return {
        events,
        revision: appended.revision,
        state,
        replayed: false,
        attempts: attempt,
        ...(appended.position === undefined ? {} : { position: appended.position }),
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      lastConflict = error;
      if (options.expectedRevision !== undefined) {
        // The caller pinned a revision and someone wrote in between: no re-decide. Reload to tell
        // where the stream is now, or to find that the write was this very command's (a replay).
        const now = await loadStream(client, streamName, decider, options.codec, {
          ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
        });
        const previous = now.previousExecution;
        if (previous !== undefined) {
          return { events: previous.events, revision: previous.revision, state: previous.state, replayed: true, attempts: attempt };
        }
        throw new RevisionMismatchError(streamName, options.expectedRevision, now.revision);
      }
      if (attempt <= maxRetries) {
        options.onConflict?.(attempt, error);
        // A little jitter so that competing writers do not keep colliding in lock step.
        await sleep(Math.floor(Math.random() * 5 * attempt));
      }
    }
  }
  throw new ConcurrencyConflictError(streamName, maxRetries + 1, { cause: lastConflict });
}

/** The functions above bound to one client and signer. */
export class EventStreams {
  constructor(readonly client: EventStoreDBClient, readonly signer: ChainSigner) {}

  load<Event, State>(
    streamName: string,
    evolver: Evolver<Event, State>,
    codec: Pick<EventCodec<Event>, 'decode'>,
    options?: { idempotencyKey?: string },
  ): Promise<LoadedStream<Event, State>> {
    return loadStream(this.client, streamName, evolver, codec, options);
  }

  append<Event>(streamName: string, events: readonly Event[], codec: Pick<EventCodec<Event>, 'encode'>, options: Omit<AppendOptions, 'signer'>): Promise<AppendResult> {
    return appendEncoded(this.client, streamName, events.map((e) => codec.encode(e)), { ...options, signer: this.signer });
  }

  handle<Command, Event, State>(
    streamName: string,
    command: Command,
    decider: Decider<Command, Event, State>,
    options: Omit<HandleOptions<Event, State>, 'signer'>,
  ): Promise<HandleResult<Event, State>> {
    return handleCommand(this.client, streamName, command, decider, { ...options, signer: this.signer });
  }
}
