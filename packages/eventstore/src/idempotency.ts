/**
 * Idempotency-Key support, stored in the event store itself.
 *
 * One stream per key, `idempotency-<sha256(key)>`, with three kinds of events:
 *   IdempotencyKeyReserved        { requestHash, owner }   an execution started (first one: NO_STREAM)
 *   IdempotencyResponseRecorded   { owner, response }      it finished; `response` is replayed from now on
 *   IdempotencyReservationReleased{ owner, reason }        it failed without a response; the key is free again
 *
 * Nothing is written until the command is about to write (`run` calls `reserve()`), so a refused
 * command leaves no trace. The first reservation is appended with expected revision `no_stream`,
 * so among concurrent duplicates exactly one wins; the others read the stream and wait for the response. Every
 * later transition is appended at the revision it was decided on, so it races safely too.
 *
 * Crash window. An owner that dies after its domain append but before recording the response
 * leaves the key reserved. Once the reservation is stale (`staleAfterMs`), a retry takes it over
 * (a new reservation at the stream's revision) and runs the command again. That second run is
 * harmless as long as the command is written with `handle(..., { idempotencyKey })`: the
 * events of the first run carry sha256(key) in their metadata, so loading the stream finds
 * them and returns that run's result without deciding or appending anything (and the event ids
 * are derived from the key, so even a blind re-append at the same revision is deduplicated by
 * the server). The taker then records the response. See README.md.
 *
 * A retry that finds the writes of the first run stored (`run` calls `stored()`: it loaded its
 * own events under the key) does not wait for the reservation to go stale: its answer is the
 * first run's answer, derived from those events, so it takes the reservation over at once and
 * records it. A holder still alive then finds the response recorded and answers it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { NO_STREAM, StreamNotFoundError, WrongExpectedVersionError, type EventStoreDBClient } from '@eventstore/db-client';
import type { ChainSigner } from './chain-signature.js';
import { appendEncoded, hashIdempotencyKey, type StreamRevision } from './event-stream.js';
import { GENESIS_HASH, canonicalJson } from './hash-chain.js';

/** A JSON-serialisable response. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The key was used before with a different request body. Maps to HTTP 422. */
export class IdempotencyMismatchError extends Error {
  override readonly name = 'IdempotencyMismatchError';
  constructor(readonly keyHash: string) {
    super('this Idempotency-Key was already used with a different request');
  }
}

/** Another execution under this key is still running (and not stale). Maps to HTTP 409; retry later. */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
  constructor(readonly keyHash: string) {
    super('a request with this Idempotency-Key is still being processed');
  }
}

/** sha256 hex of the canonical JSON of a request body (key order does not matter). */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null), 'utf8').digest('hex');
}

export interface IdempotencyStoreOptions {
  /** Stream name prefix (default `idempotency-`). */
  streamPrefix?: string;
  /** A reservation without a response for this long is taken over by a retry (default 30 s). */
  staleAfterMs?: number;
  /** How long a duplicate waits for the first execution's response (default 15 s). */
  waitTimeoutMs?: number;
  /** First poll interval while waiting; doubles up to 250 ms (default 20 ms). */
  pollIntervalMs?: number;
}

export interface IdempotentResult<R> {
  response: R;
  /** True when `run` was not executed by this call and the first response was returned. */
  replayed: boolean;
}

interface KeyState {
  revision: StreamRevision;
  lastHash: string;
  requestHash?: string;
  status: 'free' | 'pending' | 'done' | 'released';
  response?: JsonValue;
  reservedAt?: number;
}

const RESERVED = 'IdempotencyKeyReserved';
const RECORDED = 'IdempotencyResponseRecorded';
const RELEASED = 'IdempotencyReservationReleased';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class IdempotencyStore {
  private readonly prefix: string;
  private readonly staleAfterMs: number;
  private readonly waitTimeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly client: EventStoreDBClient, private readonly signer: ChainSigner, options: IdempotencyStoreOptions = {}) {
    this.prefix = options.streamPrefix ?? 'idempotency-';
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 15_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
  }

  streamName(key: string): string {
    return `${this.prefix}${hashIdempotencyKey(key)}`;
  }

  /**
   * Runs `run` under `key` and returns its response; a repeat with the same `requestHash` gets
   * the first response back (`replayed: true`), one with another `requestHash`
   * IdempotencyMismatchError.
   *
   * Nothing is written for the key until `run` calls `reserve()`, which it must do right before
   * its first write (after authorizing and deciding): so a refusal (`run` throws before) writes
   * nothing at all, and its retry is decided afresh. `reserve()` takes the key (among concurrent
   * duplicates exactly one wins); when the key already has a response it ends `run` and that
   * response is returned; while another execution holds it, it waits for that one's response
   * (or takes over a stale reservation, see the module comment). `run` may thus be called on a
   * repeat, but its writes happen under one reservation only. If `run` throws after reserving,
   * the reservation is released and the error rethrown: a later retry executes again.
   *
   * The response is stored in the event store: it must not contain plaintext personal data.
   *
   * `requestHash` may be several: the first is recorded, any of them matches (during a rotation
   * of the key that fingerprints requests, a retry of a request reserved before the switch).
   *
   * `stored()`: `run` found the writes of an earlier execution under this key (its answer is
   * final): a reservation still pending is taken over without waiting (see the module comment).
   * `check()`: throws, writing nothing, what `reserve()` would at once (the key used with another
   * request, or answered), for a `run` that makes repeat-safe writes before it reserves.
   */
  async execute<R extends JsonValue>(
    key: string, requestHash: string | readonly [string, ...string[]], run: (reserve: () => Promise<void>, stored: () => void, check: () => Promise<void>) => Promise<R>,
  ): Promise<IdempotentResult<R>> {
    const stream = this.streamName(key);
    const requestHashes = typeof requestHash === 'string' ? [requestHash] : requestHash;
    const reservation: Reservation = { stream, keyHash: hashIdempotencyKey(key), requestHash: requestHashes[0], requestHashes, owner: randomUUID() };
    let response: R;
    try {
      response = await run(() => this.reserve(reservation), () => { reservation.stored = true; }, () => this.check(reservation));
    } catch (error) {
      if (error instanceof AlreadyAnswered) return { response: error.response as R, replayed: true };
      const held = reservation.held;
      if (held !== undefined) {
        await appendEncoded(this.client, stream, [{ type: RELEASED, data: { owner: reservation.owner, reason: error instanceof Error ? error.name : 'error' } }], {
          expectedRevision: held.revision,
          prevHash: held.lastHash,
          metadata: { occurredAt: new Date().toISOString() }, signer: this.signer,
        }).catch(() => undefined); // a reservation left behind goes stale and is taken over
      }
      throw error;
    }
    if (reservation.held === undefined) {
      // `run` wrote nothing (it found its own earlier events, or decided nothing): answer as the
      // key says, without writing, unless a stale reservation is left to complete.
      const state = await this.read(stream);
      if (state.requestHash !== undefined && !requestHashes.includes(state.requestHash)) throw new IdempotencyMismatchError(reservation.keyHash);
      if (state.status === 'done') return { response: state.response as R, replayed: true };
      if (state.status !== 'pending') return { response, replayed: false };
      try {
        await this.reserve(reservation, state);
      } catch (error) {
        if (error instanceof AlreadyAnswered) return { response: error.response as R, replayed: true };
        throw error;
      }
    }
    const held = reservation.held!;
    try {
      await appendEncoded(this.client, stream, [{ type: RECORDED, data: { owner: reservation.owner, response } }], {
        expectedRevision: held.revision,
        prevHash: held.lastHash,
        metadata: { occurredAt: new Date().toISOString() }, signer: this.signer,
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      // Taken over while running (we were slow, not dead). The first recorded response wins.
      const state = await this.read(stream);
      if (state.status === 'done') return { response: state.response as R, replayed: false };
    }
    return { response, replayed: false };
  }

  /**
   * Whether the key already has a recorded response (final: it never changes again). Lets a
   * caller that must do work to fingerprint its request (an upload stored as it streams) skip
   * that work's side effects when all that can follow is a replay or a mismatch.
   */
  async answered(key: string): Promise<boolean> {
    return (await this.read(this.streamName(key))).status === 'done';
  }

  /** Throws what `reserve` would at once for `r`: another request's key (mismatch), or its answer (no-op when held). */
  private async check(r: Reservation): Promise<void> {
    if (r.held !== undefined) return;
    const state = await this.read(r.stream);
    if (state.requestHash !== undefined && !r.requestHashes.includes(state.requestHash)) throw new IdempotencyMismatchError(r.keyHash);
    if (state.status === 'done') throw new AlreadyAnswered(state.response ?? null);
  }

  /**
   * Takes the key for `r` (no-op when held). The first attempt assumes a new key (no read); on a
   * conflict it reads the key and then ends `run` with its response (AlreadyAnswered), waits for
   * its holder, takes over a stale or released reservation, or refuses another request under the
   * same key.
   */
  private async reserve(r: Reservation, known?: KeyState): Promise<void> {
    if (r.held !== undefined) return;
    const deadline = performance.now() + this.waitTimeoutMs;
    let poll = this.pollIntervalMs;
    let observed: { revision: StreamRevision; since: number } | undefined;
    let next: { expected: StreamRevision; prevHash: string } | undefined = known === undefined ? { expected: NO_STREAM, prevHash: GENESIS_HASH } : undefined;
    let state = known;
    for (;;) {
      if (next !== undefined) {
        try {
          const appended = await appendEncoded(this.client, r.stream, [{ type: RESERVED, data: { requestHash: r.requestHash, owner: r.owner } }], {
            expectedRevision: next.expected, prevHash: next.prevHash, metadata: { occurredAt: new Date().toISOString() }, signer: this.signer,
          });
          r.held = { revision: appended.revision, lastHash: appended.lastHash };
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
        }
        next = undefined;
        state = undefined;
      }
      state ??= await this.read(r.stream);
      if (state.requestHash !== undefined && !r.requestHashes.includes(state.requestHash)) throw new IdempotencyMismatchError(r.keyHash);
      if (state.status === 'done') throw new AlreadyAnswered(state.response ?? null);
      if (state.status === 'free' || state.status === 'released') {
        next = { expected: state.revision, prevHash: state.lastHash };
        continue;
      }
      // pending: wait for its response, or take it over once stale (at once when this run's writes are stored: its answer is final).
      const now = performance.now();
      if (observed === undefined || observed.revision !== state.revision) observed = { revision: state.revision, since: now };
      const stale = r.stored === true || now - observed.since >= this.staleAfterMs || (state.reservedAt !== undefined && Date.now() - state.reservedAt >= this.staleAfterMs);
      if (stale) {
        next = { expected: state.revision, prevHash: state.lastHash };
        continue;
      }
      if (now >= deadline) throw new IdempotencyInProgressError(r.keyHash);
      state = undefined;
      await sleep(Math.min(poll, Math.max(1, deadline - now)));
      poll = Math.min(poll * 2, 250);
    }
  }

  private async read(stream: string): Promise<KeyState> {
    const state: KeyState = { revision: NO_STREAM, lastHash: GENESIS_HASH, status: 'free' };
    try {
      for await (const resolved of this.client.readStream(stream)) {
        const event = resolved.event;
        if (!event) continue;
        const data = event.data as { requestHash?: string; response?: JsonValue };
        const metadata = event.metadata as { hash?: string } | undefined;
        state.revision = event.revision;
        if (typeof metadata?.hash === 'string') state.lastHash = metadata.hash;
        switch (event.type) {
          case RESERVED:
            state.requestHash ??= data.requestHash;
            if (state.status !== 'done') {
              state.status = 'pending';
              state.reservedAt = event.created.getTime();
            }
            break;
          case RECORDED:
            if (state.status !== 'done') {
              state.status = 'done';
              state.response = data.response as JsonValue;
            }
            break;
          case RELEASED:
            if (state.status !== 'done') state.status = 'released';
            break;
        }
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return state;
  }
}

/** Ends `run` from inside `reserve()`: the key already has this response. */
class AlreadyAnswered extends Error {
  constructor(readonly response: JsonValue) {
    super('this Idempotency-Key already has a response');
  }
}

/** One execution's claim on a key, taken lazily (see IdempotencyStore.reserve). */
interface Reservation {
  readonly stream: string;
  readonly keyHash: string;
  /** What the reservation records. */
  readonly requestHash: string;
  /** What matches a recorded one (requestHash first). */
  readonly requestHashes: readonly string[];
  readonly owner: string;
  held?: { revision: bigint; lastHash: string };
  /** `run` found the writes of an earlier execution under the key stored: its answer is that execution's. */
  stored?: boolean;
}
