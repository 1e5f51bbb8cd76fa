/**
 * `pnpm bench:instructions`: the instructions the command service runs per command, by kind, and
 * the minimal append service's per request (dist/bench/hello-server.js: Fastify, a JSON body, one
 * append through the client), both counted by valgrind's callgrind. Unlike CPU time on this shared
 * machine, an instruction count does not move with the load, so it is the figure to compare
 * between commits; the target is read as the ratio of the two.
 *
 * The embedded event store runs normally; the two services run under callgrind (about 50 times
 * slower), each with its counters zeroed before a phase and dumped after it (`callgrind_control`),
 * so a phase's count is everything the process ran meanwhile: the main thread's (the JavaScript)
 * apart, and all threads' (V8's compiles and GC helpers too, which land in whichever phase they
 * fall). Every claim takes one step of the lifecycle before any takes the next (as
 * bench:commands' "each kind on its own"), after an uncounted warm-up of the same steps. The
 * minimal service, cheap per request, gets a longer warm-up and phase of its own so that its
 * figure per request settles.
 *
 * BENCH_WARM_CLAIMS (default 16) warm-up claims, BENCH_CLAIMS (default 16) measured claims,
 * BENCH_IN_FLIGHT (default 4) requests in flight, BENCH_STEPS (default: the whole lifecycle, 13)
 * how many steps after filing (5: the claim-only kinds), BENCH_MINIMAL_WARM (default 4,000) and
 * BENCH_MINIMAL_REQUESTS (default 2,000) the minimal service's uncounted and counted requests,
 * BENCH_CALLGRIND_DIR=<dir> keeps the dumps there (one per phase and thread, for
 * callgrind_annotate) instead of in the run's temp directory. The ratio the target is written in:
 * `BENCH_STEPS=5 BENCH_WARM_CLAIMS=384 BENCH_CLAIMS=48` (docs/benchmarks.md: the one-append kinds
 * are still getting cheaper at 192 warm-up claims, not after 384).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BenchRun, HttpClient, InstructionCounter, RSD, mean, benchTokens, callgrindPrefix, fileBody, fmt, fundYearNow, lifecycleSteps, pool, report, requireBuilt,
  sendCommand, startEventStore, startService, storeCli, serviceMain, valgrindVersion, withProgress, type InstructionCount, type Tokens, runBench,
} from '@cfund/bench-kit';

const here = path.dirname(fileURLToPath(import.meta.url));
const helloServer = path.join(here, 'hello-server.js');

/**
 * Both services without V8's memory reducer: it starts a full GC on a wall-clock timer, so a phase
 * that lasts longer (as every phase does under callgrind) paid for one or not by chance (a phase of
 * the minimal service moved by 4% on its main thread and 31% on all threads with it, not without).
 * Production runs with it; the ratio compares the two services under the same flags.
 */
const NODE_FLAGS = ['--no-memory-reducer'];
const WARM_CLAIMS = Number(process.env.BENCH_WARM_CLAIMS ?? '16');
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? '16');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '4');
const STEPS = Number(process.env.BENCH_STEPS ?? String(lifecycleSteps().length));
// Its main-thread count per request fell from 657 k (after 1,000) to 538 k and 519 k (after 2,000
// and 3,000), and settled by 4,000 (both halves of the counted requests agree).
const MINIMAL_WARM = Number(process.env.BENCH_MINIMAL_WARM ?? '4000');
const MINIMAL_REQUESTS = Number(process.env.BENCH_MINIMAL_REQUESTS ?? '2000');
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? '1800000');
/** Under callgrind start-up alone takes tens of seconds. */
const READY_MS = 600_000;
/** Commands of one append to the claim's stream and nothing else: the kinds the target is for. */
const ONE_APPEND = new Set(['court ruling', 'ruling finality', 'enforcement failure', 'fund application', 'assessment', 'closure']);

const http = new HttpClient(IN_FLIGHT);
const per = (c: InstructionCount, n: number): InstructionCount => ({ mainThread: c.mainThread / n, allThreads: c.allThreads / n });
const settle = () => new Promise((r) => setTimeout(r, 500));

const appendPayload = (i: number): Record<string, unknown> => ({
  claimId: `c${i % 1000}`, amount: { amountMinor: 150_000 + i, currency: 'RSD' }, head: 'non-pecuniary',
  decidedOn: '2026-11-29', court: 'Higher Court in Belgrade', caseNumber: `K-${i}/26`, note: 'x'.repeat(80),
});

async function minimalRequests(port: number, count: number, label: string): Promise<void> {
  await withProgress(label, { total: count, unit: 'requests' }, (progress) => pool(Array.from({ length: count }, (_, i) => i), IN_FLIGHT, async (i) => {
    const r = await http.request(port, 'POST', '/append', undefined, appendPayload(i));
    if (r.status !== 200) throw new Error(`minimal append service answered ${r.status} ${r.text}`);
    progress.advance(1);
  }));
}

/**
 * `count` claims filed, then each step taken by all of them before the next. `around(name, work)`
 * wraps each kind's commands (the counting phase, or nothing in the warm-up).
 */
async function claimsByKind(port: number, tk: Tokens, count: number, first: number, label: string, around: (name: string, work: () => Promise<void>) => Promise<void>): Promise<void> {
  const ids: string[] = [];
  const kind = (name: string, op: (i: number) => Promise<void>) => around(name, () => withProgress(`${label}: ${name}`, { total: count, unit: 'commands' }, (progress) => pool(
    Array.from({ length: count }, (_, i) => i), IN_FLIGHT, async (i) => { await op(i); progress.advance(1); },
  )));
  await kind('file claim', async (i) => { ids[i] = (await sendCommand(http, port, 'file claim', '/claims', tk.lawyer, fileBody(first + i), 201)).claimId; });
  const seen = new Map<string, number>();
  for (const [name, p, who, body] of lifecycleSteps().slice(0, STEPS)) {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    await kind(n > 1 ? `${name} ${n}` : name, async (i) => { await sendCommand(http, port, name, `/claims/${ids[i]}/${p}`, tk[who], body, 200); });
  }
}

function commitOf(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command'), helloServer], 'tsc -b services/command packages/embedded-eventstore');
  const valgrind = await valgrindVersion();
  if (!valgrind) throw new Error('valgrind is missing (Debian/Ubuntu: apt-get install valgrind)');
  const run = new BenchRun('cmdinstr', DEADLINE_MS);
  const dumps = process.env.BENCH_CALLGRIND_DIR ? path.resolve(process.env.BENCH_CALLGRIND_DIR) : run.dir('callgrind');
  fs.mkdirSync(dumps, { recursive: true });
  process.stdout.write(`command service instructions (${valgrind}, node ${process.version} ${NODE_FLAGS.join(' ')}, commit ${commitOf()}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}: `
    + `${WARM_CLAIMS} warm-up claims, then ${CLAIMS} claims through ${1 + STEPS} kinds; the minimal service ${MINIMAL_WARM} warm-up requests, then ${MINIMAL_REQUESTS}; `
    + `${IN_FLIGHT} in flight)\n\n`);

  const store = await startEventStore(run);
  const serviceOut = path.join(dumps, 'service.out');
  const service = await startService(run, 'command', {
    connection: store.connection, prefix: callgrindPrefix(serviceOut), nodeFlags: NODE_FLAGS, readyTimeoutMs: READY_MS,
    // No timer-driven work during the phases: it would count with the commands. Each part of the
    // app starts about 50 times slower than without valgrind (the docs' more than 10 s).
    env: { RECONCILER_ENABLED: 'false', DOCUMENT_SWEEP_INTERVAL_MS: '0', HTTP_STARTUP_TIMEOUT_MS: String(READY_MS) },
  });
  const minimalOut = path.join(dumps, 'minimal.out');
  const helloEnv = { PATH: process.env.PATH, ESDB_CONNECTION_STRING: store.connection };
  const hello = await run.startNode([...NODE_FLAGS, helloServer], /hello ready on http:\/\/127\.0\.0\.1:(\d+)/, helloEnv, {
    prefix: callgrindPrefix(minimalOut), readyTimeoutMs: READY_MS,
  });
  const helloPort = Number(hello.match[1]);
  const tk = await benchTokens(run.dir('data'));
  if (STEPS > 5) {
    for (const year of [fundYearNow(), fundYearNow() + 1]) {
      const r = await http.request(service.port, 'POST', `/funds/RS/${year}/budget`, tk.admin, { amount: RSD(1_000_000_000_000) });
      if (r.status !== 200) throw new Error(`budget: ${r.status} ${r.text}`);
    }
  }

  const minimal = new InstructionCounter(hello.proc.pid!, minimalOut, helloEnv);
  await minimalRequests(helloPort, MINIMAL_WARM, 'minimal append service, warm-up');
  await settle();
  // Counted in two halves: if the second's count per request is still well below the first's, the
  // warm-up was too short (V8 still compiling the request's path).
  const firstHalf = Math.floor(MINIMAL_REQUESTS / 2);
  await minimal.zero();
  await minimalRequests(helloPort, firstHalf, 'minimal append service, first half');
  const first = await minimal.dump();
  await minimalRequests(helloPort, MINIMAL_REQUESTS - firstHalf, 'minimal append service, second half');
  await settle();
  const second = await minimal.dump();
  const minimalPer = per({ mainThread: first.mainThread + second.mainThread, allThreads: first.allThreads + second.allThreads }, MINIMAL_REQUESTS);
  const halves = [per(first, firstHalf), per(second, MINIMAL_REQUESTS - firstHalf)] as const;

  // startService's environment: HOST is the address it listens on.
  const counter = new InstructionCounter(service.proc.pid!, serviceOut, { HOST: '127.0.0.1' });
  await claimsByKind(service.port, tk, WARM_CLAIMS, 2_000_000, 'warm-up', (_name, work) => work());
  const kinds: { name: string; per: InstructionCount }[] = [];
  await claimsByKind(service.port, tk, CLAIMS, 3_000_000, 'counted', async (name, work) => {
    await settle();
    await counter.zero();
    await work();
    await settle();
    kinds.push({ name, per: per(await counter.dump(), CLAIMS) });
  });

  report('minimal append service, instructions per request: main thread; all threads', `${fmt(minimalPer.mainThread)}; ${fmt(minimalPer.allThreads)}`);
  report('  its first half; second half: main thread', `${fmt(halves[0].mainThread)}; ${fmt(halves[1].mainThread)}`);
  report('  its first half; second half: all threads', `${fmt(halves[0].allThreads)}; ${fmt(halves[1].allThreads)}`);
  process.stdout.write(`\n${'command'.padEnd(36)} ${'main thread'.padStart(13)} ${'x minimal'.padStart(9)} ${'all threads'.padStart(13)} ${'x minimal'.padStart(9)}\n`);
  for (const { name, per: c } of kinds) {
    process.stdout.write(`${name.padEnd(36)} ${fmt(c.mainThread).padStart(13)} ${fmt(c.mainThread / minimalPer.mainThread, 2).padStart(9)} `
      + `${fmt(c.allThreads).padStart(13)} ${fmt(c.allThreads / minimalPer.allThreads, 2).padStart(9)}\n`);
  }
  const oneAppend = kinds.filter((k) => ONE_APPEND.has(k.name));
  if (oneAppend.length > 0) {
    const range = (xs: number[], digits: number) => `${fmt(mean(xs), digits)} (${fmt(Math.min(...xs), digits)} to ${fmt(Math.max(...xs), digits)})`;
    process.stdout.write('\n');
    for (const thread of ['mainThread', 'allThreads'] as const) {
      const counts = oneAppend.map((k) => k.per[thread]);
      report(`one-append claim commands, ${thread === 'mainThread' ? 'main thread' : 'all threads'}: mean (min to max)`,
        `${range(counts, 0)}; x minimal ${range(counts.map((c) => c / minimalPer[thread]), 2)}`);
    }
  }
  process.stdout.write(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);

  await run.stop(hello.proc);
  await run.stop(service.proc);
  await run.stop(store.proc);
  http.destroy();
}

runBench(main);
