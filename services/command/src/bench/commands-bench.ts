/**
 * `pnpm bench:commands`: whole claim lifecycles through HTTP against the compiled command service,
 * with two references measured in the same run (the machine is shared and noisy, so only ratios
 * within one run count):
 *   - bare single-event appends/s through @eventstore/db-client, at the same concurrency, against
 *     the same embedded event store;
 *   - a Fastify hello-world's requests/s, driven by the same HTTP client at the same concurrency.
 * Every server is a child process (the store from its CLI with a durable data directory, the
 * service from dist/main.js, the hello-world from dist/bench/hello-server.js); this process is the
 * client. Rounds alternate appends, hello-world and lifecycles, three times. Loopback only; temp
 * directories and children are removed on exit, on failure and on a signal.
 *
 * BENCH_SCALE (default 1) scales the lifecycles per round; BENCH_ROUND_MS (default 3000) the
 * length of a reference round; BENCH_CPU_PROF=<dir> runs the service with --cpu-prof into <dir>;
 * BENCH_IN_FLIGHT (default 32) the concurrency of every round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import type { Role } from '@cfund/contracts';
import { jwtSecretPath, readJwtSecretFile, signToken } from '@cfund/service-kit';

const here = path.dirname(fileURLToPath(import.meta.url));
const serviceDir = path.resolve(here, '..', '..');
const repoRoot = path.resolve(serviceDir, '..', '..');
const storeCli = path.join(repoRoot, 'packages', 'embedded-eventstore', 'dist', 'cli.js');
const serviceMain = path.join(serviceDir, 'dist', 'main.js');
const helloServer = path.join(here, 'hello-server.js');

const scale = Number(process.env.BENCH_SCALE ?? '1');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '32');
const ROUNDS = 3;
const LIFECYCLES = Math.max(IN_FLIGHT, Math.round(128 * scale));
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? String(Math.max(1000, Math.round(3000 * Math.min(1, scale)))));
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** The whole run is bounded: past this, children are killed and the run fails. */
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? '600000');
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 50;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const report = (name: string, value: string): void => { process.stdout.write(`${name.padEnd(60)} ${value}\n`); };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

// ---- children -----------------------------------------------------------------------------

const children = new Set<ChildProcess>();
let root: string | undefined;

function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { process.stderr.write(`benchmark: ${signal}, cleaning up\n`); cleanup(); process.exit(130); });
}

/** Spawns `node <args>` and resolves with the child and the first match of `ready` in its stdout. */
function startChild(args: string[], ready: RegExp, env?: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...(env ? { env } : {}) });
  children.add(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${path.basename(args.at(-1)!)}: not ready after 30 s`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, match: m }); }
    });
    proc.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready`)); });
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  children.delete(proc);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** User + system CPU of a process so far, in ms (from /proc; undefined elsewhere). */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
  } catch {
    return undefined;
  }
}

// ---- HTTP client: node:http with a keep-alive agent, one socket per request in flight ---------

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function request(port: number, method: string, urlPath: string, token?: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, agent,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// ---- the workloads ----------------------------------------------------------------------------

/** Runs `worker` IN_FLIGHT times concurrently until `ms` elapse; returns operations per second. */
async function timedRound(ms: number, op: (w: number, i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  let n = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
    for (let i = 0; performance.now() - start < ms; i++) {
      await op(w, i);
      n++;
    }
  }));
  return n / ((performance.now() - start) / 1000);
}

const appendPayload = (i: number): Record<string, unknown> => ({
  claimId: `c${i % 1000}`, amount: { amountMinor: 150_000 + i, currency: 'RSD' }, head: 'non-pecuniary',
  decidedOn: '2026-11-29', court: 'Higher Court in Belgrade', caseNumber: `K-${i}/26`, note: 'x'.repeat(80),
});

async function bareAppendRound(client: EventStoreDBClient, ms: number): Promise<number> {
  const run = crypto.randomUUID();
  return timedRound(ms, async (w, i) => {
    await client.appendToStream(`bench-append-${run}-${w}`, jsonEvent({ type: 'BenchEvent', data: appendPayload(i), metadata: { actor: 'bench' } }));
  });
}

async function helloRound(port: number, ms: number): Promise<number> {
  return timedRound(ms, async () => {
    const r = await request(port, 'GET', '/');
    if (r.status !== 200) throw new Error(`hello-world answered ${r.status}`);
  });
}

const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });
const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

interface Tokens { lawyer: string; assessor: string; approver1: string; approver2: string; finance: string; admin: string }

/** One step of a lifecycle: its name (for the per-command table), path (after /claims/<id>/), who, body. */
type Step = [name: string, path: string, token: keyof Tokens, body: unknown];

const lifecycleSteps = (): Step[] => [
  ['court ruling', 'court-rulings', 'lawyer', {
    court: 'Higher Court in Belgrade', caseNumber: 'K-123/2025', decidedOn: day(-200), outcome: 'compensation-awarded',
    amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
  }],
  ['ruling finality', 'ruling-finality', 'lawyer', { finalOn: day(-170) }],
  ['enforcement failure', 'enforcement-failures', 'lawyer', { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: day(-60) }],
  ['fund application', 'fund-application', 'lawyer', { otherCompensationDeclared: [] }],
  ['assessment', 'assessment', 'assessor', { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] }],
  ['approval (first)', 'approvals', 'approver1', {}],
  ['approval (second, commits funds)', 'approvals', 'approver2', {}],
  ['decision notice', 'decision-notice', 'approver1', { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
  ['payout schedule', 'payout-schedule', 'finance', { instalments: 3, firstDueOn: day(0), intervalMonths: 1 }],
  ['disbursement', 'payouts/1/disbursement', 'finance', { paymentReference: 'PAY-1' }],
  ['disbursement', 'payouts/2/disbursement', 'finance', { paymentReference: 'PAY-2' }],
  ['disbursement', 'payouts/3/disbursement', 'finance', { paymentReference: 'PAY-3' }],
  ['closure', 'closure', 'finance', { reason: 'Paid in full.' }],
];

const fileBody = (n: number) => ({
  jurisdiction: 'RS', applicantRole: 'direct',
  victim: { fullName: `Bench Victim ${n}`, dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: day(-800),
  damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
});

const COMMANDS_PER_LIFECYCLE = 1 + lifecycleSteps().length;

/** The claim-only part of a lifecycle (filing to assessment): no approval, no ledger stream. */
const CLAIM_ONLY_STEPS = 5;

async function lifecycleRound(port: number, tk: Tokens, count: number, latencies: Map<string, number[]>, steps = lifecycleSteps().length): Promise<{ rate: number; all: number[] }> {
  const all: number[] = [];
  const timed = async (name: string, urlPath: string, token: string, body: unknown, expect: number): Promise<string> => {
    const t0 = performance.now();
    const r = await request(port, 'POST', urlPath, token, body);
    const ms = performance.now() - t0;
    if (r.status !== expect) throw new Error(`${name} (${urlPath}): ${r.status} ${r.text}`);
    all.push(ms);
    let list = latencies.get(name);
    if (!list) latencies.set(name, list = []);
    list.push(ms);
    return r.text;
  };
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, async () => {
    while (next < count) {
      const n = next++;
      const filed = JSON.parse(await timed('file claim', '/claims', tk.lawyer, fileBody(n), 201)) as { claimId: string };
      for (const [name, p, who, body] of lifecycleSteps().slice(0, steps)) await timed(name, `/claims/${filed.claimId}/${p}`, tk[who], body, 200);
    }
  }));
  return { rate: all.length / ((performance.now() - start) / 1000), all };
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`benchmark: still running after ${DEADLINE_MS / 1000} s; stopping\n`);
    cleanup();
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  for (const f of [storeCli, serviceMain, helloServer]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first (tsc -b services/command packages/embedded-eventstore)`);
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdbench-'));
  const dataDir = path.join(root, 'command');
  process.stdout.write(`command service benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: `
    + `${ROUNDS} rounds of ${LIFECYCLES} lifecycles x ${COMMANDS_PER_LIFECYCLE} commands and ${LIFECYCLES} x ${1 + CLAIM_ONLY_STEPS} claim-only, references ${ROUND_MS} ms, ${IN_FLIGHT} in flight)\n\n`);

  const store = await startChild([storeCli, '--data', path.join(root, 'store'), '--port', '0', '--host', '127.0.0.1'], /ready on (\S+):(\d+)/);
  const connection = `esdb://${store.match[1]}:${store.match[2]}?tls=false`;
  const port = await freePort();
  const service = await startChild([
    ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(CPU_PROF)] : []), serviceMain,
  ], /demo tokens/, {
    PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ESDB_CONNECTION_STRING: connection,
    ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
  });
  const hello = await startChild([helloServer], /hello ready on http:\/\/127\.0\.0\.1:(\d+)/);
  const helloPort = Number(hello.match[1]);

  // Tokens as `pnpm run token` makes them: the secret the service generated in DATA_DIR.
  const secret = await readJwtSecretFile(jwtSecretPath(dataDir));
  const token = (sub: string, role: Role) => signToken(secret, { sub, roles: [role], jurisdictions: ['RS'] });
  const tk: Tokens = {
    lawyer: await token('lawyer-1', 'lawyer'), assessor: await token('assessor-1', 'fund-assessor'),
    approver1: await token('approver-1', 'fund-approver'), approver2: await token('approver-2', 'fund-approver'),
    finance: await token('finance-1', 'fund-finance'), admin: await token('admin-1', 'fund-admin'),
  };
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Belgrade', year: 'numeric' }).format(new Date()));
  const budget = await request(port, 'POST', `/funds/RS/${year}/budget`, tk.admin, { amount: RSD(1_000_000_000_000_000) });
  if (budget.status !== 200) throw new Error(`budget: ${budget.status} ${budget.text}`);

  const client = EventStoreDBClient.connectionString(connection);
  await client.appendToStream('warm-up', jsonEvent({ type: 'W', data: {} }));
  // Warm-up of every path (JIT, connections), not counted.
  await bareAppendRound(client, 300);
  await helloRound(helloPort, 300);
  await lifecycleRound(port, tk, IN_FLIGHT, new Map());

  const appends: number[] = [];
  const hellos: number[] = [];
  const commands: number[] = [];
  const latencies = new Map<string, number[]>();
  const all: number[] = [];
  const claimOnly: number[] = [];
  const claimOnlyAll: number[] = [];
  const cpu = { service: 0, store: 0, bench: 0, ms: 0 };
  const claimCpu = { service: 0, store: 0, bench: 0, ms: 0 };
  const appendCpu = { service: 0, store: 0, bench: 0, ms: 0 };
  let appendCount = 0;
  /** Runs one round of lifecycles, adding the CPU each process used to `into`. */
  const measured = async (into: typeof cpu, run: () => Promise<{ rate: number; all: number[] }>) => {
    const before = { service: cpuMsOf(service.proc.pid), store: cpuMsOf(store.proc.pid), bench: process.cpuUsage(), t: performance.now() };
    const round = await run();
    const benchCpu = process.cpuUsage(before.bench);
    into.service += (cpuMsOf(service.proc.pid) ?? NaN) - (before.service ?? NaN);
    into.store += (cpuMsOf(store.proc.pid) ?? NaN) - (before.store ?? NaN);
    into.bench += (benchCpu.user + benchCpu.system) / 1000;
    into.ms += performance.now() - before.t;
    return round;
  };
  for (let r = 0; r < ROUNDS; r++) {
    const appendRound = await measured(appendCpu, async () => ({ rate: await bareAppendRound(client, ROUND_MS), all: [] }));
    appends.push(appendRound.rate);
    appendCount += appendRound.rate * (ROUND_MS / 1000);
    hellos.push(await helloRound(helloPort, ROUND_MS));
    const round = await measured(cpu, () => lifecycleRound(port, tk, LIFECYCLES, latencies));
    commands.push(round.rate);
    all.push(...round.all);
    const partial = await measured(claimCpu, () => lifecycleRound(port, tk, LIFECYCLES, new Map(), CLAIM_ONLY_STEPS));
    claimOnly.push(partial.rate);
    claimOnlyAll.push(...partial.all);
  }
  await client.dispose();
  const ledgerEvents = await countLedger(connection, year);

  const list = (xs: number[]) => `${fmt(mean(xs))}  [${xs.map((x) => fmt(x)).join(', ')}]`;
  report(`bare appends/s through the client, ${IN_FLIGHT} in flight (rounds)`, list(appends));
  report(`Fastify hello-world req/s, ${IN_FLIGHT} in flight (rounds)`, list(hellos));
  report(`commands/s, whole lifecycles, ${IN_FLIGHT} in flight (rounds)`, list(commands));
  all.sort((a, b) => a - b);
  const p99 = quantile(all, 0.99);
  report(`command latency p50 / p99 / max over ${fmt(all.length)} commands (ms)`, `${fmt(quantile(all, 0.5), 1)} / ${fmt(p99, 1)} / ${fmt(all.at(-1)!, 1)}`);
  const ratio = mean(commands) / mean(appends);
  report(`ratio commands/s / bare appends/s (target >= ${TARGET_RATIO})`, `${fmt(ratio, 2)}  ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'}`);
  report(`p99 < ${TARGET_P99_MS} ms`, `${p99 < TARGET_P99_MS ? 'yes' : 'NO'} (${fmt(p99, 1)} ms)`);
  report('ratio commands/s / hello-world req/s', fmt(mean(commands) / mean(hellos), 2));
  const per = (c: typeof cpu, n: number) => `${fmt((c.service * 1000) / n)} / ${fmt((c.store * 1000) / n)} / ${fmt((c.bench * 1000) / n)}`;
  const busy = (c: typeof cpu) => `${fmt(((c.service + c.store + c.bench) / c.ms) * 100)}%`;
  report('CPU per command, us: service / store / bench client', per(cpu, all.length));
  report(`CPU busy during lifecycle rounds (${os.cpus().length} cores = ${os.cpus().length * 100}%)`, busy(cpu));
  // What bounds the ratio when the cores are the limit: a command's CPU (all three processes)
  // against a bare append's (the store and the client; the service is idle then).
  report('CPU per bare append, us: store / bench client', `${fmt((appendCpu.store * 1000) / appendCount)} / ${fmt((appendCpu.bench * 1000) / appendCount)}`);
  const perCommand = (cpu.service + cpu.store + cpu.bench) / all.length;
  const perAppend = (appendCpu.store + appendCpu.bench) / appendCount;
  report('CPU of a command / CPU of a bare append (all processes)', fmt(perCommand / perAppend, 2));
  report(`CPU busy during bare-append rounds`, busy(appendCpu));
  report(`claim commands only (file to assessment, no ledger): commands/s`, list(claimOnly));
  claimOnlyAll.sort((a, b) => a - b);
  report('  their latency p50 / p99 (ms)', `${fmt(quantile(claimOnlyAll, 0.5), 1)} / ${fmt(quantile(claimOnlyAll, 0.99), 1)}`);
  report('  ratio claim commands/s / bare appends/s', fmt(mean(claimOnly) / mean(appends), 2));
  report('  CPU per command, us: service / store / bench client', per(claimCpu, claimOnlyAll.length));
  report('  CPU busy during these rounds', busy(claimCpu));
  report(`fund ledger stream fund-RS-${year} at the end (events)`, fmt(ledgerEvents));

  process.stdout.write(`\n${'command'.padEnd(36)} ${'count'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
  for (const [name, xs] of latencies) {
    xs.sort((a, b) => a - b);
    process.stdout.write(`${name.padEnd(36)} ${String(xs.length).padStart(7)} ${fmt(quantile(xs, 0.5), 1).padStart(8)} ${fmt(quantile(xs, 0.99), 1).padStart(8)}\n`);
  }

  await stopChild(hello.proc);
  await stopChild(service.proc);
  await stopChild(store.proc);
  agent.destroy();
}

async function countLedger(connection: string, year: number): Promise<number> {
  const client = EventStoreDBClient.connectionString(connection);
  let n = 0;
  for await (const e of client.readStream(`fund-RS-${year}`)) if (e.event) n++;
  await client.dispose();
  return n;
}

main().then(() => {
  cleanup();
  process.exit(0);
}, (err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  cleanup();
  process.exit(1);
});
