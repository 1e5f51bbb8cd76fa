/**
 * The relay's publishes in flight, against the embedded event store (real client) and a real
 * nats-server: several await their ack at once, the stream still holds $all's user events in
 * order, each once, and an event id EventStoreDB holds twice among them neither fences the
 * session nor loses the events sent after it.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import type { JetStreamClient } from 'nats';
import { startTestEnvironment } from '@cfund/test-support';
import { runPublishSession, type EventEnvelope } from '../src/index.ts';
import { signingKey, waitFor } from './fixtures.ts';
import { appendEvents, streamEvents, userEvents } from './relay-fixtures.ts';

t.test('relay publishes in flight', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const client = env.eventStore;
  const nc = await env.connectNats();
  const jsm = await nc.jetstreamManager();

  // The real JetStream client, counting the publishes awaiting their ack.
  const js = nc.jetstream();
  let awaiting = 0;
  let mostAwaiting = 0;
  const counting = new Proxy(js, {
    get(target, prop) {
      if (prop === 'publish') {
        return async (...args: Parameters<JetStreamClient['publish']>) => {
          awaiting += 1;
          mostAwaiting = Math.max(mostAwaiting, awaiting);
          try {
            return await target.publish(...args);
          } finally {
            awaiting -= 1;
          }
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const abort = new AbortController();
  const published: EventEnvelope[] = [];
  const session = runPublishSession({ signingKey, eventStore: client, js: counting, jsm, signal: abort.signal, publishTimeoutMs: 5_000, onPublished: (e) => published.push(e) });
  t.teardown(async () => {
    abort.abort();
    await session.catch(() => undefined);
  });

  await t.test('given 40 events committed at once, when relayed, then several await their ack together, in $all order', async (t) => {
    await appendEvents(client, `claim-${randomUUID()}`, Array.from({ length: 40 }, (_, i) => (i === 0 ? 'ClaimFiled' : 'EvidenceAdded')));
    await waitFor('40 published', () => published.length >= 40);
    t.ok(mostAwaiting > 1, `${mostAwaiting} publishes awaited their ack at once`);
    const expected = await userEvents(client);
    t.same((await streamEvents(jsm)).map((s) => s.envelope.eventId), expected.map((e) => e.eventId), 'the stream holds $all\'s user events in order, each once');
  });

  await t.test('given an event id held twice among events in flight, when relayed, then the copy is dropped and the events after it still published in order', async (t) => {
    const first = await userEvents(client);
    const twice = first.at(-1)!.eventId as ReturnType<typeof randomUUID>; // already in the stream
    const other = `claim-${randomUUID()}`;
    const event = (type: string, id: ReturnType<typeof randomUUID> = randomUUID()) => jsonEvent({ id, type, data: { claimId: other, note: type }, metadata: { actor: 'lawyer-1' } });
    await client.appendToStream(other, [event('ClaimFiled'), event('EvidenceAdded', twice), event('EvidenceAdded'), event('EvidenceAdded'), event('ClaimAssessed')]);
    await appendEvents(client, other, ['ClaimApproved'], 5);
    const all = await userEvents(client);
    const once = all.filter((e, i) => all.findIndex((f) => f.eventId === e.eventId) === i);
    t.equal(once.length, all.length - 1, 'EventStoreDB holds one event id twice');
    await waitFor('the events after the copy published', () => published.some((e) => e.type === 'ClaimApproved'));
    t.same((await streamEvents(jsm)).map((s) => s.envelope.eventId), once.map((e) => e.eventId), 'every other event once, in $all order');
    t.same(published.slice(-5).map((e) => e.type), ['ClaimFiled', 'EvidenceAdded', 'EvidenceAdded', 'ClaimAssessed', 'ClaimApproved']);
    let ended = false;
    void session.finally(() => (ended = true));
    await new Promise((r) => setTimeout(r, 50));
    t.notOk(ended, 'the session goes on (not fenced)');
  });
});
