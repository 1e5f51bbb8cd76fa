/**
 * `pnpm bench:cluster`: the system on a three-node NATS JetStream cluster (nats-server processes
 * on loopback, every stream with three replicas), with one, then two instances of the command
 * and the projection services, in the same run. Each is a child process started as in production
 * (compiled `dist/main.js`); the embedded event store runs from its CLI with a durable data
 * directory; this process is the HTTP client.
 *
 * Load: claim lifecycles from filing to assessment (6 commands each, the claim streams only: the
 * fund-year ledger is one stream per year and would serialise the instances on purpose), IN_FLIGHT
 * in flight, each worker sending to one command instance in turn. Per configuration ROUNDS rounds:
 * - commands/s, with latency p50 / p99;
 * - projection lag p50 / p99 of each projection: from an event's commit in the event store to its
 *   commit in that projection's read model (its histogram `cfund_projection_apply_lag_seconds`,
 *   read before and after the round, once every claim of the round is visible in it);
 * - CPU per command of each process (from /proc), to reason about scaling on a real cluster.
 * Every instance of the second configuration is a process of its own: the command instances
 * share the event store (the revision check protects each write) and one relay runs (a lease in
 * NATS KV); each projection keeps its own read model and durable consumer (PROJECTION_DURABLE).
 *
 * BENCH_SCALE (default 1) scales the lifecycles per round (192); BENCH_IN_FLIGHT (32);
 * BENCH_ROUNDS (3); BENCH_DEADLINE_MS (900 s).
 */
import os from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'nats';
import {
  BenchRun, CLAIM_ONLY_STEPS, HttpClient, benchTokens, cpuMsOf, fmt, histogramDiff, histogramQuantile, instanceDataDir, mean, natsCredentials,
  projectionCaughtUp, quantile, readHistogram, report, requireBuilt, runLifecycles, serviceMain, sortedCopy, startEventStore,
  startNatsClusterOf, startService, storeCli, waitFor, withProgress, type CommandTiming, type HistogramReading, type Server, type Tokens, runBench,
} from '@cfund/bench-kit';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '32');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const LIFECYCLES = Math.max(IN_FLIGHT, Math.round(192 * scale));
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? String(900_000));
const REPLICAS = 3;
const LAG = 'cfund_projection_apply_lag_seconds';

const http = new HttpClient(Math.max(IN_FLIGHT, 64));

interface RoundFigures { rate: number; latencies: number[]; lag: HistogramReading[]; cpuMs: Record<string, number> }

/** CPU used so far by each named process (ms). */
function cpuOf(procs: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(procs).map(([name, pid]) => [name, cpuMsOf(pid) ?? 0]));
}

/** Every claim of `timings` at its last revision is visible in the projection on `port`. */
async function allVisible(port: number, tk: Tokens, timings: CommandTiming[]): Promise<void> {
  const last = new Map<string, number>();
  for (const t of timings) last.set(t.claimId, Math.max(last.get(t.claimId) ?? -1, t.revision));
  const claims = [...last];
  for (let i = 0; i < claims.length; i += 16) {
    await Promise.all(claims.slice(i, i + 16).map(([id, revision]) => projectionCaughtUp(http, port, tk.auditor, id, revision)));
  }
}

/** One round of claim-only lifecycles over `commandPorts`; figures once every projection shows all of it. */
async function round(label: string, commandPorts: number[], projections: Server[], tk: Tokens, procs: Record<string, number | undefined>, firstNumber: number): Promise<RoundFigures> {
  const lagBefore = await Promise.all(projections.map((p) => readHistogram(p.port, LAG)));
  const cpuBefore = cpuOf(procs);
  const total = LIFECYCLES * (1 + CLAIM_ONLY_STEPS);
  const run = await withProgress(label, { total, unit: 'commands' }, (progress) => runLifecycles({
    http, port: commandPorts, tk, count: LIFECYCLES, inFlight: IN_FLIGHT, steps: CLAIM_ONLY_STEPS, firstNumber, onCommand: () => progress.advance(1),
  }));
  for (const p of projections) await allVisible(p.port, tk, run.timings);
  const cpuAfter = cpuOf(procs);
  const lag = await Promise.all(projections.map(async (p, i) => histogramDiff(await readHistogram(p.port, LAG), lagBefore[i]!)));
  const cpuMs = Object.fromEntries(Object.keys(procs).map((name) => [name, cpuAfter[name]! - cpuBefore[name]!]));
  return { rate: run.rate, latencies: run.timings.map((t) => t.ms), lag, cpuMs };
}

interface Configuration { name: string; rates: number[]; latencies: number[]; lag: HistogramReading[]; lagByRound: number[][]; cpuPerCommand: Record<string, number> }

/** ROUNDS rounds with these instances; the lag histograms of each projection summed over the rounds. */
async function configuration(name: string, commandPorts: number[], projections: Server[], tk: Tokens, procs: Record<string, number | undefined>, firstNumber: number): Promise<Configuration> {
  const rates: number[] = [];
  const latencies: number[] = [];
  let lag: HistogramReading[] | undefined;
  const lagByRound: number[][] = [];
  const cpu: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r += 1) {
    const f = await round(`${name}, round ${r + 1}/${ROUNDS}`, commandPorts, projections, tk, procs, firstNumber + r * LIFECYCLES);
    rates.push(f.rate);
    latencies.push(...f.latencies);
    lag = lag ? lag.map((h, i) => sumHistograms(h, f.lag[i]!)) : f.lag;
    lagByRound.push(f.lag.map(p99Ms));
    for (const [p, ms] of Object.entries(f.cpuMs)) cpu[p] = (cpu[p] ?? 0) + ms;
  }
  const commands = latencies.length;
  return {
    name, rates, latencies: sortedCopy(latencies), lag: lag!, lagByRound,
    cpuPerCommand: Object.fromEntries(Object.entries(cpu).map(([p, ms]) => [p, ms / commands])),
  };
}

function sumHistograms(a: HistogramReading, b: HistogramReading): HistogramReading {
  return { buckets: a.buckets.map(([le, n], i) => [le, n + b.buckets[i]![1]]), count: a.count + b.count, sum: a.sum + b.sum };
}

const p99Ms = (h: HistogramReading): number => histogramQuantile(h, 0.99).value * 1000;

function lagLine(h: HistogramReading): string {
  const p50 = histogramQuantile(h, 0.5);
  const p99 = histogramQuantile(h, 0.99);
  const b = ([lo, hi]: [number, number]) => `${fmt(lo * 1000)}-${Number.isFinite(hi) ? fmt(hi * 1000) : 'inf'}`;
  return `${fmt(p50.value * 1000, 1)} / ${fmt(p99.value * 1000, 1)}  (buckets ${b(p50.bucket)} / ${b(p99.bucket)} ms; ${fmt(h.count)} events)`;
}

function print(c: Configuration): void {
  process.stdout.write(`\n${c.name}\n`);
  report(`commands/s, claim-only lifecycles, ${IN_FLIGHT} in flight (${ROUNDS} rounds)`, `${fmt(mean(c.rates))}  (${c.rates.map((r) => fmt(r)).join(', ')})`);
  report(`  command latency p50 / p99 (ms, ${fmt(c.latencies.length)} commands)`, `${fmt(quantile(c.latencies, 0.5), 1)} / ${fmt(quantile(c.latencies, 0.99), 1)}`);
  c.lag.forEach((h, i) => {
    report(`  projection-${i + 1} lag p50 / p99 (ms)`, lagLine(h));
    report('    p99 by round (ms)', c.lagByRound.map((r) => fmt(r[i]!, 1)).join(', '));
  });
  report('  CPU per command (ms)', Object.entries(c.cpuPerCommand).map(([p, ms]) => `${p} ${fmt(ms, 2)}`).join(', '));
}

/** Waits until the cluster has elected its JetStream meta leader (a stream made before that goes unanswered). */
async function jetStreamReady(url: string): Promise<void> {
  // As the command service's user: `bench` may only watch subjects, not call the JetStream API.
  const nc = await connect({ servers: url.split(','), ...natsCredentials(url, 'command'), name: 'bench' });
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  await waitFor('JetStream to elect its meta leader', () => jsm.getAccountInfo().then(() => true, () => false), 60_000);
  await nc.close();
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command'), serviceMain('projection')], 'tsc -b services/projection services/command packages/embedded-eventstore');
  const run = new BenchRun('clusterbench', DEADLINE_MS);
  process.stdout.write(`cluster benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: ${IN_FLIGHT} in flight, `
    + `${ROUNDS} rounds of ${LIFECYCLES} claim-only lifecycles per configuration; NATS: 3 nodes, R${REPLICAS})\n`);

  const store = await startEventStore(run);
  const nats = await startNatsClusterOf(run);
  await jetStreamReady(nats.url);
  const serviceEnv = { NATS_STREAM_REPLICAS: String(REPLICAS) };
  const start = (service: 'command' | 'projection', extra: { dataDir?: string; env?: Record<string, string> } = {}) =>
    startService(run, service, { connection: store.connection, natsUrl: nats.url, readyTimeoutMs: 120_000, ...extra, env: { ...serviceEnv, ...extra.env } });
  const command1 = await start('command');
  const projection1 = await start('projection');
  const tk = await benchTokens(run.dir('data'));
  const pid = (p: ChildProcess) => p.pid;
  const natsPids = () => Object.fromEntries(nats.cluster.nodes.map((n) => [n.name, n.server?.pid]));

  // Warm-up (uncounted): both services compiled hot, the streams and consumers in place.
  const warm = await runLifecycles({ http, port: command1.port, tk, count: 16, inFlight: 16, steps: CLAIM_ONLY_STEPS });
  await allVisible(projection1.port, tk, warm.timings);

  const one = await configuration('one command and one projection instance', [command1.port], [projection1],
    tk, { store: store.proc.pid, 'command-1': pid(command1.proc), 'projection-1': pid(projection1.proc), ...natsPids() }, 1000);
  print(one);

  // The second instances: another command service (its relay waits for the lease), another
  // projection with a read model and a durable consumer of its own, caught up before it counts.
  const command2 = await start('command');
  const projection2 = await start('projection', { dataDir: instanceDataDir(run, 'data-2'), env: { PROJECTION_DURABLE: 'projection-2' } });
  const warm2 = await runLifecycles({ http, port: [command1.port, command2.port], tk, count: 16, inFlight: 16, steps: CLAIM_ONLY_STEPS, firstNumber: 500 });
  for (const p of [projection1, projection2]) await allVisible(p.port, tk, warm2.timings);

  const two = await configuration('two command and two projection instances', [command1.port, command2.port], [projection1, projection2], tk, {
    store: store.proc.pid, 'command-1': pid(command1.proc), 'command-2': pid(command2.proc),
    'projection-1': pid(projection1.proc), 'projection-2': pid(projection2.proc), ...natsPids(),
  }, 1000 + ROUNDS * LIFECYCLES);
  print(two);

  const lagOne = p99Ms(one.lag[0]!);
  const lagTwo = Math.max(...two.lag.map(p99Ms));
  process.stdout.write('\n');
  report('ratio commands/s two instances / one', fmt(mean(two.rates) / mean(one.rates), 2));
  report('ratio projection lag p99 two / one (the slower projection of two)', `${fmt(lagTwo / lagOne, 2)}  (${fmt(lagTwo, 1)} / ${fmt(lagOne, 1)} ms)`);
  for (const s of [projection2, projection1, command2, command1]) await run.stop(s.proc);
  await run.stop(store.proc);
  http.destroy();
}

runBench(main);
