/**
 * Two instances on one event store, each with its own SQLite working state, one sending (the
 * holder of the lease) and one standing by: what is done through the standby's HTTP interface
 * (a webhook registered or deleted, a read, a language chosen, a retry) reaches the sender through
 * the event store, the relay and NATS (SharedState follows CFUND_EVENTS), within seconds; a
 * language chosen there shows the role's notifications already in the sender's inbox in it. And
 * no event carries a webhook's secret in
 * plaintext: it is sealed under the master key, and opens during a rotation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { START } from '@eventstore/db-client';
import t from 'tap';
import { notificationStream } from '@cfund/contracts';
import { NotificationStore, SharedState, WrongMasterKeyError, type NotificationApp } from '../src/index.ts';
import { lifecycle, startHarness } from './helpers.ts';
import { readStream, startWebhookReceiver } from './receivers.ts';

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('a webhook registered, deleted, a read, a language and a retry on the standby reach the sender', async (t) => {
  let answer = 200;
  const receiver = await startWebhookReceiver(() => answer);
  t.teardown(() => receiver.close());
  const h = await startHarness(t, { settings: { retry: { baseMs: 1500, maxMs: 1500, maxAttempts: 2 }, schedulerIntervalMs: 100 } }, { nats: true });
  const sender = h.app;
  const standby = await h.rebuild({ active: () => false });
  await sender.startBackground();
  await standby.startBackground();
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const call = (app: NotificationApp, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${lawyer}` }, ...(payload ? { payload } : {}) });
  const pumpBoth = async () => { await h.pump(sender); await h.pump(standby); };

  // Registered on the standby: the sender delivers, signed with the secret the standby answered.
  const registered = await call(standby, 'POST', '/webhooks', { url: receiver.url, target: { kind: 'user' }, description: 'Case system' });
  t.equal(registered.statusCode, 201);
  const hook = registered.json<{ id: string; secret: string }>();
  receiver.addSecret('registered', hook.secret);
  await until('the sender to know the webhook', () => sender.store.webhook(hook.id)?.status === 'enabled');
  t.match((await call(sender, 'GET', `/webhooks/${hook.id}`)).json(), { id: hook.id, url: receiver.url, description: 'Case system', status: 'enabled' },
    'the owner sees it on the sender too');
  const first = await lifecycle(h, { until: 'assessment' });
  await pumpBoth();
  await until('the sender to deliver', () => receiver.hits.some((hit) => hit.topic === 'claim-assessed'));
  const firstHits = receiver.hits.filter((hit) => hit.body.includes(first));
  t.ok(firstHits.length > 0 && firstHits.every((hit) => hit.validFor.includes('registered')), `every delivery (${firstHits.length}) verifies with the secret returned at registration`);
  const delivered = () => sender.store.deliveriesOf(hook.id, { limit: 100, offset: 0 }).items;
  await until('the sender to record its deliveries', () => delivered().length > 0 && delivered().every((d) => d.status === 'delivered'));
  t.pass('the sender\'s deliveries are delivered');

  // A retry asked for on the standby: the sender sends the failed delivery again.
  answer = 503;
  const second = await lifecycle(h, { until: 'assessment' });
  await pumpBoth();
  const failedOnSender = () => sender.store.deliveriesOf(hook.id, { status: 'failed', limit: 100, offset: 0 }).items;
  await until('the sender to fail a delivery twice', () => failedOnSender().length > 0);
  const failed = failedOnSender()[0]!;
  await until('the standby to follow the failure', () => standby.store.delivery(failed.notificationId)?.status === 'failed', 15_000);
  answer = 200;
  const retried = await call(standby, 'POST', `/webhooks/${hook.id}/deliveries/${failed.notificationId}/retry`);
  t.equal(retried.statusCode, 202, 'retried on the standby');
  await until('the sender to deliver the retried one', () => sender.store.delivery(failed.notificationId)?.status === 'delivered');
  t.ok(receiver.hits.some((hit) => hit.notificationId === failed.notificationId && hit.answered === 200), 'the receiver got it');

  // Deleted on the standby while a delivery is pending on the sender: the sender stops.
  answer = 503;
  const third = await lifecycle(h, { until: 'assessment' });
  await pumpBoth();
  const pendingOnSender = () => sender.store.deliveriesOf(hook.id, { limit: 100, offset: 0 }).items.filter((d) => d.payload.includes(third));
  await until('a failed attempt of the third claim', () => receiver.hits.some((hit) => hit.body.includes(third)));
  t.equal((await call(standby, 'DELETE', `/webhooks/${hook.id}`)).statusCode, 204, 'deleted on the standby');
  const deletedAt = receiver.hits.length;
  answer = 200;
  await until('the sender to know of the deletion', () => sender.store.webhook(hook.id)?.status === 'deleted');
  await until('the sender to give its open deliveries up', () => pendingOnSender().every((d) => d.status === 'failed'));
  await new Promise((r) => setTimeout(r, 2000)); // longer than the backoff: a retry would have come
  t.equal(receiver.hits.length, deletedAt, 'nothing sent after the deletion');
  t.same(pendingOnSender().map((d) => d.lastError), pendingOnSender().map(() => 'webhook-deleted'), 'given up as deleted');
  const fourth = await lifecycle(h, { until: 'assessment' });
  await pumpBoth();
  await sender.scheduler.tick();
  t.notOk(receiver.hits.some((hit) => hit.body.includes(fourth)), 'a claim after the deletion is not sent to it');

  // Read on the standby: read on the sender.
  const inbox = async (app: NotificationApp) => (await call(app, 'GET', '/notifications?limit=100')).json<{ items: { id: string; topic: string; claimId: string; read: boolean }[] }>().items;
  const entry = (await inbox(standby)).find((i) => i.topic === 'claim-assessed' && i.claimId === second)!;
  t.notOk((await inbox(sender)).find((i) => i.id === entry.id)!.read, 'unread on the sender');
  t.equal((await call(standby, 'POST', `/notifications/${entry.id}/read`)).statusCode, 200, 'read on the standby');
  await until('the read to reach the sender', async () => (await inbox(sender)).find((i) => i.id === entry.id)!.read);
  t.pass('read on the sender');

  // A language chosen on the standby: the sender renders in it.
  const again = (await call(standby, 'POST', '/webhooks', { url: receiver.url, target: { kind: 'user' } })).json<{ id: string; secret: string }>();
  receiver.addSecret('again', again.secret);
  t.same((await call(standby, 'PUT', '/notification-settings', { locale: 'sr-Latn' })).json(), { locale: 'sr-Latn' });
  await until('the sender to know both', () => sender.store.webhook(again.id) !== undefined && sender.store.preferredLocale('lawyer-1') === 'sr-Latn');
  t.same((await call(sender, 'GET', '/notification-settings')).json(), { locale: 'sr-Latn' }, 'the setting shows on the sender');
  const fifth = await lifecycle(h, { until: 'assessment' });
  await pumpBoth();
  await until('the sender to deliver the fifth', () => receiver.hits.some((hit) => hit.body.includes(fifth) && hit.topic === 'claim-assessed'));
  const serbian = receiver.hits.find((hit) => hit.body.includes(fifth) && hit.topic === 'claim-assessed')!;
  t.match(JSON.parse(serbian.body), { subject: /^Zahtev RS-\S+ je procenjen$/ }, 'the sender rendered it in the language chosen on the standby');
  t.same(serbian.validFor, ['again'], 'signed with the second webhook\'s secret');
});

t.test('a webhook deleted on the standby: the sender gives its waiting deliveries up at once, each failed once', async (t) => {
  const receiver = await startWebhookReceiver(() => 503);
  t.teardown(() => receiver.close());
  // A failed attempt waits 5 to 10 minutes for the next: only the deletion can end it within the test.
  const h = await startHarness(t, { settings: { retry: { baseMs: 600_000, maxMs: 600_000, maxAttempts: 5 }, schedulerIntervalMs: 100 } }, { nats: true });
  const sender = h.app;
  const standby = await h.rebuild({ active: () => false });
  await sender.startBackground();
  await standby.startBackground();
  const headers = { authorization: `Bearer ${await h.token('lawyer-1', ['lawyer'])}` };
  const hook = (await sender.inject({ method: 'POST', url: '/webhooks', headers, payload: { url: receiver.url, target: { kind: 'user' } } })).json<{ id: string }>();
  await until('the standby to know the webhook', () => standby.store.webhook(hook.id)?.status === 'enabled');
  const claim = await lifecycle(h, { until: 'assessment' });
  await h.pump(sender);
  await h.pump(standby);
  const ofClaim = (app: NotificationApp) => app.store.deliveriesOf(hook.id, { limit: 100, offset: 0 }).items.filter((d) => d.payload.includes(claim));
  await until('a failed attempt at each delivery', () => ofClaim(sender).length > 0 && ofClaim(sender).every((d) => d.attempts === 1 && d.status === 'pending'));
  await until('the standby to hold them too', () => ofClaim(standby).length === ofClaim(sender).length);
  const waiting = ofClaim(sender);
  t.ok(waiting.every((d) => d.nextAttemptAt > Date.now() + 60_000), `${waiting.length} deliveries wait minutes for their next attempt`);

  t.equal((await standby.inject({ method: 'DELETE', url: `/webhooks/${hook.id}`, headers })).statusCode, 204, 'deleted on the standby');
  await until('the sender to give them up', () => ofClaim(sender).every((d) => d.status === 'failed'), 15_000);
  t.same(ofClaim(sender).map((d) => d.lastError), waiting.map(() => 'webhook-deleted'), 'given up as deleted, on the sender, within seconds');
  await until('the standby to follow', () => ofClaim(standby).every((d) => d.status === 'failed'), 15_000);
  const failures = async (id: string) => (await readStream(h.env.eventStore, notificationStream(id))).filter((e) => e.type === 'NotificationDeliveryFailed');
  t.same(await Promise.all(waiting.map(async (d) => (await failures(d.notificationId)).length)), waiting.map(() => 1), 'each failed once in its trail, not once by each instance');
  t.equal(receiver.hits.filter((hit) => hit.body.includes(claim)).length, waiting.length, 'and nothing sent after the deletion');
});

t.test('a language chosen on the standby shows a role\'s notification in it on the sender', async (t) => {
  const h = await startHarness(t, {}, { nats: true });
  const sender = h.app;
  const standby = await h.rebuild({ active: () => false });
  await sender.startBackground();
  await standby.startBackground();
  const assessor = { authorization: `Bearer ${await h.token('assessor-lat', ['fund-assessor'])}` };
  await lifecycle(h, { until: 'fund-application' });
  await h.pump(sender);
  const subject = async () => (await sender.inject({ method: 'GET', url: '/notifications', headers: assessor }))
    .json<{ items: { topic: string; subject: string }[] }>().items.find((i) => i.topic === 'application-submitted')!.subject;
  t.match(await subject(), /^Нова пријава фонду/, 'no choice yet: the scheme\'s Cyrillic');
  t.equal((await standby.inject({ method: 'PUT', url: '/notification-settings', headers: assessor, payload: { locale: 'sr-Latn' } })).statusCode, 200);
  await until('the choice to reach the sender', () => sender.store.preferredLocale('assessor-lat') === 'sr-Latn');
  t.match(await subject(), /^Nova prijava fondu/, 'the notification already in the role\'s inbox, in the language chosen on the standby');
});

t.test('no event holds a webhook secret in plaintext; the sealed one opens during a rotation, not under another key', async (t) => {
  const h = await startHarness(t);
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const registered = await h.app.inject({
    method: 'POST', url: '/webhooks', headers: { authorization: `Bearer ${lawyer}` }, payload: { url: 'https://hooks.example.org/x', target: { kind: 'user' } },
  });
  const hook = registered.json<{ id: string; secret: string }>();
  const secretForms = [hook.secret, Buffer.from(hook.secret, 'hex').toString('base64'), Buffer.from(hook.secret).toString('base64')];
  let events = 0;
  let sealed: string | undefined;
  for await (const r of h.env.eventStore.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) {
    if (!r.event) continue;
    events++;
    const raw = JSON.stringify([r.event.data, r.event.metadata]);
    for (const form of secretForms) if (raw.includes(form)) t.fail(`${r.event.type} holds the secret`);
    if (r.event.type === 'WebhookRegistered') sealed = (r.event.data as { sealedSecret?: string }).sealedSecret;
  }
  t.ok(events > 0, `${events} events read, none holds the secret`);
  t.match(sealed, /^v1:/, 'the registration carries it sealed');

  const webhook = { id: hook.id, owner: 'lawyer-1', target: 'user:lawyer-1', url: 'https://hooks.example.org/x', description: null,
    status: 'enabled' as const, consecutiveFailures: 0, createdAt: new Date().toISOString(), disabledAt: null };
  const rotated = NotificationStore.open(':memory:', { masterKey: randomBytes(32), previousMasterKeys: [h.masterKey] });
  rotated.adoptWebhook(webhook, sealed!);
  t.equal(rotated.webhook(hook.id)!.secret, hook.secret, 'a new master key with the old one previous: it opens');
  rotated.close();
  const other = NotificationStore.open(':memory:', { masterKey: randomBytes(32) });
  t.throws(() => other.adoptWebhook(webhook, sealed!), WrongMasterKeyError, 'another master key: it does not');
  t.throws(() => other.adoptWebhook({ ...webhook, id: randomUUID() }, sealed!), WrongMasterKeyError, 'bound to the webhook\'s id');
  other.close();
});

t.test('a registration of an older version (v1, no sealed secret) is left to the instance that holds it', async (t) => {
  const h = await startHarness(t);
  const store = NotificationStore.open(':memory:', { masterKey: h.masterKey });
  t.teardown(() => store.close());
  const warnings: string[] = [];
  const shared = new SharedState({ store, now: () => new Date(), logger: { warn: (_: unknown, m: string) => warnings.push(m) } as never });
  const webhookId = randomUUID();
  shared.fold({
    eventId: randomUUID(), streamId: `webhook-${webhookId}`, revision: 0, type: 'WebhookRegistered', created: new Date().toISOString(), metadata: {},
    data: { schemaVersion: 1, webhookId, owner: 'lawyer-1', target: { kind: 'user', userId: 'lawyer-1' }, url: 'https://hooks.example.org/x', secretSha256: 'a'.repeat(64), registeredAt: new Date().toISOString() },
  });
  t.equal(store.webhook(webhookId), undefined, 'not adopted: this instance cannot sign for it');
  t.match(warnings, [/older version/], 'said so in the log');
});
