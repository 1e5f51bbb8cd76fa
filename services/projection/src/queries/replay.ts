/**
 * A claim's state as of an instant or a revision, replayed from EventStoreDB (the source of
 * truth, not the read model) with the domain's `evolve`. An event belongs to the past of an
 * instant when its time (the command's `occurredAt`, hashed into the chain, or the store's
 * timestamp) is at or before it; the fold stops at the first later event, so the answer is
 * always the state after a prefix of the stream: a state the decider really went through.
 */
import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { evolve, initialState, type ClaimState } from '@cfund/domain';
import { envelopeOf, eventTime } from '../envelope.js';

export interface ReplayedState {
  /** The revision of the last event folded, or null when none is (the claim did not exist yet). */
  revision: number | null;
  /** The time of that event. */
  at: string | null;
  state: ClaimState;
  /** Events in the stream (for a 404 when 0). */
  streamLength: number;
}

export async function replayClaim(client: EventStoreDBClient, claimId: string, until: { asOf?: string; revision?: number }): Promise<ReplayedState> {
  let state = initialState();
  let revision: number | null = null;
  let at: string | null = null;
  let stopped = false;
  let streamLength = 0;
  const asOf = until.asOf === undefined ? undefined : Date.parse(until.asOf);
  try {
    // Read to the end even after stopping (never leave the client's iterator half-way).
    for await (const resolved of client.readStream(`claim-${claimId}`)) {
      const e = envelopeOf(resolved);
      if (!e) continue;
      streamLength += 1;
      if (stopped) continue;
      const time = eventTime(e);
      if ((asOf !== undefined && Date.parse(time) > asOf) || (until.revision !== undefined && e.revision > until.revision)) {
        stopped = true;
        continue;
      }
      if (isClaimEventType(e.type)) state = evolve(state, parseEvent(e.type, e.data) as ClaimEvent);
      revision = e.revision;
      at = time;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { revision, at, state, streamLength };
}
