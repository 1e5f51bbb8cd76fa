/**
 * `pnpm bench:commands`: whole claim lifecycles through HTTP against the compiled command service,
 * with two references measured in the same run (the machine is shared and noisy, so only ratios
 * within one run count):
 *   - bare single-event appends/s through @eventstore/db-client, at the same concurrency, against
 *     the same embedded event store;
 *   - a Fastify hello-world's requests/s, driven by the same HTTP client at the same concurrency;
 *   - a minimal append service: Fastify taking a JSON body and appending it as one event through
 *     the client (no JWT, validation, state or decision): the most any command path on this
 *     stack can reach.
 * Every server is a child process (the store from its CLI with a durable data directory, the
 * service from dist/main.js, the hello-world from dist/bench/hello-server.js); this process is the
 * client. Rounds alternate appends, hello-world, the minimal append service and lifecycles, three times. Loopback only; temp
 * directories and children are removed on exit, on failure and on a signal.
 *
 * BENCH_SCALE (default 1) scales the lifecycles per round; BENCH_ROUND_MS (default 3000) the
 * length of a reference round; BENCH_CPU_PROF=<dir> runs the service with --cpu-prof into <dir>;
 * BENCH_SERVICE_NODE_OPTIONS the service's NODE_OPTIONS (say, a GC setting to compare);
 * BENCH_IN_FLIGHT (default 32) the concurrency of every round; BENCH_LOW_IN_FLIGHT (default 8; 0
 * skips them) that of a second claim-only round in each of the three, for the tail at low load.
 *
 * Around every claim-only round the service's own /metrics are read: its request-to-answer time
 * (so the client's latency splits into the service's part and the rest: sockets, the client, a
 * core to wait for), its GC pauses and its event-loop delay. With the cores busy, a closed loop's
 * mean latency is in-flight / throughput (Little's law); the tail is read against that mean.
 *
 * Then each command kind on its own (BENCH_KIND_CLAIMS claims, default 256 x scale): every claim
 * takes one step of the lifecycle before any takes the next, so the CPU each process used during
 * a step is that kind's alone. Printed per kind as a multiple of the CPU the minimal append service
 * and the store spend on one bare append measured in the same run: the figure the command path's
 * target is proposed in (docs/benchmarks.md), since whole-lifecycle commands/s mixes a 1 ms claim
 * command with a letter of 15-60 ms.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { fundStream } from '@cfund/contracts';
import {
  BenchRun, CLAIM_ONLY_STEPS, COMMANDS_PER_LIFECYCLE, HttpClient, allocateLargeBudget, benchTokens, cpuMsOf, fileBody, fmt, fundYearNow, lifecycleSteps,
  histogramDiff, histogramOf, histogramQuantile, mean, pool, quantile, report, requireBuilt, runLifecycles, sampleSum, scrapeMetrics, sendCommand, startEventStore,
  startService, storeCli, serviceMain, withProgress, type HistogramReading, type Tokens, runBench,
} from '@cfund/bench-kit';

const here = path.dirname(fileURLToPath(import.meta.url));
const helloServer = path.join(here, 'hello-server.js');

const scale = Number(process.env.BENCH_SCALE ?? '1');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '32');
const LOW_IN_FLIGHT = Number(process.env.BENCH_LOW_IN_FLIGHT ?? '8');
const ROUNDS = 3;
const LIFECYCLES = Math.max(IN_FLIGHT, Math.round(128 * scale));
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? String(Math.max(1000, Math.round(3000 * Math.min(1, scale)))));
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** The whole run is bounded: past this, children are killed and the run fails. */
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? '600000');
const KIND_CLAIMS = Number(process.env.BENCH_KIND_CLAIMS ?? String(Math.max(IN_FLIGHT, Math.round(256 * scale))));
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 50;

const http = new HttpClient(IN_FLIGHT);

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

async function minimalAppendRound(port: number, ms: number): Promise<number> {
  return timedRound(ms, async (_w, i) => {
    const r = await http.request(port, 'POST', '/append', undefined, appendPayload(i));
    if (r.status !== 200) throw new Error(`minimal append service answered ${r.status} ${r.text}`);
  });
}

async function helloRound(port: number, ms: number): Promise<number> {
  return timedRound(ms, async () => {
    const r = await http.request(port, 'GET', '/');
    if (r.status !== 200) throw new Error(`hello-world answered ${r.status}`);
  });
}

/** Lifecycles (or their first `steps` steps) with IN_FLIGHT in flight: commands/s, every latency, latencies by command. */
async function lifecycleRound(
  port: number, tk: Tokens, count: number, latencies: Map<string, number[]>, steps?: number, inFlight = IN_FLIGHT,
): Promise<{ rate: number; all: number[] }> {
  const commands = count * (1 + (steps ?? COMMANDS_PER_LIFECYCLE - 1));
  const label = `${steps === undefined ? 'lifecycles' : 'claim-only lifecycles'}${inFlight === IN_FLIGHT ? '' : `, ${inFlight} in flight`}`;
  const result = await withProgress(label, { total: commands, unit: 'commands' }, (progress) => runLifecycles({
    http, port, tk, count, inFlight, ...(steps === undefined ? {} : { steps }),
    onCommand: (c) => {
      progress.advance(1);
      let list = latencies.get(c.name);
      if (!list) latencies.set(c.name, list = []);
      list.push(c.ms);
    },
  }));
  return { rate: result.rate, all: result.timings.map((c) => c.ms) };
}

/** What the service's own /metrics say about a set of rounds (differences of readings around each). */
interface ServiceWindow { requests?: HistogramReading; gcMs: Record<'minor' | 'major' | 'other', number>; gcCount: number; loopP99Ms: number; loopMaxMs: number; ms: number }
const serviceWindow = (): ServiceWindow => ({ gcMs: { minor: 0, major: 0, other: 0 }, gcCount: 0, loopP99Ms: 0, loopMaxMs: 0, ms: 0 });
const GC = 'cfund_nodejs_gc_duration_seconds';

/**
 * Runs `round`, adding to `into` what the service's /metrics changed by: its time from request to
 * answer for POSTs (the claim-only rounds send nothing else), GC by kind, and the event-loop
 * delay (prom-client's monitor is reset by each scrape, so the reading after covers the round).
 */
async function watchService<T>(port: number, into: ServiceWindow, round: () => Promise<T>): Promise<T> {
  const before = await scrapeMetrics(port);
  const t0 = performance.now();
  const result = await round();
  into.ms += performance.now() - t0;
  const after = await scrapeMetrics(port);
  const posts = histogramDiff(histogramOf(after, 'cfund_http_request_duration_seconds', { method: 'POST' }), histogramOf(before, 'cfund_http_request_duration_seconds', { method: 'POST' }));
  into.requests = into.requests === undefined ? posts : {
    buckets: posts.buckets.map(([le, c]) => [le, c + (into.requests!.buckets.find(([b]) => b === le)?.[1] ?? 0)]),
    count: posts.count + into.requests.count, sum: posts.sum + into.requests.sum,
  };
  const gcMs = (text: string, kind?: string) => sampleSum(text, `${GC}_sum`, kind ? { kind } : {}) * 1000;
  const minor = gcMs(after, 'minor') - gcMs(before, 'minor');
  const major = gcMs(after, 'major') - gcMs(before, 'major');
  into.gcMs.minor += minor;
  into.gcMs.major += major;
  into.gcMs.other += gcMs(after) - gcMs(before) - minor - major;
  into.gcCount += sampleSum(after, `${GC}_count`) - sampleSum(before, `${GC}_count`);
  into.loopP99Ms = Math.max(into.loopP99Ms, sampleSum(after, 'cfund_nodejs_eventloop_lag_p99_seconds') * 1000);
  into.loopMaxMs = Math.max(into.loopMaxMs, sampleSum(after, 'cfund_nodejs_eventloop_lag_max_seconds') * 1000);
  return result;
}

/** The claim-only figures the p99 target is read with, at one concurrency. */
function reportClaimTail(inFlight: number, rates: number[], byKind: Map<string, number[]>, service: ServiceWindow): void {
  const all = [...byKind.values()].flat().sort((a, b) => a - b);
  const kinds = (names: (n: string) => boolean) => [...byKind].filter(([n]) => names(n)).flatMap(([, xs]) => xs).sort((a, b) => a - b);
  const filing = kinds((n) => n === 'file claim');
  const rest = kinds((n) => n !== 'file claim');
  const p50 = quantile(all, 0.5);
  const p99 = quantile(all, 0.99);
  // Over the rounds' whole time (a slow round weighs by its length, as in the measured mean).
  const little = (inFlight * service.ms) / all.length;
  const ms = (xs: number[]) => `${fmt(quantile(xs, 0.5), 1)} / ${fmt(quantile(xs, 0.99), 1)}`;
  report(`claim commands only, ${inFlight} in flight: commands/s (rounds)`, `${fmt(mean(rates))}  [${rates.map((x) => fmt(x)).join(', ')}]`);
  report(`  latency p50 / p99 / max over ${fmt(all.length)} commands (ms)`, `${ms(all)} / ${fmt(all.at(-1)!, 1)}`);
  report('  mean latency: by Little\'s law (in flight / commands/s) / measured (ms)', `${fmt(little, 1)} / ${fmt(mean(all), 1)}`);
  report('  p99 / p50; p99 / Little\'s-law mean', `${fmt(p99 / p50, 2)}; ${fmt(p99 / little, 2)}`);
  report('  filing p50 / p99; the other five kinds p50 / p99 (ms)', `${ms(filing)}; ${ms(rest)}`);
  if (service.requests && service.requests.count > 0) {
    const q = (x: number) => histogramQuantile(service.requests!, x);
    const bucket = (b: [number, number]) => `${fmt(b[0] * 1000)}-${Number.isFinite(b[1]) ? fmt(b[1] * 1000) : 'inf'}`;
    report('  the service\'s own time, request to answer: mean; p50 / p99 (ms, bucket)',
      `${fmt((service.requests.sum / service.requests.count) * 1000, 1)}; ${fmt(q(0.5).value * 1000, 1)} (${bucket(q(0.5).bucket)}) / ${fmt(q(0.99).value * 1000, 1)} (${bucket(q(0.99).bucket)})`);
  }
  report('  the service\'s GC: pauses; ms minor / major / other; share of the time',
    `${fmt(service.gcCount)}; ${fmt(service.gcMs.minor)} / ${fmt(service.gcMs.major)} / ${fmt(service.gcMs.other)}; ${fmt(((service.gcMs.minor + service.gcMs.major + service.gcMs.other) / service.ms) * 100, 1)}%`);
  report('  the service\'s event-loop delay p99 / max, worst round (ms)', `${fmt(service.loopP99Ms, 1)} / ${fmt(service.loopMaxMs, 1)}`);
  report(`  p99 < ${TARGET_P99_MS} ms`, `${p99 < TARGET_P99_MS ? 'yes' : 'NO'} (${fmt(p99, 1)} ms)`);
}

interface KindFigures { name: string; count: number; serviceUs: number; storeUs: number; p50: number; p99: number }

/**
 * Every command kind of a lifecycle on its own: KIND_CLAIMS claims filed, then each step taken by
 * all of them before the next. `cpuOf` gives the service's and the store's CPU so far (ms).
 */
async function perKindPhase(port: number, tk: Tokens, cpuOf: () => { service: number; store: number }): Promise<KindFigures[]> {
  const figures: KindFigures[] = [];
  const claimIds: string[] = [];
  const measure = async (name: string, op: (i: number) => Promise<number>) => {
    const ms: number[] = [];
    const before = cpuOf();
    await withProgress(`kind: ${name}`, { total: KIND_CLAIMS, unit: 'commands' }, (progress) => pool(Array.from({ length: KIND_CLAIMS }, (_, i) => i), IN_FLIGHT, async (i) => {
      ms.push(await op(i));
      progress.advance(1);
    }));
    const after = cpuOf();
    ms.sort((a, b) => a - b);
    figures.push({
      name, count: ms.length, serviceUs: ((after.service - before.service) * 1000) / ms.length, storeUs: ((after.store - before.store) * 1000) / ms.length,
      p50: quantile(ms, 0.5), p99: quantile(ms, 0.99),
    });
  };
  await measure('file claim', async (i) => {
    const filed = await sendCommand(http, port, 'file claim', '/claims', tk.lawyer, fileBody(1_000_000 + i), 201);
    claimIds[i] = filed.claimId;
    return filed.ms;
  });
  const seen = new Map<string, number>();
  for (const [name, p, who, body] of lifecycleSteps()) {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    await measure(n > 1 ? `${name} ${n}` : name, async (i) => (await sendCommand(http, port, name, `/claims/${claimIds[i]}/${p}`, tk[who], body, 200)).ms);
  }
  return figures;
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command'), helloServer], 'tsc -b services/command packages/embedded-eventstore');
  const run = new BenchRun('cmdbench', DEADLINE_MS);
  process.stdout.write(`command service benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: `
    + `${ROUNDS} rounds of ${LIFECYCLES} lifecycles x ${COMMANDS_PER_LIFECYCLE} commands and ${LIFECYCLES} x ${1 + CLAIM_ONLY_STEPS} claim-only, references ${ROUND_MS} ms, ${IN_FLIGHT} in flight)\n\n`);
  const store = await startEventStore(run);
  const connection = store.connection;
  const service = await startService(run, 'command', {
    connection, ...(CPU_PROF ? { cpuProfDir: CPU_PROF } : {}),
    env: {
      ...(process.env.LETTER_RENDER_WORKERS ? { LETTER_RENDER_WORKERS: process.env.LETTER_RENDER_WORKERS } : {}),
      // Node's flags for the service alone (e.g. V8's GC sizes), not for this client.
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
    },
  });
  const port = service.port;
  const hello = await run.startNode([helloServer], /hello ready on http:\/\/127\.0\.0\.1:(\d+)/, { PATH: process.env.PATH, ESDB_CONNECTION_STRING: connection });
  const helloPort = Number(hello.match[1]);
  const tk = await benchTokens(run.dir('data'));
  await allocateLargeBudget(http, port, tk);
  const year = fundYearNow();

  const client = EventStoreDBClient.connectionString(connection);
  await client.appendToStream('warm-up', jsonEvent({ type: 'W', data: {} }));
  // Warm-up of every path (JIT, connections), not counted.
  await bareAppendRound(client, 300);
  await helloRound(helloPort, 300);
  await minimalAppendRound(helloPort, 300);
  await lifecycleRound(port, tk, IN_FLIGHT, new Map());

  const appends: number[] = [];
  const hellos: number[] = [];
  const minimal: number[] = [];
  const commands: number[] = [];
  const latencies = new Map<string, number[]>();
  const all: number[] = [];
  const claimOnly: number[] = [];
  const claimOnlyAll: number[] = [];
  const claimOnlyByKind = new Map<string, number[]>();
  const claimOnlyService = serviceWindow();
  const claimOnlyLow: number[] = [];
  const claimOnlyLowByKind = new Map<string, number[]>();
  const claimOnlyLowService = serviceWindow();
  const cpu = { service: 0, store: 0, bench: 0, ms: 0 };
  const claimCpu = { service: 0, store: 0, bench: 0, ms: 0 };
  const appendCpu = { service: 0, store: 0, bench: 0, ms: 0 };
  let appendCount = 0;
  /** The minimal append service's own CPU over its rounds (ms) and the requests it answered. */
  const minimalCpu = { ms: 0, count: 0 };
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
    const minimalBefore = cpuMsOf(hello.proc.pid) ?? NaN;
    const minimalRate = await minimalAppendRound(helloPort, ROUND_MS);
    minimal.push(minimalRate);
    minimalCpu.ms += (cpuMsOf(hello.proc.pid) ?? NaN) - minimalBefore;
    minimalCpu.count += minimalRate * (ROUND_MS / 1000);
    const round = await measured(cpu, () => lifecycleRound(port, tk, LIFECYCLES, latencies));
    commands.push(round.rate);
    all.push(...round.all);
    const partial = await measured(claimCpu, () => watchService(port, claimOnlyService, () => lifecycleRound(port, tk, LIFECYCLES, claimOnlyByKind, CLAIM_ONLY_STEPS)));
    claimOnly.push(partial.rate);
    claimOnlyAll.push(...partial.all);
    if (LOW_IN_FLIGHT > 0) {
      // Fewer lifecycles at low concurrency, so the round lasts about as long as the one above.
      const low = await watchService(port, claimOnlyLowService, () => lifecycleRound(
        port, tk, Math.max(LOW_IN_FLIGHT, Math.round((LIFECYCLES * LOW_IN_FLIGHT) / IN_FLIGHT)), claimOnlyLowByKind, CLAIM_ONLY_STEPS, LOW_IN_FLIGHT,
      ));
      claimOnlyLow.push(low.rate);
    }
  }
  // The unit of the per-kind table is measured right before and after it (the machine's load
  // changes by the minute, and CPU per request with it), with the rounds' figure for reference.
  const minimalAround = { ms: 0, count: 0 };
  const minimalCpuRound = async () => {
    const before = cpuMsOf(hello.proc.pid) ?? NaN;
    const rate = await minimalAppendRound(helloPort, ROUND_MS);
    minimalAround.ms += (cpuMsOf(hello.proc.pid) ?? NaN) - before;
    minimalAround.count += rate * (ROUND_MS / 1000);
  };
  let kinds: KindFigures[] = [];
  if (KIND_CLAIMS > 0) {
    await minimalCpuRound();
    kinds = await perKindPhase(port, tk, () => ({ service: cpuMsOf(service.proc.pid) ?? NaN, store: cpuMsOf(store.proc.pid) ?? NaN }));
    await minimalCpuRound();
  }
  await client.dispose();
  const ledgerEvents = await countLedger(connection, year);

  const list = (xs: number[]) => `${fmt(mean(xs))}  [${xs.map((x) => fmt(x)).join(', ')}]`;
  report(`bare appends/s through the client, ${IN_FLIGHT} in flight (rounds)`, list(appends));
  report(`Fastify hello-world req/s, ${IN_FLIGHT} in flight (rounds)`, list(hellos));
  report(`minimal append service req/s, ${IN_FLIGHT} in flight (rounds)`, list(minimal));
  report('ratio minimal append service / bare appends (the stack\'s ceiling)', fmt(mean(minimal) / mean(appends), 2));
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
  report('  ratio claim commands/s / bare appends/s', fmt(mean(claimOnly) / mean(appends), 2));
  report('  CPU per command, us: service / store / bench client', per(claimCpu, claimOnlyAll.length));
  report('  CPU busy during these rounds', busy(claimCpu));
  report(`fund ledger stream fund-RS-${year} at the end (events)`, fmt(ledgerEvents));
  report('minimal append service CPU per request, us: during the rounds', fmt((minimalCpu.ms * 1000) / minimalCpu.count));
  process.stdout.write('\nthe claim commands\' tail (file to assessment, no ledger)\n');
  reportClaimTail(IN_FLIGHT, claimOnly, claimOnlyByKind, claimOnlyService);
  if (LOW_IN_FLIGHT > 0) reportClaimTail(LOW_IN_FLIGHT, claimOnlyLow, claimOnlyLowByKind, claimOnlyLowService);

  const minimalUs = (minimalAround.ms * 1000) / minimalAround.count;
  const storeAppendUs = (appendCpu.store * 1000) / appendCount;
  if (kinds.length) {
    process.stdout.write(`\neach kind on its own (${fmt(KIND_CLAIMS)} claims, ${IN_FLIGHT} in flight); the units: the minimal append service's CPU per request just before and after `
      + `(${fmt(minimalUs)} us) and the store's CPU per bare append (${fmt(storeAppendUs)} us), same run\n`);
    process.stdout.write(`${'command'.padEnd(36)} ${'service us'.padStart(10)} ${'x minimal'.padStart(9)} ${'store us'.padStart(9)} ${'x append'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
    for (const k of kinds) {
      process.stdout.write(`${k.name.padEnd(36)} ${fmt(k.serviceUs).padStart(10)} ${fmt(k.serviceUs / minimalUs, 1).padStart(9)} ${fmt(k.storeUs).padStart(9)} `
        + `${fmt(k.storeUs / storeAppendUs, 1).padStart(8)} ${fmt(k.p50, 1).padStart(8)} ${fmt(k.p99, 1).padStart(8)}\n`);
    }
  }

  process.stdout.write(`\n${'command'.padEnd(36)} ${'count'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
  for (const [name, xs] of latencies) {
    xs.sort((a, b) => a - b);
    process.stdout.write(`${name.padEnd(36)} ${String(xs.length).padStart(7)} ${fmt(quantile(xs, 0.5), 1).padStart(8)} ${fmt(quantile(xs, 0.99), 1).padStart(8)}\n`);
  }

  await run.stop(hello.proc);
  await run.stop(service.proc);
  await run.stop(store.proc);
  http.destroy();
}

async function countLedger(connection: string, year: number): Promise<number> {
  const client = EventStoreDBClient.connectionString(connection);
  let n = 0;
  for await (const e of client.readStream(fundStream('RS', year))) if (e.event) n++;
  await client.dispose();
  return n;
}

runBench(main);
