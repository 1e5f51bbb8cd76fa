/**
 * Faults while commands keep flowing: the relay is killed (a standby takes over), then
 * nats-server is SIGKILLed and restarted, then the compiled projection service is SIGKILLed and
 * restarted. Afterwards the service's read model equals a fresh rebuild from the event store:
 * no event missing, none counted twice (offender payments add up, so a double count would show).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { eventually, freePort } from '@cfund/test-support';
import { eventSigningKey, startRelay, type Relay } from '@cfund/messaging';
import { jwtSecretPath, loadOrCreateJwtSecret, masterKeyPath, signToken } from '@cfund/service-kit';
import { loadOrCreateMasterKey } from '@cfund/eventstore';
import { ProjectionRunner, ReadModelStore } from '../src/index.ts';
import { RSD, fileClaim, startHarness, step, tokens } from './helpers.ts';

const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(serviceDir, '..', '..');

/** A bounded poll (60 s unless told), never a fixed sleep. */
const waitFor = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> =>
  eventually(what, async () => check(), timeoutMs, 100);

const accepts = (port: number) => new Promise<boolean>((r) => {
  const s = tcpConnect(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); r(true); });
  s.once('error', () => r(false));
});

t.test('relay, nats-server and projection killed under load: the read model equals a fresh rebuild', async (t) => {
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/projection'], { cwd: repoRoot, stdio: 'inherit' });
  const natsDir = await mkdtemp(join(tmpdir(), 'cfund-projection-nats-'));
  const serviceData = await mkdtemp(join(tmpdir(), 'cfund-projection-service-'));
  const natsPort = await freePort();
  const children: ChildProcess[] = [];
  const startNats = async (): Promise<ChildProcess> => {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir], { stdio: 'ignore' });
    children.push(child);
    await waitFor('nats-server', () => accepts(natsPort), 20_000);
    return child;
  };
  let nats: ChildProcess;
  const natsUrl = `nats://127.0.0.1:${natsPort}`;

  // Registered first, so run last (teardowns run in reverse): NATS connections drain before their server goes.
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(natsDir, { recursive: true, force: true });
    await rm(serviceData, { recursive: true, force: true });
  });
  nats = await startNats();
  const h = await startHarness(t, { environment: { env: { NATS_URL: natsUrl } } });
  const tk = await tokens(h);
  const { secret } = await loadOrCreateJwtSecret(jwtSecretPath(serviceData));
  // The relay signs with the key the service derives from its master key.
  const signingKey = eventSigningKey((await loadOrCreateMasterKey(masterKeyPath(serviceData))).key);
  const admin = await signToken(secret, { sub: 'admin-1', roles: ['fund-admin'], jurisdictions: ['RS'] });
  const operator = await signToken(secret, { sub: 'operator-1', roles: ['operator'], jurisdictions: [] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  const startService = async () => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: serviceDir,
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: serviceData, LOG_LEVEL: 'warn',
        ESDB_CONNECTION_STRING: h.env.esdbConnectionString, NATS_URL: natsUrl,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    await waitFor('the projection service', async () => {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
      return (await fetch(`${base}/health`)).ok;
    }, 30_000);
    return child;
  };
  const digest = async () => {
    const r = await fetch(`${base}/admin/digest`, { headers: { authorization: `Bearer ${operator}` } });
    return r.ok ? (await r.json() as { digest: string }).digest : undefined;
  };
  const historyRows = async (claimId: string) => {
    const r = await fetch(`${base}/claims/${claimId}/history`, { headers: { authorization: `Bearer ${admin}` } });
    return r.ok ? (await r.json() as { events: unknown[] }).events.length : 0;
  };

  const relays: Relay[] = [];
  // A relay whose connection was cut may never finish stopping: bounded, so the test can end.
  t.teardown(() => Promise.all(relays.map((r) => Promise.race([
    r.stop().catch(() => undefined),
    new Promise((done) => setTimeout(done, 5_000).unref()),
  ]))));
  const relaySettings = { leaseBucket: 'projection_faults_lease', leaseTtlMs: 3_000, renewIntervalMs: 500, standbyPollMs: 200, retryDelayMs: 300 };
  const startOneRelay = async (id: string) => {
    const nc = await h.env.connectNats({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const relay = await startRelay({ eventStore: h.env.eventStore, nc, signingKey, instanceId: id, settings: relaySettings });
    relays.push(relay);
    return { relay, nc };
  };

  // Commands flow all along: claims filed, each with a ruling and two offender payments.
  let stop = false;
  t.teardown(() => { stop = true; });
  const claims: string[] = [];
  let errors = 0;
  const load = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const id = await fileClaim(h, tk.lawyer);
        claims.push(id);
        await step(h, id, 'court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: `K-${i}/2025`, decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
        await step(h, id, 'offender-payments', tk.lawyer, { amount: RSD(1_000), receivedOn: '2025-07-15' });
        await step(h, id, 'offender-payments', tk.lawyer, { amount: RSD(2_000), receivedOn: '2025-07-16' });
      } catch {
        errors += 1;
      }
    }
  })();
  const moreClaims = async (n: number) => { const target = claims.length + n; await waitFor(`${n} more claims`, () => claims.length >= target); };

  const first = await startOneRelay('relay-1');
  let service = await startService();
  await moreClaims(3);
  await waitFor('events projected', async () => (await historyRows(claims[0]!)) === 4);

  // 1. The relay dies (its connection is cut, the lease is not released): a standby takes over after the lease expires.
  await first.nc.close();
  await startOneRelay('relay-2');
  await moreClaims(3);

  // 2. nats-server is SIGKILLed while commands go on, then restarted on the same port and data.
  nats.kill('SIGKILL');
  await new Promise((r) => nats.once('exit', r));
  await moreClaims(3);
  nats = await startNats();
  await moreClaims(3);

  // 3. The projection service is SIGKILLed, commands go on, it restarts and resumes.
  service.kill('SIGKILL');
  await new Promise((r) => service.once('exit', r));
  await moreClaims(3);
  service = await startService();
  await moreClaims(3);
  stop = true;
  await load;
  t.equal(errors, 0, 'no command failed (the write side does not depend on NATS)');
  t.comment(`${claims.length} claims, ${claims.length * 4} claim events written during the faults`);

  const fresh = new ReadModelStore(':memory:');
  t.teardown(() => fresh.close());
  const expected = (await new ProjectionRunner(fresh, h.env.eventStore).rebuild()).digest;
  await waitFor('the service caught up with every event', async () => (await digest()) === expected, 90_000);
  t.equal(await digest(), expected, 'the read model equals a fresh rebuild: nothing missing, nothing counted twice');
  const last = claims.at(-1)!;
  t.equal(await historyRows(last), 4, 'the last claim has its four events');
  const detail = await (await fetch(`${base}/claims/${last}`, { headers: { authorization: `Bearer ${admin}` } })).json() as { money: { offenderPaid: number } };
  t.equal(detail.money.offenderPaid, 3_000, 'offender payments counted once each');
  service.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
});
