/**
 * Webhooks against a real HTTP receiver that verifies each HMAC-SHA256 signature, and email
 * against a real SMTP server: signed deliveries, retries with backoff and jitter until the
 * receiver answers, disabling after consecutive failures with the owner told, failed deliveries
 * listed and retried, every attempt recorded in the event store; signing secrets encrypted at rest.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { verifyStream } from '@cfund/eventstore';
import { notificationStream } from '@cfund/contracts';
import { Directory, NotificationStore, httpWebhookSender, isPrivateAddress, smtpEmailSender } from '../src/index.ts';
import { VICTIM_NAME, clock, lifecycle, startHarness } from './helpers.ts';
import { startSmtpServer, startWebhookReceiver } from './receivers.ts';

async function streamEvents(client: EventStoreDBClient, stream: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const r of client.readStream(stream)) if (r.event) out.push({ type: r.event.type, data: r.event.data as Record<string, unknown> });
  return out;
}

t.test('signed webhook deliveries, retried with backoff until the receiver answers; email over SMTP', async (t) => {
  const receiver = await startWebhookReceiver((_hit, nth) => (nth <= 2 ? 503 : 200)); // fails twice per notification, then succeeds
  const smtp = await startSmtpServer();
  t.teardown(async () => { await receiver.close(); await smtp.close(); });
  const c = clock();
  const mailer = smtpEmailSender(smtp.url, 'Compensation fund <no-reply@fund.example>');
  t.teardown(() => mailer.close());
  const h = await startHarness(t, {
    now: c.now, random: () => 0.5, settings: { retry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 6 }, disableWebhookAfter: 5 },
    sendEmail: mailer.send, directory: new Directory({ users: { 'lawyer-1': { email: 'lawyer1@example.org', locale: 'en' } } }),
  });
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const approver = await h.token('approver-7', ['fund-approver']);
  const register = (token: string, body: unknown) => h.app.inject({ method: 'POST', url: '/webhooks', payload: body as object, headers: { authorization: `Bearer ${token}` } });

  // Validation and ownership.
  t.equal((await register(lawyer, { url: 'ftp://example.org/x', target: { kind: 'user' } })).statusCode, 400, 'only http(s)');
  t.equal((await register(lawyer, { url: 'https://u:p@example.org/x', target: { kind: 'user' } })).statusCode, 400, 'no credentials in the URL');
  for (const url of ['not a url', 'https://', 'http://exa mple.org/', '', 'https://[::1', 'x'.repeat(3000)]) {
    const r = await register(lawyer, { url, target: { kind: 'user' } });
    t.equal(r.statusCode, 400, `a URL that is not one (${url.slice(0, 20)}): 400, not 500`);
    t.match(r.json(), { errors: [{ path: 'body.url' }] });
  }
  t.equal((await register(lawyer, { url: receiver.url, target: { kind: 'user' }, extra: 1 })).statusCode, 400, 'no unknown fields');
  const controlled = await register(lawyer, { url: receiver.url, target: { kind: 'user' }, description: 'My\u0000case\u001b[2J system' });
  t.same([controlled.statusCode, controlled.json<{ errors?: { path: string }[] }>().errors?.map((e) => e.path)], [400, ['body.description']], 'no control characters in a description');
  const notHeld = await register(lawyer, { url: receiver.url, target: { kind: 'role', role: 'fund-approver', jurisdiction: 'RS' } });
  t.equal(notHeld.statusCode, 403, 'a role one does not hold');
  t.equal(notHeld.json<{ code: string }>().code, 'forbidden-role');
  t.equal((await register(approver, { url: receiver.url, target: { kind: 'role', role: 'fund-approver', jurisdiction: 'BA' } })).statusCode, 403, 'a jurisdiction one does not act in');

  const mine = await register(lawyer, { url: receiver.url, target: { kind: 'user' }, description: 'My case system' });
  t.equal(mine.statusCode, 201);
  const hookA = mine.json<{ id: string; secret: string; target: unknown }>();
  t.same(hookA.target, { kind: 'user', userId: 'lawyer-1' });
  t.match(hookA.secret, /^[0-9a-f]{64}$/);
  const roleHook = (await register(approver, { url: receiver.url, target: { kind: 'role', role: 'fund-approver', jurisdiction: 'RS' } })).json<{ id: string; secret: string }>();
  receiver.addSecret('lawyer', hookA.secret);
  receiver.addSecret('approvers', roleHook.secret);
  const list = (await h.app.inject({ method: 'GET', url: '/webhooks', headers: { authorization: `Bearer ${lawyer}` } })).json<{ items: { id: string; secret?: string }[] }>();
  t.same(list.items.map((w) => w.id), [hookA.id], 'one sees only one\'s own webhooks');
  t.notOk('secret' in list.items[0]!, 'the secret is shown only once');
  t.equal((await h.app.inject({ method: 'DELETE', url: `/webhooks/${hookA.id}`, headers: { authorization: `Bearer ${approver}` } })).statusCode, 404, 'not the owner');

  await lifecycle(h, { until: 'assessment' });
  await h.pump();
  // Attempt 1 fails; the next is due after base·2^0 = 1000 ms, jittered to 750 ms (random 0.5).
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 2, 'one request per webhook');
  const pending = h.store.deliveriesOf(hookA.id, { limit: 10, offset: 0 }).items[0]!;
  t.equal(pending.status, 'pending');
  t.equal(pending.nextAttemptAt - c.now().getTime(), 750, 'exponential backoff with jitter');
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 2, 'nothing is retried before it is due');
  c.advance(750);
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 4);
  c.advance(1500); // attempt 2 failed: 2000 ms jittered to 1500
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 6);

  for (const [id, hits] of receiver.byNotification()) {
    t.same(hits.map((x) => [x.attempt, x.answered]), [[1, 503], [2, 503], [3, 200]], `${id}: two failures, then delivered`);
    t.ok(hits.every((x) => x.validFor.length === 1), 'every signature verifies, with exactly one webhook\'s secret');
    t.ok(hits.every((x) => x.body === hits[0]!.body), 'the same body on every attempt');
    t.match(hits[0]!.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
  }
  const lawyerHits = receiver.hits.filter((x) => x.validFor[0] === 'lawyer');
  const body = JSON.parse(lawyerHits[0]!.body) as { id: string; topic: string; claimId: string; publicReference: string; subject: string };
  t.equal(body.topic, 'claim-assessed');
  t.equal(body.id, lawyerHits[0]!.notificationId);
  t.match(body.publicReference, /^RS-/);
  t.equal(receiver.hits.filter((x) => x.validFor[0] === 'approvers')[0]!.topic, 'assessment-awaiting-approval');
  t.notOk(receiver.hits.some((x) => x.body.includes(VICTIM_NAME)), 'no personal data in webhook bodies');

  const trail = await streamEvents(h.env.eventStore, notificationStream(body.id));
  t.same(trail.map((e) => e.type === 'NotificationDeliveryAttempted' ? `${e.type}:${String(e.data.outcome)}` : e.type), [
    'NotificationIssued', 'NotificationDeliveryAttempted:failed', 'NotificationDeliveryAttempted:failed',
    'NotificationDeliveryAttempted:delivered', 'NotificationDelivered',
  ], 'every attempt is in the event store');
  t.equal(trail[1]!.data.status, 503);
  t.ok(trail[1]!.data.nextAttemptAt, 'a failed attempt says when the next is due');
  const deliveries = (await h.app.inject({ method: 'GET', url: `/webhooks/${hookA.id}/deliveries`, headers: { authorization: `Bearer ${lawyer}` } }))
    .json<{ items: { status: string; attempts: number; lastStatus: number }[] }>();
  t.same(deliveries.items.map((d) => [d.status, d.attempts, d.lastStatus]), [['delivered', 3, 200]]);
  t.equal((await h.app.inject({ method: 'GET', url: `/webhooks/${hookA.id}`, headers: { authorization: `Bearer ${lawyer}` } })).json<{ consecutiveFailures: number }>().consecutiveFailures, 0,
    'a delivery resets the consecutive failures');

  // Email: one message to the lawyer's address from the directory, plain text and HTML.
  t.equal(smtp.mails.length, 1);
  const mail = smtp.mails[0]!;
  t.same(mail.to, ['lawyer1@example.org']);
  t.match(mail.headers.get('subject'), /^Claim RS-\S+ has been assessed$/);
  const emailId = mail.headers.get('x-cfund-notification-id')!;
  t.equal(mail.headers.get('message-id'), `<${emailId}@notification.cfund>`, 'a stable Message-ID');
  t.match(mail.raw, /Content-Type: text\/plain/);
  t.match(mail.raw, /Content-Type: text\/html/);
  t.notOk(mail.raw.includes(VICTIM_NAME) || mail.raw.includes('jelena@example.org'), 'never the victim\'s address or name');
  t.same((await streamEvents(h.env.eventStore, notificationStream(emailId))).map((e) => e.type),
    ['NotificationIssued', 'NotificationDeliveryAttempted', 'NotificationDelivered']);

  // A power loss rolled a delivered status back to pending (status commits are not fsynced one by
  // one): after the unclean stop, recovery settles it from the event store; nothing is resent.
  const lawyerDelivery = lawyerHits[0]!.notificationId;
  h.store.updateDelivery(lawyerDelivery, { status: 'pending', attempts: 2, nextAttemptAt: 0 }, c.now().toISOString());
  t.equal(await h.app.worker.recover(false), 1);
  t.equal(h.store.delivery(lawyerDelivery)?.status, 'delivered', 'recovered as delivered');
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 6, 'not sent again');

  // A replay onto a lost working state: the email is queued again, but its stream says delivered.
  const rebuilt = await h.rebuild();
  await h.pump(rebuilt);
  await rebuilt.scheduler.tick();
  t.equal(smtp.mails.length, 1, 'a replay sends no email twice');
  t.equal(rebuilt.store.delivery(emailId)?.status, 'delivered', 'its status comes from the event store');
});

t.test('a webhook disabled after N consecutive failures: the owner told, failed deliveries listed and retried', async (t) => {
  let healthy = false;
  const receiver = await startWebhookReceiver(() => (healthy ? 204 : 500));
  t.teardown(() => receiver.close());
  const c = clock();
  const h = await startHarness(t, { now: c.now, random: () => 1, settings: { retry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 10 }, disableWebhookAfter: 3 } });
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const auth = { authorization: `Bearer ${lawyer}` };
  const hook = (await h.app.inject({ method: 'POST', url: '/webhooks', payload: { url: receiver.url, target: { kind: 'user' } }, headers: auth })).json<{ id: string; secret: string }>();
  receiver.addSecret('lawyer', hook.secret);

  const claimId = await lifecycle(h, { until: 'approvals' }); // claim-assessed; one approval of two: nothing more for the lawyer
  await h.pump();
  await h.app.scheduler.tick(); // attempt 1: failure 1
  c.advance(1000);
  await h.app.scheduler.tick(); // attempt 2: failure 2
  c.advance(2000);
  await h.app.scheduler.tick(); // attempt 3: failure 3 -> disabled
  const view = (await h.app.inject({ method: 'GET', url: `/webhooks/${hook.id}`, headers: auth })).json<{ status: string; consecutiveFailures: number; disabledAt: string }>();
  t.equal(view.status, 'disabled');
  t.equal(view.consecutiveFailures, 3);
  t.equal(receiver.hits.length, 3);
  c.advance(60_000);
  await h.app.scheduler.tick();
  t.equal(receiver.hits.length, 3, 'a disabled webhook gets nothing');

  const inbox = (await h.app.inject({ method: 'GET', url: '/notifications', headers: auth })).json<{ items: { topic: string; text: string }[] }>();
  // Found by topic, not position: the claim's events carry the real clock's instants, this one the test clock's.
  const told = inbox.items.find((i) => i.topic === 'webhook-disabled');
  t.ok(told, 'the owner is told in the inbox');
  t.match(told?.text, new RegExp(`${hook.id}.*after 3 consecutive failed deliveries`));
  const failed = (await h.app.inject({ method: 'GET', url: `/webhooks/${hook.id}/deliveries?status=failed`, headers: auth }))
    .json<{ items: { notificationId: string; status: string; attempts: number; lastError: string }[]; total: number }>();
  t.equal(failed.total, 1);
  t.same([failed.items[0]!.status, failed.items[0]!.attempts], ['failed', 3]);
  const trail = (await streamEvents(h.env.eventStore, notificationStream(failed.items[0]!.notificationId))).map((e) => e.type);
  t.same(trail.slice(-1), ['NotificationDeliveryFailed']);
  t.same((await streamEvents(h.env.eventStore, `webhook-${hook.id}`)).map((e) => e.type), ['WebhookRegistered', 'WebhookDisabled']);

  // While disabled, new notifications are not queued for it.
  const approver = await h.token('approver-2', ['fund-approver']);
  const second = await h.command.inject({ method: 'POST', url: `/claims/${claimId}/approvals`, payload: {}, headers: { authorization: `Bearer ${approver}` } });
  t.equal(second.statusCode, 200);
  await h.pump();
  t.equal(h.store.deliveriesOf(hook.id, { limit: 10, offset: 0 }).total, 1, 'award-approved went to the inbox only');

  // The receiver is fixed; the owner retries: the webhook is enabled again and the delivery goes through.
  healthy = true;
  const other = await h.token('lawyer-2', ['lawyer']);
  const retryUrl = `/webhooks/${hook.id}/deliveries/${failed.items[0]!.notificationId}/retry`;
  t.equal((await h.app.inject({ method: 'POST', url: retryUrl, headers: { authorization: `Bearer ${other}` } })).statusCode, 404, 'only the owner retries');
  const retried = await h.app.inject({ method: 'POST', url: retryUrl, headers: auth });
  t.equal(retried.statusCode, 202);
  t.equal(retried.json<{ status: string }>().status, 'pending');
  await h.app.scheduler.tick();
  t.same(receiver.hits.map((x) => [x.attempt, x.answered]), [[1, 500], [2, 500], [3, 500], [4, 204]]);
  t.ok(receiver.hits.every((x) => x.validFor.length === 1), 'signatures verify');
  const after = (await h.app.inject({ method: 'GET', url: `/webhooks/${hook.id}`, headers: auth })).json<{ status: string; consecutiveFailures: number }>();
  t.same([after.status, after.consecutiveFailures], ['enabled', 0]);
  const again = await h.app.inject({ method: 'POST', url: retryUrl, headers: auth });
  t.equal(again.statusCode, 409, 'a delivered delivery is not retried');
  t.same((await streamEvents(h.env.eventStore, `webhook-${hook.id}`)).map((e) => e.type), ['WebhookRegistered', 'WebhookDisabled', 'WebhookEnabled']);
  const retriedStream = notificationStream(failed.items[0]!.notificationId);
  t.same((await streamEvents(h.env.eventStore, retriedStream)).map((e) => e.type), [
    'NotificationIssued', 'NotificationDeliveryAttempted', 'NotificationDeliveryAttempted', 'NotificationDeliveryAttempted', 'NotificationDeliveryFailed',
    'NotificationDeliveryRetried', 'NotificationDeliveryAttempted', 'NotificationDelivered',
  ], 'the whole story of the delivery, in order');
  t.match(await verifyStream(h.env.eventStore, retriedStream, h.chainKeyring), { ok: true, count: 8 }, 'its hash chain is intact');

  t.equal((await h.app.inject({ method: 'DELETE', url: `/webhooks/${hook.id}`, headers: auth })).statusCode, 204);
  t.equal((await h.app.inject({ method: 'GET', url: `/webhooks/${hook.id}`, headers: auth })).statusCode, 404);
  t.same((await h.app.inject({ method: 'GET', url: '/webhooks', headers: auth })).json<{ items: unknown[] }>().items, []);
});

t.test('webhooks may not point at private or local networks unless allowed', async (t) => {
  const h = await startHarness(t);
  const strict = await h.rebuild({ settings: { allowPrivateWebhookTargets: false } });
  const lawyer = await h.token('lawyer-ssrf', ['lawyer']);
  const register = (url: string) => strict.inject({ method: 'POST', url: '/webhooks', payload: { url, target: { kind: 'user' } }, headers: { authorization: `Bearer ${lawyer}` } });
  for (const url of ['http://127.0.0.1:4222/x', 'http://localhost:2113/', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://192.168.1.20/x']) {
    const r = await register(url);
    t.equal(r.statusCode, 422, `${url} refused`);
    t.equal(r.json<{ code: string }>().code, 'webhook-target-not-allowed');
  }
  t.equal((await register('https://93.184.216.34/hook')).statusCode, 201, 'a public address is accepted');
  t.equal((await h.app.inject({ method: 'POST', url: '/webhooks', payload: { url: 'http://127.0.0.1:9/hook', target: { kind: 'user' } }, headers: { authorization: `Bearer ${lawyer}` } })).statusCode,
    201, 'allowed where configured (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true)');

  t.ok(isPrivateAddress('::1') && isPrivateAddress('::ffff:10.0.0.1') && isPrivateAddress('fd00::1') && isPrivateAddress('fe80::1') && isPrivateAddress('100.64.0.1'), 'mapped, ULA, link-local, CGNAT');
  t.notOk(isPrivateAddress('8.8.8.8') || isPrivateAddress('2001:4860:4860::8888'), 'public v4 and v6');
  // At delivery the name is resolved again: one that now points inside is not contacted.
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const send = httpWebhookSender(2000, { allowPrivate: false, lookup: async () => [{ address: '127.0.0.1' }] });
  const result = await send({ url: receiver.url.replace('127.0.0.1', 'rebinding.example'), secret: 's', body: '{}', notificationId: 'n-1', topic: 't', attempt: 1, nowSeconds: 1 });
  t.same(result, { ok: false, error: 'target-not-allowed' });
  t.equal(receiver.hits.length, 0, 'the receiver was never contacted');
});

/** Files of the SQLite database at `path` (with its WAL and shared memory) whose bytes hold `needle`. */
function sqliteFilesHolding(path: string, needle: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(needle, 'utf8')));
}

t.test('signing secrets are encrypted at rest, rows of an older version are sealed at start, files are private', async (t) => {
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const h = await startHarness(t);
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const register = async () => {
    const r = await h.app.inject({ method: 'POST', url: '/webhooks', payload: { url: receiver.url, target: { kind: 'user' } }, headers: { authorization: `Bearer ${lawyer}` } });
    t.equal(r.statusCode, 201, 'registered'); // the body holds the secret: not printed
    return r.json<{ id: string; secret: string }>();
  };
  const first = await register();
  const path = join(h.dataDir, 'notification-0.db');
  t.same(sqliteFilesHolding(path, first.secret), [], 'the secret is in none of the SQLite files (database, WAL)');
  for (const file of [path, `${path}-wal`]) t.equal(statSync(file).mode & 0o777, 0o600, `${basename(file)} is readable by the service's user only`);
  t.equal(h.store.webhook(first.id)?.secret, first.secret, 'the store hands the secret back, decrypted');

  // A database written before the encryption holds plaintext secrets: the next start seals them.
  const second = await register();
  await h.app.close();
  h.store.close();
  const legacy = new Database(path);
  legacy.prepare('UPDATE webhooks SET secret = ? WHERE id = ?').run(second.secret, second.id);
  legacy.close();
  chmodSync(path, 0o644);
  t.not(sqliteFilesHolding(path, second.secret), [], 'the older version left it in plaintext');

  const wrongKey = randomBytes(32);
  t.throws(() => NotificationStore.open(path, { masterKey: wrongKey }), /webhook signing secrets were encrypted with another master key/, 'another master key is refused at start');

  const app = await h.restart();
  t.same(sqliteFilesHolding(path, second.secret), [], 'after the restart the plaintext is gone from every file');
  t.equal(statSync(path).mode & 0o777, 0o600, 'and the file is private again');
  t.equal(app.store.webhook(second.id)?.secret, second.secret, 'the migrated secret still signs');
  t.equal(app.store.webhook(first.id)?.secret, first.secret, 'and the one sealed before is unchanged');
});
