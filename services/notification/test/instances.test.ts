/**
 * Two compiled notification services on one NATS and one event store, each with its own durable
 * consumer and working state, fed by the real relay: every notification is emailed exactly once
 * (a real SMTP server counts the Message-IDs), the reminders included; the active one is then
 * SIGKILLed and the standby takes over: what follows is sent once, nothing before is sent again.
 * Without the sending lease both instances send (measured: most notifications came twice).
 * A webhook registered over HTTP on the standby is delivered to by the active one, once per
 * notification, signed with the secret the standby answered (before SharedState: never).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildApp as buildCommandApp } from '@cfund/command-service';
import { ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { notificationStream } from '@cfund/contracts';
import { eventSigningKey, startRelay } from '@cfund/messaging';
import { createLogger, signToken } from '@cfund/service-kit';
import { freePort, startTestEnvironment } from '@cfund/test-support';
import { lifecycle, type Harness } from './helpers.ts';
import { issuedEmails, issuedOn, mailsPerNotification, readStream, startSmtpServer, startWebhookReceiver } from './receivers.ts';

const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(serviceDir, '../..');
const LEASE_TTL_MS = 2000;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

t.test('two instances: every notification emailed once; SIGKILL of the active one, the standby takes over', async (t) => {
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/notification'], { cwd: repoRoot, stdio: 'inherit' });
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-notification-instances-'));
  const children: ChildProcess[] = [];
  const jwt = randomBytes(24).toString('hex');
  const secret = new TextEncoder().encode(jwt);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(join(dataDir, 'keys')), masterKey });
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner: ChainSigner.generate(), protector, jwtSecret: secret, fingerprintSecret: masterKey, logger: createLogger({ level: 'silent' }),
  });
  const relay = await startRelay({ eventStore: env.eventStore, nc: await env.connectNats(), signingKey: eventSigningKey(masterKey) });
  const smtp = await startSmtpServer();
  const receiver = await startWebhookReceiver();
  const directory = join(dataDir, 'directory.json');
  await writeFile(directory, JSON.stringify({
    users: { 'lawyer-1': { email: 'lawyer1@example.org' } },
    roles: { 'fund-assessor:RS': { email: 'assessors@fund.example' }, 'fund-approver:RS': { email: 'approvers@fund.example' } },
  }));
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await smtp.close();
    await receiver.close();
    await relay.stop();
    await command.close();
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Its own event store user, as under `npm start`: under the stream policy it may not read $all.
  const esdb = await env.esdbConnectionStringFor('notification');
  const start = async (name: string) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: serviceDir,
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(dataDir, name), LOG_LEVEL: 'warn', JWT_SECRET: jwt,
        MASTER_KEY: masterKey.toString('base64'), ESDB_CONNECTION_STRING: esdb, ...env.natsEnv('notification'),
        NOTIFICATION_DURABLE: `notification-${name}`, NOTIFICATION_INSTANCE: name, NOTIFICATION_LEASE_TTL_MS: String(LEASE_TTL_MS),
        SMTP_URL: smtp.url, NOTIFICATION_DIRECTORY: directory, SCHEDULER_INTERVAL_MS: '100', NOTIFICATION_ACK_WAIT_MS: '2000',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_DISABLE_AFTER: '1000', // the failing webhook below fails, it is not disabled
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    await until(`${name} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
      return (await fetch(`${base}/ready`)).ok ? true : undefined;
    });
    return { name, child, base };
  };
  const instances = [await start('a'), await start('b')];
  const active = async (i: { base: string }) => /^cfund_notification_active 1$/m.test(await (await fetch(`${i.base}/metrics`)).text());
  const lawyerToken = await signToken(secret, { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] });
  const asLawyer = { authorization: `Bearer ${lawyerToken}`, 'content-type': 'application/json' };

  // A webhook registered on the standby, over HTTP: the active instance learns it from the event store.
  await until('one instance to hold the lease', async () => ((await Promise.all(instances.map(active))).some(Boolean) ? true : undefined));
  const standby = (await active(instances[0]!)) ? instances[1]! : instances[0]!;
  const sender = standby === instances[0] ? instances[1]! : instances[0]!;
  const registered = await fetch(`${standby.base}/webhooks`, { method: 'POST', headers: asLawyer, body: JSON.stringify({ url: receiver.url, target: { kind: 'user' } }) });
  t.equal(registered.status, 201, 'a webhook registered on the standby');
  const hook = await registered.json() as { id: string; secret: string };
  receiver.addSecret('registered', hook.secret);
  await until('the sender to know it', async () => ((await fetch(`${sender.base}/webhooks/${hook.id}`, { headers: asLawyer })).ok ? true : undefined), 10_000);

  const h = { command, token: (sub: string, roles: never[], js = ['RS']) => signToken(secret, { sub, roles, jurisdictions: js as never[] }) } as unknown as Harness;
  // The decision was served 40 days ago: the appeal deadline is missed, its reminder due at once.
  const servedAt = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const file = async (n: number) => { for (let i = 0; i < n; i++) await lifecycle(h, { until: 'decision-notice', servedAt }); };

  /** Waits until every email the event store says was issued arrived, `claims` missed-deadline reminders among them, and nothing more came for a while. */
  const settled = async (claims: number) => until('every email', async () => {
    const issued = await issuedEmails(env.eventStore);
    const reminders = [...issued.values()].filter((topic) => topic === 'deadline-missed').length;
    const received = mailsPerNotification(smtp.mails);
    if (reminders < claims || [...issued.keys()].some((id) => !received.has(id))) return undefined;
    const before = smtp.mails.length;
    await new Promise((r) => setTimeout(r, 2 * LEASE_TTL_MS)); // time for a second sender to show itself
    return smtp.mails.length === before && (await issuedEmails(env.eventStore)).size === issued.size ? issued : undefined;
  }, 120_000);

  await file(3);
  const first = await settled(3);
  const counts = mailsPerNotification(smtp.mails);
  t.equal(first.size, counts.size, `every issued email arrived (${first.size}), and nothing else`);
  t.same([...counts].filter(([, n]) => n !== 1), [], 'each exactly once');
  t.equal([...first.values()].filter((topic) => topic === 'deadline-missed').length, 3, 'the missed-deadline reminders among them, once each');
  const roles = await Promise.all(instances.map(active));
  t.same(roles.filter(Boolean).length, 1, 'one instance is active, the other stands by');
  const webhookIssued = await until('every webhook delivery', async () => {
    const issued = await issuedOn(env.eventStore, 'webhook');
    return issued.size > 0 && [...issued.keys()].every((id) => receiver.hits.some((hit) => hit.notificationId === id)) ? issued : undefined;
  });
  const perWebhookNotification = [...receiver.byNotification()];
  t.equal(perWebhookNotification.length, webhookIssued.size, `every webhook notification issued (${webhookIssued.size}) arrived, and nothing else`);
  t.same(perWebhookNotification.filter(([, hits]) => hits.length !== 1), [], 'each once');
  t.ok(receiver.hits.every((hit) => hit.validFor.includes('registered')), 'each signed with the secret the standby answered');

  // A webhook whose deliveries keep failing, deleted on the standby while they wait for their
  // next attempt: each fails once (reason webhook-deleted), not once by each instance.
  const refused = `http://127.0.0.1:${await freePort()}/`;
  const failing = await (await fetch(`${sender.base}/webhooks`, { method: 'POST', headers: asLawyer, body: JSON.stringify({ url: refused, target: { kind: 'user' } }) })).json() as { id: string };
  await until('the standby to know it', async () => ((await fetch(`${standby.base}/webhooks/${failing.id}`, { headers: asLawyer })).ok ? true : undefined), 10_000);
  const trailOf = async (id: string) => (await readStream(env.eventStore, notificationStream(id))).map((e) => e.type);
  const toFailing = async () => [...(await issuedOn(env.eventStore, 'webhook', failing.id)).keys()];
  await file(1);
  let seen = { count: -1, since: Date.now() }; // the claim's notifications come one by one: until their number stays put for 2 s
  const attempted = await until('an attempt at each delivery to the failing webhook', async () => {
    const ids = await toFailing();
    if (ids.length !== seen.count) seen = { count: ids.length, since: Date.now() };
    if (ids.length === 0 || Date.now() - seen.since < 2000) return undefined;
    const trails = await Promise.all(ids.map(trailOf));
    return trails.every((types) => types.includes('NotificationDeliveryAttempted')) ? ids : undefined;
  });
  t.equal((await fetch(`${standby.base}/webhooks/${failing.id}`, { method: 'DELETE', headers: { authorization: asLawyer.authorization } })).status, 204, 'the failing webhook deleted on the standby');
  const failedCounts = await until('every delivery to it failed', async () => {
    const counts = await Promise.all(attempted.map(async (id) => (await trailOf(id)).filter((type) => type === 'NotificationDeliveryFailed').length));
    return counts.every((n) => n > 0) ? counts : undefined;
  }, 20_000);
  await new Promise((r) => setTimeout(r, 10_000)); // time for a second failure to show itself (a next attempt was due within 8 s)
  const laterCounts = await Promise.all(attempted.map(async (id) => (await trailOf(id)).filter((type) => type === 'NotificationDeliveryFailed').length));
  t.same({ at: failedCounts, later: laterCounts }, { at: attempted.map(() => 1), later: attempted.map(() => 1) }, `each of its ${attempted.length} deliveries failed once`);
  const lastFailure = (await readStream(env.eventStore, notificationStream(attempted[0]!))).filter((e) => e.type === 'NotificationDeliveryFailed').at(-1);
  t.equal((lastFailure?.data as { reason?: string } | undefined)?.reason, 'webhook-deleted', 'because the webhook was deleted');

  const dead = instances[roles.indexOf(true)]!;
  const survivor = instances[roles.indexOf(false)]!;
  dead.child.kill('SIGKILL');
  await new Promise((r) => dead.child.once('exit', r));
  await file(3);
  await until('the standby to take over', async () => (await active(survivor)) ? true : undefined);
  const all = await settled(7); // 3 + the failing webhook's claim + 3
  const after = mailsPerNotification(smtp.mails);
  t.ok(all.size > first.size, `the claims filed after the kill were notified (${all.size - first.size} more emails)`);
  t.equal(all.size, after.size, 'every issued email arrived, and nothing else');
  t.same([...after].filter(([, n]) => n !== 1), [], 'nothing sent twice: not the ones before the kill, not those after');
  t.equal([...all.values()].filter((topic) => topic === 'deadline-missed').length, 7, 'each claim\'s reminder once');

  // The survivor consumed every event itself: its inbox is whole.
  const inbox = await (await fetch(`${survivor.base}/notifications?limit=100`, { headers: asLawyer })).json() as { items: { claimId: string; topic: string }[] };
  t.equal(new Set(inbox.items.map((i) => i.claimId)).size, 7, 'the survivor\'s inbox holds every claim');
  t.equal(inbox.items.filter((i) => i.topic === 'deadline-missed').length, 7, '... and every reminder');

  survivor.child.kill('SIGTERM');
  t.equal(await new Promise((r) => survivor.child.once('exit', (c) => r(c))), 0, 'a graceful stop on SIGTERM');
});
