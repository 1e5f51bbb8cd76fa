/** The system's servers started as `npm start` starts them, each a child process of a BenchRun. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { type NatsCluster, type NatsCredentials, type NatsPermissions, SERVICE_NATS_PERMISSIONS, freePort, startNatsCluster, startNatsServer } from '@cfund/infra';
import type { BenchRun } from './children.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
export const storeCli = path.join(repoRoot, 'packages', 'embedded-eventstore', 'dist', 'cli.js');
export const serviceMain = (service: 'command' | 'projection' | 'notification'): string => path.join(repoRoot, 'services', service, 'dist', 'main.js');

/** Fails early with the build command when a compiled entry point is missing. */
export function requireBuilt(files: readonly string[], build: string): void {
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first (${build})`);
}

export interface Server {
  proc: ChildProcess;
  port: number;
}

/**
 * The embedded event store with a durable data directory under the run's root. Insecure (no
 * TLS, no credentials), unlike `npm start`: the benchmarks measure the store and the services,
 * and their recorded figures (docs/benchmarks.md) were taken without TLS.
 */
export async function startEventStore(run: BenchRun, extraArgs: string[] = [], name = 'store'): Promise<{ proc: ChildProcess; connection: string }> {
  const s = await run.startNode([storeCli, '--data', run.dir(name), '--port', '0', '--host', '127.0.0.1', '--insecure', ...extraArgs], /ready on (\S+):(\d+)/);
  return { proc: s.proc, connection: `esdb://${s.match[1]}:${s.match[2]}?tls=false` };
}

/** The users of each NATS started here, by URL: startService passes a service its own. */
const natsUsers = new Map<string, Record<string, NatsCredentials>>();

/** The services' users, and `bench` (may subscribe to anything, to watch events). */
const BENCH_NATS_USERS = { ...SERVICE_NATS_PERMISSIONS, bench: { publish: ['_INBOX.>'], subscribe: ['>'] } };

/** nats-server with the services' users and `bench`. */
export async function startNats(run: BenchRun, name = 'nats'): Promise<{ url: string; pid: number }> {
  const nats = await startNatsServer({ dataDir: run.dir(name), users: BENCH_NATS_USERS });
  run.onCleanup(() => { try { process.kill(nats.pid, 'SIGKILL'); } catch { /* gone */ } });
  natsUsers.set(nats.url, nats.credentials);
  return { url: nats.url, pid: nats.pid };
}

/**
 * A three-node JetStream cluster (nats-server processes on loopback, as in production's cluster
 * material) with the users of startNats, and `users` (e.g. a test's, to inspect the streams). `url` lists every node, as NATS_URL does for a service,
 * which then fails over between them; give services NATS_STREAM_REPLICAS=3.
 */
export async function startNatsClusterOf(run: BenchRun, options: { name?: string; users?: Record<string, NatsPermissions> } = {}): Promise<{ url: string; cluster: NatsCluster }> {
  const cluster = await startNatsCluster({ dataDir: run.dir(options.name ?? 'nats-cluster'), users: { ...BENCH_NATS_USERS, ...options.users } });
  run.onCleanup(() => { for (const n of cluster.nodes) try { n.server?.process.kill('SIGKILL'); } catch { /* gone */ } });
  const url = cluster.urls.join(',');
  natsUsers.set(url, cluster.credentials);
  return { url, cluster };
}

/** Credentials of `user` on a NATS started by startNats or startNatsClusterOf (none for another server). */
export function natsCredentials(natsUrl: string, user: string): { user?: string; pass?: string } {
  return { ...natsUsers.get(natsUrl)?.[user] };
}

/**
 * A DATA_DIR of its own for a second instance of a service (`name` under the run's root), with
 * the secrets and the victims' key store of `of` linked in: the instances of one system share
 * those (production passes them through configuration and KEY_STORE=nats), while each
 * projection keeps its own read model. Returns `name`, for startService's `dataDir`.
 */
export function instanceDataDir(run: BenchRun, name: string, of = 'data'): string {
  fs.mkdirSync(run.dir(name, 'command'), { recursive: true });
  fs.symlinkSync(run.dir(of, 'secrets'), run.dir(name, 'secrets'));
  fs.symlinkSync(run.dir(of, 'command', 'keystore'), run.dir(name, 'command', 'keystore'));
  return name;
}

/**
 * A service from its dist/main.js, sharing DATA_DIR (secrets, key store) with the others. With
 * `natsUrl`, the command service hosts the relay and the other services consume.
 */
export async function startService(run: BenchRun, service: 'command' | 'projection' | 'notification', options: {
  connection: string; natsUrl?: string; cpuProfDir?: string; env?: Record<string, string>;
  /** A command node runs under (e.g. callgrindPrefix); the process is then that command's. */
  prefix?: string[];
  /** Flags for node itself (e.g. V8's `--no-memory-reducer`), before the service's script. */
  nodeFlags?: string[];
  /** DATA_DIR under the run's root (default `data`, shared by the services of one system). */
  dataDir?: string;
  /** How long /ready may take (default 30 s; a projection rebuilding a big store takes longer). */
  readyTimeoutMs?: number;
}): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: run.dir(options.dataDir ?? 'data'), LOG_LEVEL: 'warn',
    ESDB_CONNECTION_STRING: options.connection,
    // A benchmark is one client at thousands of requests/s with a few principals: no rate limits.
    RATE_LIMIT_PER_ADDRESS: '0', RATE_LIMIT_PER_PRINCIPAL: '0',
    ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
    ...(options.natsUrl && natsUsers.get(options.natsUrl)?.[service]
      ? { NATS_USER: service, NATS_PASSWORD: natsUsers.get(options.natsUrl)?.[service]?.pass } : {}),
    ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
    ...options.env,
  };
  const args = [...options.nodeFlags ?? [], ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(options.cpuProfDir)] : []), serviceMain(service)];
  const proc = run.spawnNode(args, env, options.prefix);
  proc.stdout!.resume();
  await waitUntilReady(proc, port, service, options.readyTimeoutMs ?? 30_000);
  return { proc, port };
}

/** Polls GET /ready until it answers 200 (until `timeoutMs`, or until the process exits). */
async function waitUntilReady(proc: ChildProcess, port: number, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} service exited (${proc.exitCode ?? proc.signalCode}) before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} service: not ready after ${timeoutMs / 1000} s`);
}
