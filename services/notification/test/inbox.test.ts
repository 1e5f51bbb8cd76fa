/**
 * Events from the real command service, through the notifier, into the event store's audit
 * trail and the inbox: who sees what, newest first, unread counts, reads, exactly once under
 * redelivery and replay (even onto a lost working state), gaps filled from the event store, no
 * personal data, and the operational endpoints.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { encodeEnvelope, ensureEventsStream, eventHeaders, subjectForEvent, type EventEnvelope, type StoredEvent } from '@cfund/messaging';
import { START } from '@eventstore/db-client';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { verifyStream } from '@cfund/eventstore';
import { notificationStream } from '@cfund/contracts';
import { CLAIM_SNAPSHOT_VERSION, type ClaimSnapshot } from '../src/claim-snapshot.ts';
import { consumerReadyCheck, startNotificationConsumer } from '../src/consumer.ts';
import { VICTIM_NAME, lifecycle, readClaimEnvelopes, startHarness } from './helpers.ts';

async function eventsOfType(client: EventStoreDBClient, type: string): Promise<{ streamId: string; data: Record<string, unknown> }[]> {
  const out: { streamId: string; data: Record<string, unknown> }[] = [];
  for await (const r of client.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) {
    if (r.event?.type === type) out.push({ streamId: r.event.streamId, data: r.event.data as Record<string, unknown> });
  }
  return out;
}

t.test('who learns what, the inbox, reads, exactly once', async (t) => {
  const h = await startHarness(t);
  const claimId = await lifecycle(h);
  const pumped = await h.pump();
  t.ok(pumped >= 16, `the claim's events were handed over (${pumped})`);

  const get = async (token: string, query = '') => h.app.inject({ method: 'GET', url: `/notifications${query}`, headers: { authorization: `Bearer ${token}` } });
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const inbox = (await get(lawyer)).json<{ items: { id: string; topic: string; subject: string; text: string; claimId: string; publicReference: string; createdAt: string; read: boolean }[]; total: number; unread: number }>();
  t.same(inbox.items.map((i) => i.topic), [
    'payout-disbursed', 'payout-failed', 'payout-disbursed', 'payout-scheduled', 'appeal-decided', 'decision-notified', 'award-approved', 'claim-assessed',
  ], 'the lawyer\'s inbox, newest first');
  t.equal(inbox.total, 8);
  t.equal(inbox.unread, 8);
  t.ok(inbox.items.every((i) => i.claimId === claimId && /^RS-/.test(i.publicReference)), 'claim id and public reference');
  const createdAt = inbox.items.map((i) => i.createdAt);
  t.same(createdAt, [...createdAt].sort().reverse(), 'sorted by the events\' instants');
  const decision = inbox.items.find((i) => i.topic === 'decision-notified')!;
  // Nobody chose a language: the Serbian scheme's, Serbian in Cyrillic.
  t.match(decision.text, /Последњи дан за жалбу: \S+, \d+\. \S+ \d{4}\. /, 'the appeal deadline as a local date');
  t.match(decision.text, /\d\d:\d\d (CET|CEST)/, 'the service instant in Belgrade time');

  const page = (await get(lawyer, '?limit=2&offset=2')).json<{ items: { topic: string }[]; total: number; limit: number; offset: number }>();
  t.same(page.items.map((i) => i.topic), ['payout-disbursed', 'payout-scheduled'], 'pagination');
  t.same([page.total, page.limit, page.offset], [8, 2, 2]);

  const approver = await h.token('approver-9', ['fund-approver']);
  t.same((await get(approver)).json<{ items: { topic: string }[] }>().items.map((i) => i.topic),
    ['appeal-filed', 'second-approval-needed', 'assessment-awaiting-approval'], 'any approver of RS');
  t.same((await get(await h.token('approver-ba', ['fund-approver'], ['BA']))).json<{ total: number }>().total, 0, 'not an approver of BA');
  t.same((await get(await h.token('assessor-2', ['fund-assessor']))).json<{ items: { topic: string }[] }>().items.map((i) => i.topic), ['application-submitted']);
  t.same((await get(await h.token('finance-2', ['fund-finance']))).json<{ items: { topic: string }[] }>().items.map((i) => i.topic),
    ['payout-failed-finance', 'instalments-scheduled']);
  t.same((await get(await h.token('dpo-2', ['dpo']))).json<{ items: { topic: string }[] }>().items.map((i) => i.topic), ['erasure-completed']);
  t.equal((await get(await h.token('lawyer-2', ['lawyer']))).json<{ total: number }>().total, 0, 'another lawyer sees nothing');

  // Reading: per user, idempotent, recorded, only one's own.
  const read = await h.app.inject({ method: 'POST', url: `/notifications/${decision.id}/read`, headers: { authorization: `Bearer ${lawyer}` } });
  t.equal(read.statusCode, 200);
  const again = await h.app.inject({ method: 'POST', url: `/notifications/${decision.id}/read`, headers: { authorization: `Bearer ${lawyer}` } });
  t.equal(again.json<{ readAt: string }>().readAt, read.json<{ readAt: string }>().readAt, 'reading twice answers the first read');
  const after = (await get(lawyer)).json<{ unread: number; items: { id: string; read: boolean }[] }>();
  t.equal(after.unread, 7);
  t.ok(after.items.find((i) => i.id === decision.id)!.read);
  t.same((await get(lawyer, '?unread=true')).json<{ items: { id: string }[] }>().items.map((i) => i.id).includes(decision.id), false, 'unread=true leaves it out');
  const notMine = await h.app.inject({ method: 'POST', url: `/notifications/${decision.id}/read`, headers: { authorization: `Bearer ${approver}` } });
  t.equal(notMine.statusCode, 404);
  t.match(notMine.headers['content-type'], /application\/problem\+json/);
  const reads = await eventsOfType(h.env.eventStore, 'NotificationRead');
  t.same(reads.map((r) => [r.streamId, r.data.readBy]), [[notificationStream(decision.id), 'lawyer-1']], 'one NotificationRead, in the notification\'s stream');
  t.match(await verifyStream(h.env.eventStore, notificationStream(decision.id), h.chainKeyring), { ok: true, count: 2 }, 'the notification\'s stream is hash-chained');

  // The audit trail: one NotificationIssued per notification, none with personal data.
  const issued = await eventsOfType(h.env.eventStore, 'NotificationIssued');
  t.equal(issued.length, 8 + 3 + 1 + 2 + 1, 'lawyer 8, approvers 3, assessors 1, finance 2, dpo 1');
  t.ok(issued.every((e) => e.streamId === notificationStream(String(e.data.notificationId))));
  const everything = JSON.stringify({ issued, inbox: (await get(lawyer, '?html=true')).json(), logs: h.logs });
  t.notOk(everything.includes(VICTIM_NAME) || everything.includes('jelena@example.org') || everything.includes('treatment of'), 'no personal data or free text anywhere');

  // Redelivery of every event: nothing new.
  for (const e of await readClaimEnvelopes(h.env.eventStore)) await h.app.notifier.handle(e);
  t.equal((await eventsOfType(h.env.eventStore, 'NotificationIssued')).length, issued.length, 'redelivered events issue nothing');
  t.equal((await get(lawyer)).json<{ total: number }>().total, 8);

  // A replay onto a lost working state rebuilds the inbox with the same ids and issues nothing new.
  const rebuilt = await h.rebuild();
  await h.pump(rebuilt);
  t.equal((await eventsOfType(h.env.eventStore, 'NotificationIssued')).length, issued.length, 'a replay issues nothing');
  const rebuiltInbox = (await rebuilt.inject({ method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${lawyer}` } })).json<{ items: { id: string }[] }>();
  t.same(rebuiltInbox.items.map((i) => i.id), inbox.items.map((i) => i.id), 'the same notification ids');
});

t.test('a gap in a claim stream is filled from the event store', async (t) => {
  const h = await startHarness(t);
  const claimId = await lifecycle(h, { until: 'assessment' });
  const envelopes = (await readClaimEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${claimId}`);
  await h.app.notifier.handle(envelopes[envelopes.length - 1]!); // only the last one (ClaimAssessed) arrives
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const assessor = await h.token('assessor-2', ['fund-assessor']);
  const topics = async (token: string) => (await h.app.inject({ method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${token}` } }))
    .json<{ items: { topic: string }[] }>().items.map((i) => i.topic);
  t.same(await topics(lawyer), ['claim-assessed']);
  t.same(await topics(assessor), ['application-submitted'], 'the missed FundApplicationSubmitted was read and applied first');
  t.equal(h.store.claim(claimId)?.revision, envelopes.length - 1);
  t.notOk(JSON.stringify(h.store.claim(claimId)?.snapshot).includes('victimRef'), 'the victim reference is not kept');
});

t.test('a snapshot kept in an older shape is folded again from the claim\'s events', async (t) => {
  const h = await startHarness(t);
  const claimId = await lifecycle(h, { until: 'assessment' });
  const envelopes = (await readClaimEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${claimId}`);
  for (const e of envelopes.slice(0, -1)) await h.app.notifier.handle(e);
  // What older versions kept: the claim decider's state (it named no filer here).
  h.store.saveClaim(claimId, envelopes.length - 2, { stateVersion: 2, status: 'applied' } as unknown as ClaimSnapshot);
  await h.app.notifier.handle(envelopes.at(-1)!);
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const inbox = (await h.app.inject({ method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${lawyer}` } })).json<{ items: { topic: string }[] }>();
  t.same(inbox.items.map((i) => i.topic), ['claim-assessed'], 'the filer is known again');
  t.match(h.store.claim(claimId)?.snapshot, { snapshotVersion: CLAIM_SNAPSHOT_VERSION, filedBy: 'lawyer-1', status: 'under-way' });
});

t.test('acknowledged commits a power loss rolled back are replayed from NATS at start', async (t) => {
  const h = await startHarness(t, {}, { synchronous: 'normal', nats: true });
  const { events, relayed } = h.nats!;
  const claimId = await lifecycle(h, { until: 'assessment' });
  await relayed();
  const messages: { event: StoredEvent; sequence: number }[] = [];
  await events.replayClaimEvents(1, async (event, sequence) => { if (event.streamId === `claim-${claimId}`) messages.push({ event, sequence }); });
  const applied = messages.findIndex((m) => m.event.type === 'FundApplicationSubmitted');
  // The store kept the commits up to the enforcement failure; the application and the assessment,
  // acknowledged to NATS, were lost with the machine.
  for (const m of messages.slice(0, applied)) await h.app.notifier.handle(m.event, m.sequence);
  t.equal(h.store.claim(claimId)?.revision, applied - 1);
  t.equal(h.store.eventsSequence(), messages[applied - 1]!.sequence, 'the sequence reached is kept with the commits');
  const read = await h.app.notifier.catchUp(events.replayClaimEvents);
  t.equal(read, messages.length - applied, `replayed from the sequence after it (${read} events read)`);
  await h.app.notifier.recordIssued();
  const topics = async (sub: string, role: 'lawyer' | 'fund-assessor') => (await h.app.inject({
    method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${await h.token(sub, [role])}` },
  })).json<{ items: { topic: string }[] }>().items.map((i) => i.topic);
  t.same(await topics('lawyer-1', 'lawyer'), ['claim-assessed']);
  t.same(await topics('assessor-9', 'fund-assessor'), ['application-submitted']);
  t.equal(h.store.claim(claimId)?.revision, messages.length - 1);
  t.equal(await h.app.notifier.catchUp(events.replayClaimEvents), 0, 'nothing after the last sequence');
  t.same(await topics('lawyer-1', 'lawyer'), ['claim-assessed'], 'catching up again adds nothing');
  // Requests are fsynced even in this mode (and the mode is restored after them).
  const read1 = await h.app.inject({ method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${await h.token('lawyer-1', ['lawyer'])}` } });
  const id = read1.json<{ items: { id: string }[] }>().items[0]!.id;
  t.equal((await h.app.inject({ method: 'POST', url: `/notifications/${id}/read`, headers: { authorization: `Bearer ${await h.token('lawyer-1', ['lawyer'])}` } })).statusCode, 200);
  t.equal(h.store.db.pragma('synchronous', { simple: true }), 1, 'back to NORMAL after a durable commit');
});

t.test('a message handled behind the sequence recorded is fsynced, and leaves the sequence where it was', async (t) => {
  const h = await startHarness(t, {}, { synchronous: 'normal' });
  const [a, b] = [await lifecycle(h, { until: 'fund-application' }), await lifecycle(h, { until: 'fund-application' })];
  const all = await readClaimEnvelopes(h.env.eventStore);
  const of = (claimId: string) => all.filter((e) => e.streamId === `claim-${claimId}`);
  let durable = 0;
  const commitDurably = h.store.durable.bind(h.store);
  h.store.durable = (fn) => { durable++; return commitDurably(fn); };
  // Claim a's events at sequences 101.., then claim b's, redelivered after them, at 1..
  for (const [i, e] of of(a).entries()) await h.app.notifier.handle(e, 101 + i);
  t.equal(durable, 0, 'in order: no fsync per commit');
  const reached = h.store.eventsSequence();
  t.equal(reached, 101 + of(a).length - 1);
  for (const [i, e] of of(b).entries()) await h.app.notifier.handle(e, 1 + i);
  t.equal(durable, of(b).length, 'each commit behind the sequence was made durable');
  t.equal(h.store.eventsSequence(), reached, 'the sequence does not go back');
  t.equal(h.store.claim(b)?.revision, of(b).length - 1, 'and the events were applied');
});

t.test('operations: health, readiness, metrics, docs, auth and validation problems', async (t) => {
  const h = await startHarness(t);
  t.equal((await h.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  t.equal((await h.app.inject({ method: 'GET', url: '/ready' })).json<{ status: string }>().status, 'ready');
  const unauth = await h.app.inject({ method: 'GET', url: '/notifications' });
  t.equal(unauth.statusCode, 401);
  t.match(unauth.headers['content-type'], /application\/problem\+json/);
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const bad = await h.app.inject({ method: 'GET', url: '/notifications?limit=0', headers: { authorization: `Bearer ${lawyer}` } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json<{ errors: { path: string }[] }>().errors[0]!.path, /limit/);
  const badId = await h.app.inject({ method: 'POST', url: '/notifications/not-a-uuid/read', headers: { authorization: `Bearer ${lawyer}` } });
  t.equal(badId.statusCode, 400);
  await lifecycle(h, { until: 'assessment' });
  await h.pump();
  const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /cfund_notifications_issued_total\{channel="inbox",topic="claim-assessed"\} 1/);
  const openapi = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  for (const path of ['/notifications', '/notifications/{id}/read', '/webhooks', '/webhooks/{id}', '/webhooks/{id}/deliveries', '/webhooks/{id}/deliveries/{notificationId}/retry']) {
    t.ok(openapi.paths[path], `documented: ${path}`);
  }
  t.match(JSON.stringify(openapi.paths['/webhooks']), /"example"/, 'with examples');
  t.equal((await h.app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true);
});

t.test('through NATS: a forged event is dead-lettered and counted, never notified; the genuine one of its revision is', async (t) => {
  const h = await startHarness(t);
  const claimId = await lifecycle(h);
  const signingKey = randomBytes(32);
  const nc = await h.env.connectNats();
  await ensureEventsStream(await nc.jetstreamManager());
  const js = nc.jetstream();
  const publish = async (e: EventEnvelope, key: Uint8Array) => {
    const body = encodeEnvelope(e);
    await js.publish(subjectForEvent(e.streamId, e.type), body, { msgID: e.eventId, headers: eventHeaders(e, body, key) });
  };
  // The claim's events as the relay publishes them, with a forged assessment (a false amount,
  // signed with another key) just before the genuine one.
  const events = (await readClaimEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${claimId}`);
  for (const read of events) {
    const e: EventEnvelope = { ...read, metadata: null, commitPosition: read.commitPosition ?? '0', preparePosition: read.preparePosition ?? '0' };
    if (e.type === 'ClaimAssessed') {
      const data = e.data as { recommendedNet: { amountMinor: number; currency: string } };
      await publish({ ...e, eventId: randomUUID(), data: { ...data, recommendedNet: { ...data.recommendedNet, amountMinor: 987_654_321 } } }, randomBytes(32));
    }
    await publish(e, signingKey);
  }
  const consumer = await startNotificationConsumer({ nc, notifier: h.app.notifier, metrics: h.app.metrics, durable: 'notification-forged', signingKey });
  t.teardown(() => consumer.stop());
  await waitUntil('every event consumed', async () => (await consumer.lag()).pending === 0 && h.store.claim(claimId)?.revision === events.at(-1)?.revision);

  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const inbox = (await h.app.inject({ method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${lawyer}` } }))
    .json<{ items: { topic: string; text: string }[] }>();
  const assessed = inbox.items.filter((i) => i.topic === 'claim-assessed');
  t.equal(assessed.length, 1, 'the lawyer is told of the assessment once');
  t.notMatch(assessed[0]?.text, /9[.,]?876[.,]?543/, 'not of the forged amount');
  t.match((await h.app.inject({ method: 'GET', url: '/metrics' })).body, /cfund_notification_unverified_events_total 1\b/, 'the forged event counted');
});

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

t.test('/ready is 503 while the consumer has events pending and handles none', async (t) => {
  const running: { consumer?: Awaited<ReturnType<typeof startNotificationConsumer>> } = {};
  const h = await startHarness(t, { readyChecks: { consumer: consumerReadyCheck(() => running.consumer) } });
  const signingKey = randomBytes(32);
  const nc = await h.env.connectNats();
  await ensureEventsStream(await nc.jetstreamManager());
  // The notifier hangs on every event (as on a lock never released) until let go.
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  const notifier = new Proxy(h.app.notifier, {
    get: (target, prop) => (prop === 'handle' ? async (e: EventEnvelope) => { await hung; return target.handle(e); } : Reflect.get(target, prop, target)),
  });
  running.consumer = await startNotificationConsumer({ nc, notifier, metrics: h.app.metrics, durable: 'notification-stall', signingKey, stallAfterMs: 500, ackWaitMs: 60_000 });
  t.teardown(() => running.consumer?.stop());
  t.equal((await h.app.inject('/ready')).statusCode, 200, 'ready while idle');

  const claimId = await lifecycle(h);
  const js = nc.jetstream();
  for (const read of (await readClaimEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${claimId}`)) {
    const e: EventEnvelope = { ...read, metadata: null, commitPosition: read.commitPosition ?? '0', preparePosition: read.preparePosition ?? '0' };
    const body = encodeEnvelope(e);
    await js.publish(subjectForEvent(e.streamId, e.type), body, { msgID: e.eventId, headers: eventHeaders(e, body, signingKey) });
  }
  await waitUntil('/ready 503', async () => (await h.app.inject('/ready')).statusCode === 503, 10_000);
  t.match((await h.app.inject('/ready')).json(), { status: 'unavailable', consumer: 'unreachable' });
  release();
  await waitUntil('/ready 200 again', async () => (await h.app.inject('/ready')).statusCode === 200, 10_000);
});
