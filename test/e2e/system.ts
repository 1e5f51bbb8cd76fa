/**
 * The whole system for end-to-end tests, as `npm start` runs it: the event store and nats-server
 * of a test environment (both with TLS and users), and the three services as child processes from their compiled
 * `dist/main.js`, each as its own event store and NATS user, sharing one DATA_DIR (secrets, key
 * store), each logging to its own file. With `instances: 2`, two of each, as on several hosts:
 * each instance its own DATA_DIR (sharing only the secrets), durable consumer and name, the
 * victims' keys and the documents in NATS (KEY_STORE=nats, DOCUMENT_STORE=nats).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { Jurisdiction, Role } from '@cfund/contracts';
import { jwtSecretPath, readJwtSecretFile, signToken } from '@cfund/service-kit';
import { eventually, freePort, startTestEnvironment, type TestEnvironment } from '@cfund/test-support';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVICES = ['command', 'projection', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface RunningSystem {
  env: TestEnvironment;
  dataDir: string;
  logDir: string;
  /** The first instance of each service. */
  url: Record<ServiceName, string>;
  /** Every instance of each service. */
  urls: Record<ServiceName, string[]>;
  token(sub: string, role: Role, jurisdictions?: Jurisdiction[]): Promise<string>;
  /** Stops every service gracefully (SIGTERM) and waits for it to exit. */
  stopServices(): Promise<void>;
  logs(): Promise<string>;
}

/** Starts the system, or returns the reason it cannot run here (for t.skip). */
export interface SystemOptions {
  logLevel?: string;
  /** Every service's environment. */
  env?: Record<string, string>;
  instances?: number;
  /** One instance's environment besides `env` (instance `n` of `service`, from 1). */
  envOf?: (service: ServiceName, n: number) => Record<string, string>;
}

export async function startSystem(t: Test, options: SystemOptions = {}): Promise<RunningSystem | { skipped: string }> {
  const instances = options.instances ?? 1;
  execFileSync('pnpm', ['exec', 'tsc', '-b', ...SERVICES.map((s) => `services/${s}`)], { cwd: repoRoot, stdio: 'inherit' });
  // NATS over TLS, as `npm start` runs it (the event store speaks TLS by default).
  const env = await startTestEnvironment({ natsTls: true });
  if (env.skipped !== undefined) return { skipped: env.skipped };
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-system-'));
  const logDir = join(dataDir, 'logs');
  const children = new Map<string, ChildProcess>();
  t.teardown(async () => {
    for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const url = {} as Record<ServiceName, string>;
  const urls = Object.fromEntries(SERVICES.map((s) => [s, []])) as unknown as Record<ServiceName, string[]>;
  const names: string[] = [];
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  const start = async (service: ServiceName, n: number) => {
    const name = instances === 1 ? service : `${service}-${n}`;
    names.push(name);
    let home = dataDir;
    if (n > 1) {
      // Another host: a DATA_DIR of its own, the same secrets.
      home = join(dataDir, 'instances', name);
      await mkdir(home, { recursive: true, mode: 0o700 });
      await symlink(join(dataDir, 'secrets'), join(home, 'secrets'));
    }
    const perInstance: Record<string, string> = instances === 1 ? {} : {
      KEY_STORE: 'nats', DOCUMENT_STORE: 'nats', PROJECTION_DURABLE: name, NOTIFICATION_DURABLE: name, NOTIFICATION_INSTANCE: name,
    };
    const port = await freePort();
    if (n === 1) url[service] = `http://127.0.0.1:${port}`;
    urls[service].push(`http://127.0.0.1:${port}`);
    const log = createWriteStream(join(logDir, `${name}.log`), { mode: 0o600 }); // logs are data too: private
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: join(repoRoot, 'services', service),
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: home, LOG_LEVEL: options.logLevel ?? 'debug',
        // Each service as its own least-privileged user, as npm start runs it.
        ESDB_CONNECTION_STRING: await env.esdbConnectionStringFor(service), ...env.natsEnv(service), ...perInstance, ...options.env, ...options.envOf?.(service, n),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    children.set(name, child);
    // 90 s: a service starts in a few seconds, but much longer beside other suites on two busy cores.
    await eventually(`${name} ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: see ${join(logDir, `${name}.log`)}`);
      return (await fetch(`${urls[service][n - 1]}/ready`)).status === 200;
    }, 90_000).catch(async (error: Error) => {
      const tail = (await readFile(join(logDir, `${name}.log`), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      throw new Error(`${error.message}\n${name}'s last log lines:\n${tail}`);
    });
  };
  // The first command service creates the secrets the others read: start it alone, the others after.
  await start('command', 1);
  for (const service of SERVICES.slice(1)) await start(service, 1);
  // Further instances at once: they find everything they share made.
  const more = Array.from({ length: instances - 1 }, (_, i) => SERVICES.map((service) => [service, i + 2] as const)).flat();
  await Promise.all(more.map(([service, n]) => start(service, n)));
  const secret = await readJwtSecretFile(jwtSecretPath(dataDir));
  return {
    env, dataDir, logDir, url, urls,
    token: (sub, role, jurisdictions = ['RS']) => signToken(secret, { sub, roles: [role], jurisdictions }),
    async stopServices() {
      await Promise.all([...children.values()].map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }));
    },
    async logs() {
      const texts = await Promise.all(names.map((s) => readFile(join(logDir, `${s}.log`), 'utf8').catch(() => '')));
      return texts.join('\n');
    },
  };
}

export async function call(base: string, method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, text: await r.text() };
}
