/**
 * End to end through NATS: commands through the command service, the relay ($all -> JetStream),
 * the projection's durable consumer (and a second instance's, on a durable of its own), and the
 * projection's HTTP answers for each role (bounded polls, never a fixed sleep). Then, without the relay, envelopes published by hand: a duplicate
 * outside the dedupe window changes nothing, a poisoned event is dead-lettered and counted, and a
 * restarted consumer resumes where it stopped; the read model equals a fresh rebuild.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { encodeEnvelope, ensureEventsStream, eventHeaders, startRelay, subjectForEvent, type EventEnvelope } from '@cfund/messaging';

/** The relay's signing key in this suite. */
const signingKey = randomBytes(32);
import { ProjectionMetrics, ProjectionRunner, ReadModelStore, consumerReadyCheck, startProjectionConsumer } from '../src/index.ts';
import { allocateBudget, appliedClaim, disburse, fileClaim, get, readAllEnvelopes, rsYear, scheduledClaim, startHarness, startProjection, tokens } from './helpers.ts';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The digest of a read model rebuilt from scratch from the same event store. */
async function freshDigest(h: { env: { eventStore: import('@eventstore/db-client').EventStoreDBClient } }): Promise<string> {
  const store = new ReadModelStore(':memory:');
  try {
    return (await new ProjectionRunner(store, h.env.eventStore).rebuild()).digest;
  } finally {
    store.close();
  }
}

t.test('through the relay and NATS', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const relay = await startRelay({
    eventStore: h.env.eventStore, nc: await h.env.connectNats(), signingKey, instanceId: 'relay-test',
    settings: { leaseBucket: 'projection_test_lease', leaseTtlMs: 3_000, renewIntervalMs: 500, standbyPollMs: 200, retryDelayMs: 300 },
  });
  t.teardown(() => relay.stop());
  const consumer = await startProjectionConsumer({ signingKey, nc: await h.env.connectNats(), runner: app.runner, metrics: app.metrics });
  t.teardown(() => consumer.stop());
  // A second instance (PROJECTION_DURABLE): its own read model and its own durable, so it too gets every event.
  const secondStore = new ReadModelStore(':memory:');
  const second = await startProjectionConsumer({
    signingKey, nc: await h.env.connectNats(), runner: new ProjectionRunner(secondStore, h.env.eventStore), metrics: new ProjectionMetrics(), durable: 'projection-1',
  });
  t.teardown(async () => { await second.stop(); secondStore.close(); });

  const tk = await tokens(h);
  await allocateBudget(h, tk, rsYear());
  const paid = await scheduledClaim(h, tk, 30_000_000, 1);
  await disburse(h, paid, tk, 1);
  const applied = await appliedClaim(h, tk);
  const other = await fileClaim(h, tk.lawyer2);

  const statusOf = async (id: string, token: string) => {
    const r = await get(app, `/claims/${id}`, token);
    return r.statusCode === 200 ? r.json<{ status: string }>().status : undefined;
  };
  await waitFor('the paid claim projected', async () => (await statusOf(paid, tk.auditor)) === 'paid');
  await waitFor('the other claims projected', async () => (await statusOf(applied, tk.assessor)) === 'applied' && (await statusOf(other, tk.auditor)) === 'filed');

  const list = async (token: string) => (await get(app, '/claims', token)).json<{ items: { claimId: string }[] }>().items.map((i) => i.claimId).sort();
  t.same(await list(tk.lawyer), [paid, applied].sort(), 'the lawyer sees the claims they filed');
  t.same(await list(tk.lawyer2), [other]);
  t.same(await list(tk.assessor), [paid, applied, other].sort(), 'RS staff see RS claims');
  t.same((await get(app, '/work-queue', tk.assessor)).json<{ items: { claimId: string; task: string }[] }>().items.map((i) => [i.task, i.claimId]), [['assess', applied]]);
  t.equal((await get(app, `/funds/RS/${rsYear()}`, tk.finance)).json<{ disbursedMinor: number }>().disbursedMinor, 30_000_000);

  const events = (await readAllEnvelopes(h.env.eventStore)).length;
  await waitFor('every event handled', async () => {
    const m = (await get(app, '/metrics')).body;
    const n = [...m.matchAll(/cfund_projection_events_total\{outcome="\w+"\} (\d+)/g)].reduce((a, x) => a + Number(x[1]), 0);
    return n >= events;
  });
  const fresh = await freshDigest(h);
  t.equal(h.store.digest(), fresh, 'the read model built through NATS equals a fresh rebuild from the event store');
  await waitFor('the second instance applied every event', () => secondStore.digest() === fresh);
  t.pass('the second instance, on a durable of its own, holds the same read model');
  t.match((await get(app, '/metrics')).body, /cfund_projection_consumer_lag_events 0/);
});

t.test('duplicates, dead letters and a restart, envelopes published by hand', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const nc = await h.env.connectNats();
  const js = nc.jetstream();
  await ensureEventsStream(await nc.jetstreamManager());
  const publish = async (e: EventEnvelope, msgID = e.eventId) => {
    const body = encodeEnvelope(e);
    await js.publish(subjectForEvent(e.streamId, e.type), body, { msgID, headers: eventHeaders(e, body, signingKey) });
  };
  const toEnvelope = (e: Awaited<ReturnType<typeof readAllEnvelopes>>[number]): EventEnvelope => ({ ...e, commitPosition: '0', preparePosition: '0' });
  const fast = { maxDeliver: 2, nakDelayMs: () => 50 };

  const tk = await tokens(h);
  const first = await appliedClaim(h, tk);
  let published = 0;
  const publishNew = async () => {
    const all = await readAllEnvelopes(h.env.eventStore);
    for (const e of all.slice(published)) await publish(toEnvelope(e));
    published = all.length;
  };
  await publishNew();

  let consumer = await startProjectionConsumer({ signingKey, nc, runner: app.runner, metrics: app.metrics, ...fast });
  t.teardown(() => consumer.stop());
  const status = async (id: string) => {
    const r = await get(app, `/claims/${id}`, tk.auditor);
    return r.statusCode === 200 ? r.json<{ status: string }>().status : undefined;
  };
  await waitFor('the first claim', async () => (await status(first)) === 'applied');
  const settled = h.store.digest();

  // A relay failover outside the duplicate window publishes an event again under a new message id.
  const again = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${first}`);
  for (const e of again) await publish(toEnvelope(e), `${e.eventId}-again`);
  await waitFor('duplicates handled', async () => new RegExp(`cfund_projection_events_total\\{outcome="duplicate"\\} ${again.length}\\b`).test((await get(app, '/metrics')).body));
  t.equal(h.store.digest(), settled, 'redelivered events change nothing');

  // A poisoned event (invalid data) fails every delivery: dead-lettered and counted; the next events still flow.
  const poisoned = randomUUID();
  await publish({ eventId: randomUUID(), streamId: `claim-${poisoned}`, revision: 0, type: 'ClaimFiled', data: { schemaVersion: 1, nonsense: true },
    metadata: {}, created: new Date().toISOString(), commitPosition: '0', preparePosition: '0' });
  await waitFor('a dead letter counted', async () => /cfund_projection_dead_letters_total 1\b/.test((await get(app, '/metrics')).body));

  // A forged event (not signed by the relay) for a new claim's revision 0, with another claim's
  // data, arrives before the genuine one: dead-lettered and counted, never applied; the genuine
  // revision 0 still is (the final digest equals a fresh rebuild, which knows only genuine events).
  const third = await fileClaim(h, tk.lawyer);
  const all = await readAllEnvelopes(h.env.eventStore);
  const genuine = all.find((e) => e.streamId === `claim-${third}` && e.revision === 0)!;
  const otherFiling = all.find((e) => e.streamId === `claim-${first}` && e.revision === 0)!;
  const forged: EventEnvelope = { ...toEnvelope(genuine), eventId: randomUUID(), data: otherFiling.data };
  const forgedBody = encodeEnvelope(forged);
  await js.publish(subjectForEvent(forged.streamId, forged.type), forgedBody, { msgID: forged.eventId, headers: eventHeaders(forged, forgedBody, randomBytes(32)) });
  await publishNew();
  await waitFor('the forged event counted', async () => /cfund_projection_unverified_events_total 1\b/.test((await get(app, '/metrics')).body));
  await waitFor('the genuine filing applied', async () => (await status(third)) === 'filed');
  t.equal(h.store.digest(), await freshDigest(h), 'the read model holds the genuine event, not the forged one');

  // Stopped consumer: commands go on; a new consumer on the same durable resumes where it stopped.
  await consumer.stop();
  const second = await fileClaim(h, tk.lawyer2);
  await publishNew();
  t.equal(await status(second), undefined, 'not projected while the consumer is stopped');
  consumer = await startProjectionConsumer({ signingKey, nc, runner: app.runner, metrics: app.metrics, ...fast });
  await waitFor('the second claim after the restart', async () => (await status(second)) === 'filed');
  t.equal(h.store.digest(), await freshDigest(h), 'equals a fresh rebuild: nothing missing, nothing counted twice');
  const m = (await get(app, '/metrics')).body;
  t.match(m, /cfund_projection_dead_letters_total 1\b/, 'still one dead letter');
  t.match(m, /cfund_projection_unverified_events_total 1\b/, 'one unverified message');
});

t.test('/ready reports a consumer that stopped making progress', async (t) => {
  const h = await startHarness(t);
  const running: { consumer?: Awaited<ReturnType<typeof startProjectionConsumer>>; check?: () => Promise<boolean> } = {};
  const app = await startProjection(h, { checks: { consumer: () => running.check!() } });
  t.teardown(() => app.close());
  running.check = consumerReadyCheck(() => running.consumer, app.runner);
  const nc = await h.env.connectNats();
  await ensureEventsStream(await nc.jetstreamManager());
  // The runner hangs on every event (as on a lock that is never released) until let go.
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  const runner = new Proxy(app.runner, {
    get: (target, prop) => (prop === 'handle' ? async (e: EventEnvelope) => { await hung; return target.handle(e); } : Reflect.get(target, prop, target)),
  });
  running.consumer = await startProjectionConsumer({ signingKey, nc, runner, metrics: app.metrics, stallAfterMs: 500, ackWaitMs: 60_000 });
  t.teardown(() => running.consumer?.stop());
  t.equal((await get(app, '/ready')).statusCode, 200, 'ready while idle');

  const tk = await tokens(h);
  const id = await fileClaim(h, tk.lawyer);
  const js = nc.jetstream();
  for (const read of (await readAllEnvelopes(h.env.eventStore)).filter((x) => x.streamId === `claim-${id}`)) {
    const e: EventEnvelope = { ...read, commitPosition: '0', preparePosition: '0' };
    const body = encodeEnvelope(e);
    await js.publish(subjectForEvent(e.streamId, e.type), body, { msgID: e.eventId, headers: eventHeaders(e, body, signingKey) });
  }
  await waitFor('/ready 503', async () => (await get(app, '/ready')).statusCode === 503, 10_000);
  t.match((await get(app, '/ready')).json(), { status: 'unavailable', consumer: 'unreachable' });
  release();
  await waitFor('/ready 200 again', async () => (await get(app, '/ready')).statusCode === 200, 10_000);
});
