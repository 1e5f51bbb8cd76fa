/**
 * OrderedApplier against the real event store client (embedded store), and consumeEvents with
 * several messages in flight feeding it through a real nats-server: every stream applied in
 * revision order, duplicates skipped, a gap repaired from the store.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { startTestEnvironment } from '@cfund/test-support';
import { OrderedApplier, consumeEvents, ensureEventsStream, envelopeFromEvent, type EventEnvelope, type StoredEvent } from '../src/index.ts';
import { publishEnvelope, signingKey, waitFor } from './fixtures.ts';
import { appendEvents } from './relay-fixtures.ts';

t.test('ordered applier', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const client = env.eventStore;

  /** The stream's events as the relay would publish them. */
  const stored = async (streamId: string): Promise<EventEnvelope[]> => {
    const out: EventEnvelope[] = [];
    for await (const r of client.readAll({ maxCount: 100_000 })) if (r.event?.streamId === streamId) out.push(envelopeFromEvent(r.event));
    return out;
  };
  /** A consumer's state: what it applied, per stream, in order. */
  const consumerState = () => {
    const applied = new Map<string, StoredEvent[]>();
    const gaps: Array<[string, number]> = [];
    const applier = new OrderedApplier({
      client,
      lastApplied: (s) => applied.get(s)?.at(-1)?.revision ?? -1,
      apply: (e) => { applied.set(e.streamId, [...(applied.get(e.streamId) ?? []), e]); },
      onGapRepaired: (s, n) => gaps.push([s, n]),
    });
    return { applied, gaps, applier };
  };

  await t.test('duplicates change nothing; a gap is read from the store first', async (t) => {
    const streamId = `claim-${randomUUID()}`;
    await appendEvents(client, streamId, ['ClaimFiled', 'CourtRulingRecorded', 'RulingBecameFinal', 'EnforcementFailed']);
    const events = await stored(streamId);
    const { applied, gaps, applier } = consumerState();
    t.equal(await applier.handle(events[0]!), 'applied');
    t.equal(await applier.handle(events[0]!), 'duplicate', 'the same revision again');
    t.equal(await applier.handle(events[3]!), 'applied', 'revision 3 after 0');
    t.same(applied.get(streamId)!.map((e) => e.revision), [0, 1, 2, 3], 'revisions 1 and 2 read from the store, before 3');
    t.same(applied.get(streamId)!.slice(1, 3).map((e) => [e.eventId, e.type, e.data]), events.slice(1, 3).map((e) => [e.eventId, e.type, e.data]), 'as stored');
    t.same(gaps, [[streamId, 2]]);
    t.equal(await applier.handle(events[1]!), 'duplicate', 'the late revision 1 is one');
  });

  await t.test('a gap the store cannot fill leaves the event to the consumer', async (t) => {
    const streamId = `claim-${randomUUID()}`;
    const { applied, applier } = consumerState();
    const ahead: StoredEvent = { eventId: randomUUID(), streamId, revision: 2, type: 'ClaimFiled', data: {}, metadata: null, created: new Date().toISOString() };
    await applier.handle(ahead);
    t.same(applied.get(streamId)!.map((e) => e.revision), [2], 'nothing read for a stream the store does not have: apply decides (a read model refuses the gap)');
  });

  await t.test('consumeEvents with several in flight: a nak\'d event comes back after later ones, each stream still in order', async (t) => {
    const nc = await env.connectNats();
    const js = nc.jetstream();
    await ensureEventsStream(await nc.jetstreamManager());
    const streams = [`inflight-${randomUUID()}`, `inflight-${randomUUID()}`];
    for (const s of streams) await appendEvents(client, s, ['A', 'B', 'C', 'D', 'E']);
    const published: EventEnvelope[] = [];
    for (const s of streams) published.push(...await stored(s));
    // Interleaved as in $all.
    published.sort((a, b) => Number(BigInt(a.commitPosition) - BigInt(b.commitPosition)));
    for (const e of published) await publishEnvelope(js, e);
    const { applied, gaps, applier } = consumerState();
    const failedOnce = new Set<string>();
    const deliveries: string[] = [];
    const consumer = await consumeEvents({
      signingKey, nc, durable: 'inflight-test', filterSubject: 'cfund.events.inflight.>', inFlight: 16, nakDelayMs: () => 300,
      handle: async (e) => {
        deliveries.push(`${e.streamId}@${e.revision}`);
        if (e.revision === 1 && !failedOnce.has(e.streamId)) {
          failedOnce.add(e.streamId);
          throw new Error('store busy');
        }
        await applier.handle(e);
      },
    });
    await waitFor('every event, and the retried ones', async () => deliveries.length === published.length + 2 && (await consumer.lag()).pending === 0);
    await consumer.stop();
    await nc.close();
    for (const s of streams) t.same(applied.get(s)!.map((e) => e.revision), [0, 1, 2, 3, 4], `${s}: in order, each once`);
    t.ok(deliveries.indexOf(`${streams[0]}@2`) < deliveries.lastIndexOf(`${streams[0]}@1`), 'revision 2 was delivered before the retry of 1');
    t.same(gaps.map(([s, n]) => [s, n]).sort(), streams.map((s) => [s, 1]).sort(), 'revision 1 of each read from the store');
  });
});
