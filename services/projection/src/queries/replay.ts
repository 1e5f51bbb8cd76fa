/**
 * A claim's state as of an instant or a revision, replayed from EventStoreDB (the source of
 * truth, not the read model) with the domain's `evolve`. An event belongs to the past of an
 * instant when its time (the command's `occurredAt`, hashed into the chain, or the store's
 * timestamp) is at or before it; the fold stops at the first later event, so the answer is
 * always the state after a prefix of the stream: a state the decider really went through.
 *
 * The events of a stream never change once written (append-only; erasure shreds a key, it does
 * not rewrite events), so the prefix read for one query is kept (the most recently replayed
 * claims) and the next query reads only the events after it, or nothing at all when the prefix
 * already reaches past the instant or revision asked for. Most of an as-of's time was the read
 * of the whole stream from the event store (the fold itself costs a fraction of a millisecond).
 *
 * An instant at or after every event the read model has applied of the claim (the usual question:
 * "as of a day last month", long after the claim's last event), or a revision at or beyond the
 * last applied, starts from the state the projector keeps after that event (`claim_folds`, in
 * the decider's current shape) instead of the stream's start: the event store is then asked only
 * for the events after it (usually none), so the answer is still the event store's.
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
interface KeptEvent {
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

/** Claims whose stream prefix is kept. */
const KEPT_CLAIMS = 2000;

export class ClaimReplayer {
  private readonly kept = new Map<string, KeptEvent[]>();

  /** `folds`: the projector's kept fold of a claim (`keptFold` over the served read model); none in tests of the replay alone. */
  constructor(private readonly client: EventStoreDBClient, private readonly keptClaims = KEPT_CLAIMS,
    private readonly folds: (claimId: string) => KeptFold | undefined = () => undefined) {}

  async replay(claimId: string, until: { asOf?: string; revision?: number }): Promise<ReplayedState> {
    const asOf = until.asOf === undefined ? undefined : Date.parse(until.asOf);
    const beyond = (e: KeptEvent) => (asOf !== undefined && e.timeMs > asOf) || (until.revision !== undefined && e.revision > until.revision);
    const fold = this.folds(claimId);
    if (fold && (asOf === undefined || Date.parse(fold.latest) <= asOf) && (until.revision === undefined || until.revision >= fold.revision)) {
      // Every applied event belongs to the answer: it goes on from the kept fold with what followed in the event store.
      if (until.revision === fold.revision) return { revision: fold.revision, at: fold.at, state: fold.state };
      return this.foldOn(fold, await this.readFrom(claimId, fold.revision + 1), beyond);
    }
    let events = this.kept.get(claimId) ?? [];
    // Without an event past the instant or revision in hand, later events may still belong to the answer.
    const reached = until.revision !== undefined && (events.at(-1)?.revision ?? -1) >= until.revision;
    // A revision asked for bounds the read (an instant may lie beyond any number of events).
    if (!reached && !events.some(beyond)) events = await this.readAfter(claimId, events, asOf === undefined ? until.revision : undefined);
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
