/**
 * A claim's state as of an instant or a revision: the claim's events folded with the domain's
 * `evolve`, up to the instant or the revision. An event belongs to the past of an instant when its
 * time (the command's `occurredAt`, hashed into the chain, or the store's timestamp) is at or
 * before it; the fold stops at the first later event, so the answer is always the state after a
 * prefix of the stream: a state the decider really went through.
 *
 * The answer is the event store's: the events folded are those of the stream in EventStoreDB,
 * taken from where the service already holds them. The read model holds the prefix the projector
 * applied (it applies a stream's events in order from the store, once each, and keeps each one's
 * data as stored in `claim_history`, personal data inside its encrypted envelope as in the store),
 * and the state after the last of them (`claim_folds`, in the decider's current shape). So:
 * - an instant at or after every applied event (the usual question: "as of a day last month",
 *   long after the claim's last event), or a revision at or beyond the last applied, starts from
 *   that fold, and the event store is asked only for the events after it (usually none; at the
 *   last applied revision itself, no read at all);
 * - an earlier instant or revision is folded from the applied events alone (parsed and upcast
 *   at every fold, so a change of the decider's state changes nothing here), without the store;
 * - anything else (a claim the read model lacks, or whose fold is in another shape, a file from
 *   before the data was kept) reads from the store what the read model does not hold. Events of
 *   a stream never change once written (append-only; erasure shreds a key, it does not rewrite
 *   events), so the prefix read for one query is kept (the most recently replayed claims) and
 *   the next query reads only the events after it.
 * The store's round trip was most of an as-of's time and all of its tail (the fold itself costs a
 * fraction of a millisecond).
 */
import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { claimStream, isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { CLAIM_STATE_VERSION, evolve, initialState, type ClaimState } from '@cfund/domain';
import { storedEventOf } from '@cfund/messaging';
import { eventTime } from '../envelope.js';
import type { ReadModelStore } from '../read-model/store.js';

export interface ReplayedState {
  /** The revision of the last event folded, or null when none is (the claim did not exist yet). */
  revision: number | null;
  /** The time of that event. */
  at: string | null;
  state: ClaimState;
}

/** An event of the stream as kept: its data as stored (parsed again at every fold, never shared). */
export interface KeptEvent {
  revision: number;
  type: string;
  data: unknown;
  time: string;
  timeMs: number;
}

/** The state the projector keeps after a claim's last applied event, and the latest time of its applied events. */
export interface KeptFold extends ReplayedState {
  revision: number;
  /** The latest time among the claim's applied events (their times need not rise with the revision). */
  latest: string;
}

/** The claim's kept fold in the read model, or undefined (none yet, or kept in another shape of the decider's state). */
export function keptFold(store: ReadModelStore, claimId: string): KeptFold | undefined {
  const row = store.db.prepare(`SELECT c.revision, c.updated_at, f.state,
      (SELECT max(h.occurred_at) FROM claim_history h WHERE h.claim_id = c.claim_id) AS latest
    FROM claims c JOIN claim_folds f ON f.claim_id = c.claim_id WHERE c.claim_id = ?`).get(claimId) as
    { revision: number; updated_at: string; state: string; latest: string | null } | undefined;
  if (!row || row.latest === null) return undefined;
  const state = JSON.parse(row.state) as ClaimState;
  return state.stateVersion === CLAIM_STATE_VERSION ? { revision: row.revision, at: row.updated_at, state, latest: row.latest } : undefined;
}

/**
 * The claim's events the read model applied (`claim_history`: the stream's prefix, each one's data
 * as stored), up to `upTo`; undefined when it holds none, when a row lacks its data (a file from
 * before it was kept, until its rebuild), or when a revision is missing (an event of a claim stream
 * the projector does not apply has no row: the stream is then read from the store, as it was).
 */
export function appliedEvents(store: ReadModelStore, claimId: string, upTo?: number): KeptEvent[] | undefined {
  const rows = store.db.prepare(`SELECT revision, type, data, occurred_at FROM claim_history
    WHERE claim_id = ? AND revision <= ? ORDER BY revision`).all(claimId, upTo ?? Number.MAX_SAFE_INTEGER) as
    { revision: number; type: string; data: string | null; occurred_at: string }[];
  if (rows.length === 0) return undefined;
  const events: KeptEvent[] = [];
  for (const r of rows) {
    if (r.data === null || r.revision !== events.length) return undefined;
    events.push({ revision: r.revision, type: r.type, data: JSON.parse(r.data) as unknown, time: r.occurred_at, timeMs: Date.parse(r.occurred_at) });
  }
  return events;
}

/** Claims whose stream prefix is kept. */
const KEPT_CLAIMS = 2000;

export class ClaimReplayer {
  private readonly kept = new Map<string, KeptEvent[]>();

  /**
   * `folds` and `applied`: the projector's kept fold of a claim and the events it applied (`keptFold`
   * and `appliedEvents` over the served read model, asked one after the other with nothing in
   * between: the projector runs between requests); none in tests of the replay alone.
   */
  constructor(private readonly client: EventStoreDBClient, private readonly keptClaims = KEPT_CLAIMS,
    private readonly folds: (claimId: string) => KeptFold | undefined = () => undefined,
    private readonly applied: (claimId: string, upTo?: number) => KeptEvent[] | undefined = () => undefined) {}

  async replay(claimId: string, until: { asOf?: string; revision?: number }): Promise<ReplayedState> {
    const asOf = until.asOf === undefined ? undefined : Date.parse(until.asOf);
    const beyond = (e: KeptEvent) => (asOf !== undefined && e.timeMs > asOf) || (until.revision !== undefined && e.revision > until.revision);
    const fold = this.folds(claimId);
    if (fold && (asOf === undefined || Date.parse(fold.latest) <= asOf) && (until.revision === undefined || until.revision >= fold.revision)) {
      // Every applied event belongs to the answer: it goes on from the kept fold with what followed in the event store.
      if (until.revision === fold.revision) return { revision: fold.revision, at: fold.at, state: fold.state };
      return this.foldOn(fold, await this.readFrom(claimId, fold.revision + 1), beyond);
    }
    // The applied prefix (only up to the revision asked for), else one kept from an earlier replay.
    const applied = this.applied(claimId, until.revision);
    let events = applied ?? this.kept.get(claimId) ?? [];
    // Without an event past the instant or revision in hand, later events may still belong to the answer.
    const reached = until.revision !== undefined && (events.at(-1)?.revision ?? -1) >= until.revision;
    if (!reached && !events.some(beyond)) {
      // A revision asked for bounds the read (an instant may lie beyond any number of events).
      const upTo = asOf === undefined ? until.revision : undefined;
      events = applied ? [...applied, ...await this.readFrom(claimId, applied.at(-1)!.revision + 1, upTo)] : await this.readAfter(claimId, events, upTo);
    }
    return this.foldOn({ revision: null, at: null, state: initialState() }, events, beyond);
  }

  /** `from` and then `events` up to the first one beyond what was asked. */
  private foldOn(from: ReplayedState, events: KeptEvent[], beyond: (e: KeptEvent) => boolean): ReplayedState {
    let { state, revision, at } = from;
    for (const e of events) {
      if (beyond(e)) break;
      if (isClaimEventType(e.type)) state = evolve(state, parseEvent(e.type, e.data) as ClaimEvent);
      revision = e.revision;
      at = e.time;
    }
    return { revision, at, state };
  }

  /** The stream's events from `revision` on, up to `upTo` or its end (read to the end: never leave the client's iterator half-way). */
  private async readFrom(claimId: string, revision: number, upTo?: number): Promise<KeptEvent[]> {
    const events: KeptEvent[] = [];
    if (upTo !== undefined && upTo < revision) return events;
    const options = { ...(revision === 0 ? {} : { fromRevision: BigInt(revision) }), ...(upTo === undefined ? {} : { maxCount: upTo - revision + 1 }) };
    try {
      for await (const resolved of this.client.readStream(claimStream(claimId), options)) {
        const e = storedEventOf(resolved);
        if (!e) continue;
        const time = eventTime(e);
        events.push({ revision: e.revision, type: e.type, data: e.data, time, timeMs: Date.parse(time) });
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return events;
  }

  /** Reads the events after those kept (up to `upTo`), keeps the longer prefix (most recently used last). */
  private async readAfter(claimId: string, kept: KeptEvent[], upTo?: number): Promise<KeptEvent[]> {
    const events = [...kept, ...await this.readFrom(claimId, (kept.at(-1)?.revision ?? -1) + 1, upTo)];
    this.kept.delete(claimId);
    if (events.length > 0) {
      this.kept.set(claimId, events);
      if (this.kept.size > this.keptClaims) this.kept.delete(this.kept.keys().next().value!);
    }
    return events;
  }
}
