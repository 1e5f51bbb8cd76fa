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
 */
import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { claimStream, isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { evolve, initialState, type ClaimState } from '@cfund/domain';
import { storedEventOf } from '@cfund/messaging';
import { eventTime } from '../envelope.js';

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

/** Claims whose stream prefix is kept. */
const KEPT_CLAIMS = 2000;

export class ClaimReplayer {
  private readonly kept = new Map<string, KeptEvent[]>();

  constructor(private readonly client: EventStoreDBClient, private readonly keptClaims = KEPT_CLAIMS) {}

  async replay(claimId: string, until: { asOf?: string; revision?: number }): Promise<ReplayedState> {
    const asOf = until.asOf === undefined ? undefined : Date.parse(until.asOf);
    const beyond = (e: KeptEvent) => (asOf !== undefined && e.timeMs > asOf) || (until.revision !== undefined && e.revision > until.revision);
    let events = this.kept.get(claimId) ?? [];
    // Without an event past the instant or revision in hand, later events may still belong to the answer.
    const reached = until.revision !== undefined && (events.at(-1)?.revision ?? -1) >= until.revision;
    if (!reached && !events.some(beyond)) events = await this.readAfter(claimId, events);
    let state = initialState();
    let revision: number | null = null;
    let at: string | null = null;
    for (const e of events) {
      if (beyond(e)) break;
      if (isClaimEventType(e.type)) state = evolve(state, parseEvent(e.type, e.data) as ClaimEvent);
      revision = e.revision;
      at = e.time;
    }
    return { revision, at, state };
  }

  /** Reads the events after those kept, keeps the longer prefix (most recently used last). */
  private async readAfter(claimId: string, kept: KeptEvent[]): Promise<KeptEvent[]> {
    const events = [...kept];
    const last = kept.at(-1)?.revision;
    try {
      // Read to the end (never leave the client's iterator half-way).
      for await (const resolved of this.client.readStream(claimStream(claimId), last === undefined ? {} : { fromRevision: BigInt(last + 1) })) {
        const e = storedEventOf(resolved);
        if (!e) continue;
        const time = eventTime(e);
        events.push({ revision: e.revision, type: e.type, data: e.data, time, timeMs: Date.parse(time) });
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    this.kept.delete(claimId);
    if (events.length > 0) {
      this.kept.set(claimId, events);
      if (this.kept.size > this.keptClaims) this.kept.delete(this.kept.keys().next().value!);
    }
    return events;
  }
}
