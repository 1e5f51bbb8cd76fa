/**
 * The notification service with its own event store user under the stream policy, which may not
 * read `$all` (issue 19: the relay is its only reader besides rebuilds), and its own NATS user:
 * two instances share what is done through either (a webhook, a language) over NATS, and one
 * whose SQLite file a power loss rolled back, after NATS had the claim events acknowledged,
 * replays them from NATS at start: its inbox is whole again, nothing is sent twice. Stopped, the
 * instances leave no consumer of theirs on the server for long (the server deletes their
 * followers' after its inactive threshold: the user may not delete consumers).
 */
import { join } from 'node:path';
import t from 'tap';
import { BACKWARDS, END, START, type EventStoreDBClient } from '@eventstore/db-client';
import { EVENTS_STREAM, eventSigningKey, messagingSettings } from '@cfund/messaging';
import { startNotificationConsumer, type NotificationConsumer } from '../src/consumer.ts';
import type { NotificationApp } from '../src/index.ts';
import { lifecycle, startHarness } from './helpers.ts';
import { startWebhookReceiver } from './receivers.ts';

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function headOf(client: EventStoreDBClient, claimId: string): Promise<number> {
  let head = -1;
  for await (const r of client.readStream(`claim-${claimId}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) head = Number(r.event!.revision);
  return head;
}

t.test('without $all: shared state and the catch-up after a power loss come over NATS', async (t) => {
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const h = await startHarness(t, { settings: { schedulerIntervalMs: 100 } }, { nats: true, serviceUser: true, synchronous: 'normal' });
  const { nc, relayed } = h.nats!;
  const readAll = async () => { for await (const _ of h.client.readAll({ fromPosition: START, maxCount: 1 })) { /* drain */ } };
  // The error class of the client copy this service resolves; matched by its message.
  const refusal = await readAll().then(() => undefined, (error: unknown) => error);
  t.match(refusal, { message: /Access Denied/ }, 'the notification user may not read $all');

  const sender = h.app;
  const standby = await h.rebuild({ active: () => false });
  await sender.startBackground();
  await standby.startBackground();
  const consumers: NotificationConsumer[] = [];
  const consume = async (app: NotificationApp) => {
    const c = await startNotificationConsumer({ nc, notifier: app.notifier, metrics: app.metrics, durable: 'notification-least-rights', signingKey: eventSigningKey(h.masterKey) });
    consumers.push(c);
    return c;
  };
  t.teardown(async () => { for (const c of consumers) await c.stop(); });
  const consumer = await consume(sender);

  // Shared state: registered and chosen on the standby, known to the sender.
  const lawyer = { authorization: `Bearer ${await h.token('lawyer-1', ['lawyer'])}` };
  const registered = await standby.inject({ method: 'POST', url: '/webhooks', headers: lawyer, payload: { url: receiver.url, target: { kind: 'user' } } });
  t.equal(registered.statusCode, 201, 'a webhook registered on the standby');
  const hook = registered.json<{ id: string; secret: string }>();
  receiver.addSecret('hook', hook.secret);
  t.same((await standby.inject({ method: 'PUT', url: '/notification-settings', headers: lawyer, payload: { locale: 'sr-Latn' } })).json(), { locale: 'sr-Latn' });
  await until('the sender to know the webhook and the language', () => sender.store.webhook(hook.id)?.status === 'enabled' && sender.store.preferredLocale('lawyer-1') === 'sr-Latn');
  t.pass('the sender knows the webhook and the language chosen on the standby');

  // The first claim reaches the sender's disk; then the disk is copied, as a power loss leaves it.
  const first = await lifecycle(h, { until: 'fund-application' });
  await relayed();
  const firstHead = await headOf(h.env.eventStore, first);
  await until('the sender to apply the first claim', () => sender.store.claim(first)?.revision === firstHead);
  const snapshot = join(h.dataDir, 'power-loss.db');
  await sender.store.db.backup(snapshot);

  // The second claim is handled, acknowledged to NATS and delivered, then lost with the machine.
  const second = await lifecycle(h, { until: 'assessment' });
  await relayed();
  const secondHead = await headOf(h.env.eventStore, second);
  await until('the sender to apply the second claim', () => sender.store.claim(second)?.revision === secondHead);
  const secondDeliveries = () => receiver.hits.filter((hit) => hit.body.includes(second));
  await until('the sender to deliver the second claim\'s notification', () => secondDeliveries().length > 0);
  await until('every claim event acknowledged to NATS', async () => (await consumer.lag()).pending === 0);
  await consumer.stop();
  await sender.close();

  const restored = await h.reopen(snapshot);
  t.equal(restored.store.claim(second), undefined, 'the restored file lost the second claim');
  await restored.startBackground();
  t.equal(restored.store.claim(second)?.revision, secondHead, 'replayed from NATS at start, from the sequence the file kept');
  const inbox = (await restored.inject({ method: 'GET', url: '/notifications?limit=100', headers: lawyer }))
    .json<{ items: { topic: string; claimId: string }[] }>().items.filter((i) => i.claimId === second);
  t.same(inbox.map((i) => i.topic), ['claim-assessed'], 'the lost inbox entry is back, once');
  const again = await consume(restored);
  t.equal((await again.lag()).pending, 0, 'the durable had nothing more to give: the catch-up restored it');
  await restored.notifier.recordIssued();
  await until('the restored instance to settle the lost delivery from its stream', () =>
    restored.store.deliveriesOf(hook.id, { limit: 100, offset: 0 }).items.filter((d) => d.payload.includes(second)).every((d) => d.status === 'delivered'));
  await new Promise((r) => setTimeout(r, 500)); // a few scheduler rounds: a second send would come now
  const ids = secondDeliveries().map((hit) => hit.notificationId);
  t.ok(ids.length > 0 && new Set(ids).size === ids.length, `each of the second claim's notifications reached the receiver once (${ids.length})`);

  // Every instance stopped: only the durable stays; the followers' consumers (the shared state's
  // and the catch-up's) go within their threshold (nats.js's own kept them 5 minutes).
  const jsm = await (await h.env.connectNats()).jetstreamManager();
  const followers = async () => (await jsm.consumers.list(EVENTS_STREAM).next()).filter((c) => !c.config.durable_name);
  t.ok((await followers()).length >= 2, 'the running instances\' followers have consumers');
  await again.stop();
  for (const app of [restored, standby]) await app.close();
  const stoppedAt = Date.now();
  const thresholdMs = messagingSettings.follower.inactiveThresholdMs;
  await until('the followers\' consumers gone', async () => (await followers()).length === 0, 4 * thresholdMs);
  t.pass(`no follower's consumer left ${Date.now() - stoppedAt} ms after the stop (threshold ${thresholdMs} ms)`);
});
