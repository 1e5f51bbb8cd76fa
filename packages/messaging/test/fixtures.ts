import { randomBytes, randomUUID } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import { encodeEnvelope, eventHeaders, subjectForEvent, type EventEnvelope } from '../src/index.ts';

let position = 1000n;

/** The relay's signing key in these tests (a service derives it from its master key). */
export const signingKey = randomBytes(32);

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

/** Publishes as the relay does, signed with `key` (default the relay's). */
export async function publishEnvelope(js: JetStreamClient, e: EventEnvelope, key: Uint8Array = signingKey): Promise<number> {
  const body = encodeEnvelope(e);
  const ack = await js.publish(subjectForEvent(e.streamId, e.type), body, { msgID: e.eventId, headers: eventHeaders(e, body, key) });
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
