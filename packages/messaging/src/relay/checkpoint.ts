/**
 * The relay's checkpoint is the newest message of CFUND_EVENTS that the relay signed: the
 * stream's last sequence (what the next publish expects) and that message's $all position
 * (where to continue). Publish and checkpoint cannot disagree: there is no second write that
 * could fail.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { JetStreamManager, MsgHdrs } from 'nats';
import { decodeEnvelope, type EventEnvelope } from '../envelope.js';
import { EventHeaders } from '../headers.js';
import { hasValidSignature, type EventSigningKeys } from '../signature.js';
import { EVENTS_STREAM } from '../settings.js';
import { ensureEventsStream, type StreamPlacement } from '../streams.js';

export interface AllPosition {
  commit: bigint;
  prepare: bigint;
}

export interface RelayCheckpoint {
  /** Sequence of the newest message in CFUND_EVENTS (0: empty), whoever published it. */
  lastSequence: number;
  /** $all position of the newest event the relay published; undefined: start of $all. */
  position?: AllPosition;
  /** Id of that event. */
  eventId?: string;
}

function isMessageNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; code?: string; message?: string } | undefined;
  return e?.api_error?.err_code === 10037 || e?.code === '404' || /no message found/i.test(e?.message ?? '');
}

/**
 * How many messages the checkpoint search looks back past foreign ones (not signed by the relay)
 * before it gives up: more than that means someone is flooding the stream, which needs a human.
 */
export const CHECKPOINT_SEARCH_LIMIT = 10_000;

/**
 * The checkpoint: the stream's last sequence (what the next publish expects) and the $all
 * position of the newest message the relay signed. Messages published by anyone else are
 * skipped: they must neither stop the relay nor move its position.
 */
export async function readCheckpoint(
  jsm: JetStreamManager,
  signingKey: EventSigningKeys,
  options: { onForeign?: (sequence: number) => void } & StreamPlacement = {},
): Promise<RelayCheckpoint> {
  const info = await ensureEventsStream(jsm, options.replicas !== undefined ? { replicas: options.replicas } : {});
  const lastSequence = info.state.last_seq;
  if (lastSequence === 0 || info.state.messages === 0) {
    // Empty (or purged by an operator): publish $all from its start.
    return { lastSequence };
  }
  const oldest = Math.max(info.state.first_seq, lastSequence - CHECKPOINT_SEARCH_LIMIT + 1);
  for (let seq = lastSequence; seq >= oldest; seq -= 1) {
    let stored;
    try {
      stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
    } catch (error) {
      if (isMessageNotFound(error)) continue;
      throw error;
    }
    const envelope = relayedEnvelope(signingKey, stored.data, stored.header);
    if (!envelope) {
      options.onForeign?.(seq);
      continue;
    }
    return {
      lastSequence,
      position: { commit: BigInt(envelope.commitPosition), prepare: BigInt(envelope.preparePosition) },
      eventId: envelope.eventId,
    };
  }
  if (oldest > info.state.first_seq) {
    throw new Error(`none of the newest ${CHECKPOINT_SEARCH_LIMIT} messages of ${EVENTS_STREAM} was published by this relay: refusing to guess a position`);
  }
  // Nothing the relay signed is left: publish $all from its start (consumers are idempotent).
  return { lastSequence };
}

/** The envelope of a message the relay signed (its Nats-Msg-Id naming the same event), else undefined. */
function relayedEnvelope(signingKey: EventSigningKeys, body: Uint8Array, msgHeaders: MsgHdrs | undefined): EventEnvelope | undefined {
  if (!hasValidSignature(signingKey, body, msgHeaders)) return undefined;
  try {
    const envelope = decodeEnvelope(body);
    return msgHeaders?.get(EventHeaders.msgId) === envelope.eventId ? envelope : undefined;
  } catch {
    return undefined;
  }
}

/** The stream's newest message does not name an event of this EventStoreDB at its position. */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError';
}

/**
 * Checks that the checkpoint's event is in this event store at that position: a relay pointed at
 * the wrong NATS or event store, or an event store restored from an older backup, must not
 * continue from a position that means nothing here (it would skip or mix events).
 */
export async function verifyCheckpoint(eventStore: EventStoreDBClient, checkpoint: RelayCheckpoint): Promise<void> {
  if (!checkpoint.position) return;
  let found: { id: string; position: AllPosition } | undefined;
  for await (const resolved of eventStore.readAll({ fromPosition: checkpoint.position, direction: 'forwards', maxCount: 1 })) {
    if (resolved.event) found = { id: resolved.event.id, position: resolved.event.position };
  }
  const atPosition = found && found.position.commit === checkpoint.position.commit;
  if (!atPosition || (checkpoint.eventId !== undefined && found?.id !== checkpoint.eventId)) {
    throw new CheckpointMismatchError(
      `${EVENTS_STREAM} ends with event ${checkpoint.eventId ?? '?'} at $all position ${checkpoint.position.commit}, ` +
        `but this event store has ${found && atPosition ? `event ${found.id}` : 'no event'} there: is the relay connected to the right NATS and event store?`,
    );
  }
}

/** Whether `position` comes after `checkpoint` in $all. */
export function isAfter(position: AllPosition, checkpoint: AllPosition): boolean {
  return position.commit > checkpoint.commit || (position.commit === checkpoint.commit && position.prepare > checkpoint.prepare);
}
