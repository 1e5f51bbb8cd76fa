/**
 * The relay's checkpoint is the newest message of CFUND_EVENTS: its sequence (what the next
 * publish expects as the stream's last) and its Cfund-Position header (where to continue in
 * $all). Publish and checkpoint cannot disagree: there is no second write that could fail.
 */
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
  return { lastSequence, position: { commit: BigInt(commit), prepare: BigInt(prepare) } };
}

/** Whether `position` comes after `checkpoint` in $all. */
export function isAfter(position: AllPosition, checkpoint: AllPosition): boolean {
  return position.commit > checkpoint.commit || (position.commit === checkpoint.commit && position.prepare > checkpoint.prepare);
}
