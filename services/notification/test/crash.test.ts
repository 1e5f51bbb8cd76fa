/**
 * The compiled service as a child process, fed by the real relay over NATS: SIGKILLed while a
 * webhook request is in flight, then restarted on the same data directory. Nothing is lost and
 * nothing completed is sent again: every notification reaches the receiver, the inbox holds each
 * once, the event store one NotificationIssued and one NotificationDelivered per notification.
 * The one request in flight at the kill is sent again after the restart with the same
 * Cfund-Notification-Id (HTTP cannot tell whether it arrived), so the receiver can recognise it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { START } from '@eventstore/db-client';
import { buildApp as buildCommandApp } from '@cfund/command-service';
import { ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { eventSigningKey, startRelay } from '@cfund/messaging';
import { createLogger, signToken } from '@cfund/service-kit';
import { freePort, startTestEnvironment } from '@cfund/test-support';
import { lifecycle, type Harness } from './helpers.ts';
import { startWebhookReceiver } from './receivers.ts';

const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(serviceDir, '../..');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('SIGKILL mid-delivery, then a restart: nothing lost, nothing completed sent twice', async (t) => {
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/notification'], { cwd: repoRoot, stdio: 'inherit' });
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-notification-crash-'));
  const children: ChildProcess[] = [];
  const jwt = randomBytes(24).toString('hex'); // 48 characters
  const secret = new TextEncoder().encode(jwt);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(join(dataDir, 'keys')), masterKey });
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner: ChainSigner.generate(), protector, jwtSecret: secret, fingerprintSecret: masterKey, logger: createLogger({ level: 'silent' }),
  });
  const relay = await startRelay({ eventStore: env.eventStore, nc: await env.connectNats(), signingKey: eventSigningKey(masterKey) });

  const CLAIMS = 5;
  const KILL_AT = 3; // the third request to arrive is in flight when the service is killed
  let child: ChildProcess | undefined;
  let killed = false;
  let killDone = false;
  const receiver = await startWebhookReceiver(async () => {
    if (!killed && receiver.hits.length === KILL_AT) {
      killed = true;
      const dying = child!;
      const exited = new Promise((r) => dying.once('exit', r));
      dying.kill('SIGKILL');
      await exited;
      killDone = true;
    }
    return 200;
  });
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await receiver.close();
    await relay.stop();
    await command.close();
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Its own event store user, as under `npm start`: under the stream policy it may not read $all.
  const esdb = await env.esdbConnectionStringFor('notification');
  const start = async (): Promise<ChildProcess> => {
    const c = spawn(process.execPath, ['dist/main.js'], {
      cwd: serviceDir,
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', JWT_SECRET: jwt,
        MASTER_KEY: masterKey.toString('base64'), ESDB_CONNECTION_STRING: esdb, ...env.natsEnv('notification'),
        DELIVERY_CONCURRENCY: '1', SCHEDULER_INTERVAL_MS: '50', DELIVERY_BACKOFF_BASE_MS: '100', NOTIFICATION_ACK_WAIT_MS: '2000',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(c);
    await until('the service to be ready', async () => {
      if (c.exitCode !== null) throw new Error(`the service exited with ${c.exitCode}`);
      return (await fetch(`${base}/ready`)).ok ? true : undefined;
    });
    return c;
  };

  child = await start();
  const lawyer = await signToken(secret, { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] });
  const auth = { authorization: `Bearer ${lawyer}`, 'content-type': 'application/json' };
  const registered = await fetch(`${base}/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: receiver.url, target: { kind: 'user' } }) });
  t.equal(registered.status, 201);
  const hook = await registered.json() as { id: string; secret: string };
  receiver.addSecret('lawyer', hook.secret);

  // Claims through the real command service; the relay carries their events to the child.
  const h = { command, token: (sub: string, roles: never[], js = ['RS']) => signToken(secret, { sub, roles, jurisdictions: js as never[] }) } as unknown as Harness;
  for (let i = 0; i < CLAIMS; i++) await lifecycle(h, { until: 'assessment' });

  await until('the kill', async () => (killDone ? true : undefined));
  t.ok(child.signalCode === 'SIGKILL', 'killed while a request was in flight');
  const inFlight = receiver.hits[KILL_AT - 1]!.notificationId;
  child = await start();

  const delivered = await until('every delivery', async () => {
    const r = await (await fetch(`${base}/webhooks/${hook.id}/deliveries?status=delivered&limit=100`, { headers: auth })).json() as { total: number };
    return r.total === CLAIMS ? r : undefined;
  });
  t.equal(delivered.total, CLAIMS, 'every notification delivered');

  const counts = new Map([...receiver.byNotification()].map(([id, hits]) => [id, hits.length]));
  t.equal(counts.size, CLAIMS, 'nothing lost: every notification reached the receiver');
  t.same([...counts].filter(([, n]) => n > 1), [[inFlight, 2]], 'only the request in flight at the kill came twice');
  t.ok(receiver.hits.every((x) => x.validFor.length === 1), 'every signature verifies');

  const inbox = await (await fetch(`${base}/notifications?limit=100`, { headers: auth })).json() as { items: { topic: string; claimId: string }[] };
  t.equal(inbox.items.length, CLAIMS, 'one inbox entry per claim');
  t.equal(new Set(inbox.items.map((i) => i.claimId)).size, CLAIMS);

  const issued = new Map<string, number>();
  const deliveredEvents = new Map<string, number>();
  for await (const r of env.eventStore.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) {
    const e = r.event;
    if (!e?.streamId.startsWith('notification-')) continue;
    if (e.type === 'NotificationIssued') issued.set(e.streamId, (issued.get(e.streamId) ?? 0) + 1);
    if (e.type === 'NotificationDelivered') deliveredEvents.set(e.streamId, (deliveredEvents.get(e.streamId) ?? 0) + 1);
  }
  t.ok([...issued.values()].every((n) => n === 1), 'one NotificationIssued per notification');
  t.equal(deliveredEvents.size, CLAIMS, 'a NotificationDelivered for each webhook delivery');
  t.ok([...deliveredEvents.values()].every((n) => n === 1), '... exactly one each');

  child.kill('SIGTERM');
  const code = await new Promise((r) => child!.once('exit', (c) => r(c)));
  t.equal(code, 0, 'a graceful stop on SIGTERM');
});
