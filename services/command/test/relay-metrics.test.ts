/**
 * The relay on /metrics, from two real command processes over one event store and a real
 * nats-server, as two instances run: exactly one reports `leader`; what it publishes is counted;
 * when it stops, the other takes the lease and its take-over is counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { signToken } from '@cfund/service-kit';
import { eventually, freePort, startTestEnvironment, type TestEnvironment } from '@cfund/test-support';

// The built service (`pnpm exec tsc -b test` builds it).
const MAIN = resolve(import.meta.dirname, '../dist/main.js');
const env = await startTestEnvironment();
t.teardown(() => env.close());

/** The value of one sample of /metrics (`name` or `name{labels}`), undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

t.test('one leader, its publications and a take-over are on /metrics', { skip: env.skipped }, async (t) => {
  const e = env as TestEnvironment;
  const jwtSecret = randomBytes(32).toString('hex');
  const masterKey = randomBytes(32).toString('base64');
  const children: ChildProcess[] = [];
  t.teardown(() => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
  const start = async (name: string) => {
    const dataDir = await mkdtemp(join(tmpdir(), `cfund-relay-metrics-${name}-`));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', JWT_SECRET: jwtSecret, MASTER_KEY: masterKey,
        ESDB_CONNECTION_STRING: await e.esdbConnectionStringFor('command'), ...e.natsEnv('command'), RECONCILER_ENABLED: 'false',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await eventually(`${name} ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
      return (await fetch(`${url}/ready`).catch(() => undefined))?.status === 200;
    }, 90_000);
    return { child, url, metrics: async () => (await fetch(`${url}/metrics`)).text() };
  };
  const a = await start('a');
  const b = await start('b');
  const roles = async () => Promise.all([a, b].map(async (i) => sample(await i.metrics(), 'cfund_relay_role{role="leader"}')));
  await eventually('one relay holds the lease', async () => (await roles()).filter((v) => v === 1).length === 1, 60_000);
  const [aLeads] = await roles();
  const [leader, standby] = aLeads === 1 ? [a, b] : [b, a];
  const standbyBefore = await standby.metrics();
  t.equal(sample(standbyBefore, 'cfund_relay_role{role="standby"}'), 1, 'the other is a standby');
  t.equal(sample(standbyBefore, 'cfund_relay_leaderships_total'), 0, 'which never held the lease');

  const lawyer = await signToken(new TextEncoder().encode(jwtSecret), { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['XK'] });
  const before = sample(await leader.metrics(), 'cfund_relay_published_total') ?? 0;
  const filed = await fetch(`${leader.url}/claims`, {
    method: 'POST', headers: { authorization: `Bearer ${lawyer}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      jurisdiction: 'XK', applicantRole: 'direct', victim: { fullName: 'Ana Relayed', dateOfBirth: '1990-01-01' },
      formOfExploitation: 'labour', incidentOn: '2025-06-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 500_000, currency: 'EUR' } }],
    }),
  });
  t.equal(filed.status, 201, 'a claim filed');
  await eventually('the leader counts what it published', async () => (sample(await leader.metrics(), 'cfund_relay_published_total') ?? 0) > before, 30_000);
  t.equal(sample(await standby.metrics(), 'cfund_relay_published_total'), 0, 'the standby published nothing');

  leader.child.kill('SIGTERM'); // a clean stop releases the lease
  await new Promise((r) => leader.child.once('exit', r));
  await eventually('the standby takes over', async () => sample(await standby.metrics(), 'cfund_relay_role{role="leader"}') === 1, 60_000);
  const after = await standby.metrics();
  t.equal(sample(after, 'cfund_relay_leaderships_total'), 1, 'its take-over is counted');
  t.equal(sample(after, 'cfund_relay_role{role="standby"}'), 0, 'and it is no standby any more');
  t.equal(sample(after, 'cfund_relay_failing_sessions'), 0, 'no failing sessions');
});
