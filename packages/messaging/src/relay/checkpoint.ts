/**
 * The relay's checkpoint is the newest message of CFUND_EVENTS: its sequence (what the next
 * publish expects as the stream's last) and its Cfund-Position header (where to continue in
 * $all). Publish and checkpoint cannot disagree: there is no second write that could fail.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { JetStreamManager } from 'nats';
import { EventHeaders } from '../headers.js';
import { EVENTS_STREAM } from '../settings.js';
import { ensureEventsStream } from '../streams.js';

export interface AllPosition {
  commit: bigint;
  prepare: bigint;
}

export interface RelayCheckpoint {
  /** Sequence of the newest message in CFUND_EVENTS (0: empty). */
  lastSequence: number;
  /** $all position of the event it holds; undefined: start of $all. */
  position?: AllPosition;
  /** Id of that event (its Nats-Msg-Id). */
  eventId?: string;
}

function isMessageNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; code?: string; message?: string } | undefined;
  return e?.api_error?.err_code === 10037 || e?.code === '404' || /no message found/i.test(e?.message ?? '');
}

export async function readCheckpoint(jsm: JetStreamManager): Promise<RelayCheckpoint> {
  const info = await ensureEventsStream(jsm);
  const lastSequence = info.state.last_seq;
  if (lastSequence === 0 || info.state.messages === 0) {
    // Empty (or purged by an operator): publish $all from its start.
    return { lastSequence };
  }
  let stored;
  try {
    stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq: lastSequence });
  } catch (error) {
    if (isMessageNotFound(error)) return { lastSequence };
    throw error;
  }
  const commit = stored.header?.get(EventHeaders.position);
  const prepare = stored.header?.get(EventHeaders.preparePosition) || commit;
  if (!commit || !/^\d+$/.test(commit) || !prepare || !/^\d+$/.test(prepare)) {
    // Someone published to cfund.events.> besides the relay: refuse to guess a position.
    throw new Error(`the newest message of ${EVENTS_STREAM} (sequence ${lastSequence}, ${stored.subject}) has no ${EventHeaders.position} header`);
  }
  const eventId = stored.header?.get(EventHeaders.msgId) || undefined;
  return { lastSequence, position: { commit: BigInt(commit), prepare: BigInt(prepare) }, ...(eventId ? { eventId } : {}) };
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
