import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import { encodeEnvelope, eventHeaders, subjectForEvent, type EventEnvelope } from '../src/index.ts';

let position = 1000n;

/** An envelope as the relay would make it (positions increase across calls). */
export function envelope(streamId: string, revision: number, type = 'ClaimFiled', data: unknown = { n: revision }): EventEnvelope {
  position += 100n;
  return {
    eventId: randomUUID(),
    streamId,
    revision,
    type,
    data,
    metadata: { hash: 'h'.repeat(64), prevHash: '0'.repeat(64) },
    created: new Date().toISOString(),
    commitPosition: String(position),
    preparePosition: String(position),
  };
}

export async function publishEnvelope(js: JetStreamClient, e: EventEnvelope): Promise<number> {
  const ack = await js.publish(subjectForEvent(e.streamId, e.type), encodeEnvelope(e), { msgID: e.eventId, headers: eventHeaders(e) });
  return ack.seq;
}

/** Polls until `check` returns true, failing after `timeoutMs` (never a fixed sleep). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
