/**
 * `pnpm bench:projection`: the read side under load, on the whole path of `npm start` (the
 * embedded event store, nats-server, the compiled command service hosting the relay, the
 * compiled projection service: each a child process; this process is the HTTP client).
 *
 * A. Live path.
 *    1. The maximum command rate: whole claim lifecycles through the command service, IN_FLIGHT
 *       in flight.
 *    2. Projection lag at a steady quarter and half of that rate (open loop: commands are sent on
 *       a schedule, each claim's next command once its previous one is answered): from each
 *       event's commit in the event store to its commit in the read model, read from the
 *       projection's histogram `cfund_projection_apply_lag_seconds` (quantiles interpolated within
 *       its buckets, printed with them). Target: p99 under 100 ms at half the maximum rate.
 * B. Size.
 *    3. A second event store filled with CLAIMS claims (real lifecycle events, cloned from a claim
 *       of part A with new ids and a fresh hash chain; 4 to 16 events each, about EVENTS in all).
 *    4. The client's decode ceiling: `$all` read through @eventstore/db-client doing nothing else,
 *       in a process of its own, before and after the projection's rebuilds of those events (POST
 *       /admin/rebuild). Target: rebuild at least 80% of the ceiling.
 *    5. Query latency with those claims (one at a time, an auditor): list, detail, history, as-of.
 *       Target: history and as-of p99 under 10 ms.
 *
 * BENCH_SCALE (default 1) scales the claims of part B (100,000 claims, ~1M events) and of part A;
 * BENCH_PHASE_MS (default 10000) is the length of each steady phase; BENCH_IN_FLIGHT (32);
 * BENCH_QUERIES (1000 times the scale, at least 100) is the number of each query timed;
 * BENCH_CPU_PROF=<dir> runs the projection service of part B with --cpu-prof into <dir>.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStoreDBClient } from '@eventstore/db-client';
import { claimStream } from '@cfund/contracts';
import { ChainSigner, GENESIS_HASH, appendEncoded, type CommandMetadata, type EncodedEvent } from '@cfund/eventstore';
import {
  BenchRun, HttpClient, allocateLargeBudget, benchTokens, fileBody, fmt, histogramDiff, histogramQuantile,
  lifecycleSteps, peakMemoryMbOf, quantile, readHistogram, report, requireBuilt, runLifecycles, sendCommand, serviceMain, sortedCopy, startEventStore,
  startNats, startService, storeCli, benchOperatorToken, projectionCaughtUp, withProgress, type HistogramReading, type Tokens, runBench,
} from '@cfund/bench-kit';

const here = path.dirname(fileURLToPath(import.meta.url));
const scale = Number(process.env.BENCH_SCALE ?? '1');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '32');
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? '10000');
const MAX_RATE_LIFECYCLES = Math.max(IN_FLIGHT, Math.round(96 * Math.min(1, scale)));
const CLAIMS = Math.max(1000, Math.round(100_000 * scale));
const QUERIES = Number(process.env.BENCH_QUERIES ?? String(Math.max(100, Math.round(1000 * Math.min(1, scale)))));
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? String(1_800_000));
const LAG = 'cfund_projection_apply_lag_seconds';
const CPU_PROF = process.env.BENCH_CPU_PROF;

const http = new HttpClient(Math.max(IN_FLIGHT, 64));

/**
 * Commands at `rate`/s on a schedule for `ms`: each tick sends the next step of a claim whose
 * previous command was answered, or files a new claim. Returns what was sent and answered.
 */
async function steadyPhase(port: number, tk: Tokens, rate: number, ms: number, firstNumber: number): Promise<{ sent: number; latencies: number[]; last?: { claimId: string; revision: number } }> {
  const steps = lifecycleSteps();
  const ready: { claimId: string; next: number }[] = [];
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let last: { claimId: string; revision: number } | undefined;
  let sent = 0;
  let filed = 0;
  const interval = 1000 / rate;
  const start = performance.now();
  for (let i = 0; performance.now() - start < ms; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const claim = ready.shift();
    const send = claim
      ? sendCommand(http, port, steps[claim.next]![0], `/claims/${claim.claimId}/${steps[claim.next]![1]}`, tk[steps[claim.next]![2]], steps[claim.next]![3], 200)
        .then((c) => { if (claim.next + 1 < steps.length) ready.push({ claimId: claim.claimId, next: claim.next + 1 }); return c; })
      : sendCommand(http, port, 'file claim', '/claims', tk.lawyer, fileBody(firstNumber + filed++), 201)
        .then((c) => { ready.push({ claimId: c.claimId, next: 0 }); return c; });
    sent += 1;
    const p = send.then((c) => { latencies.push(c.ms); last = { claimId: c.claimId, revision: c.revision }; });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  return { sent, latencies, ...(last ? { last } : {}) };
}

/** The events of one whole lifecycle as stored, to clone (types, data, metadata without the chain). */
async function templateOf(connection: string, claimId: string): Promise<{ events: (EncodedEvent & { meta: CommandMetadata })[]; claimId: string }> {
  const client = EventStoreDBClient.connectionString(connection);
  const events: (EncodedEvent & { meta: CommandMetadata })[] = [];
  for await (const r of client.readStream(claimStream(claimId))) {
    if (!r.event) continue;
    const { hash: _h, prevHash: _p, ...meta } = r.event.metadata as Record<string, unknown>;
    events.push({ type: r.event.type, data: r.event.data as EncodedEvent['data'], meta: meta as unknown as CommandMetadata });
  }
  await client.dispose();
  return { events, claimId };
}

/** Fills a store with `claims` claims of 4 to 16 events (a prefix of the template), 64 appends in flight. */
async function fill(connection: string, template: Awaited<ReturnType<typeof templateOf>>, claims: number): Promise<{ ids: string[]; events: number; seconds: number }> {
  const client = EventStoreDBClient.connectionString(connection);
  const texts = template.events.map((e) => JSON.stringify(e.data));
  // Signed like the command service's events (the cost is part of a write); a rebuild verifies no signature, so any key will do.
  const signer = ChainSigner.generate();
  const ids: string[] = [];
  let events = 0;
  let next = 0;
  const t0 = performance.now();
  await withProgress('filling the store', { total: claims, unit: 'claims' }, (progress) => Promise.all(Array.from({ length: 64 }, async () => {
    while (next < claims) {
      const i = next++;
      const id = crypto.randomUUID();
      ids.push(id);
      const k = Math.min(template.events.length, 4 + (i % 13));
      const batch = template.events.slice(0, k).map((e, j) => ({
        type: e.type, data: JSON.parse(texts[j]!.replaceAll(template.claimId, id)) as EncodedEvent['data'], metadata: e.meta,
      }));
      events += batch.length;
      await appendEncoded(client, claimStream(id), batch, { expectedRevision: 'no_stream', prevHash: GENESIS_HASH, metadata: {}, signer });
      progress.advance(1);
    }
  })));
  const seconds = (performance.now() - t0) / 1000;
  await client.dispose();
  return { ids, events, seconds };
}

/** Events/s of reading `$all` through the client and doing nothing else (best of two), in a process of its own (see decode-ceiling.ts). */
function decodeCeiling(connection: string): { rate: number; events: number } {
  const out = execFileSync(process.execPath, [path.join(here, 'decode-ceiling.js'), connection, '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as { rate: number; events: number };
}

async function timeQueries(port: number, token: string, n: number, path: (i: number) => string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const r = await http.request(port, 'GET', path(i), token);
    ms.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET ${path(i)}: ${r.status} ${r.text.slice(0, 300)}`);
  }
  return sortedCopy(ms);
}

function lagLine(h: HistogramReading): string {
  const p50 = histogramQuantile(h, 0.5);
  const p99 = histogramQuantile(h, 0.99);
  const b = ([lo, hi]: [number, number]) => `${fmt(lo * 1000)}-${Number.isFinite(hi) ? fmt(hi * 1000) : 'inf'}`;
  return `${fmt(p50.value * 1000, 1)} / ${fmt(p99.value * 1000, 1)}  (buckets ${b(p50.bucket)} / ${b(p99.bucket)} ms; ${fmt(h.count)} events)`;
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command'), serviceMain('projection')], 'tsc -b services/projection services/command packages/embedded-eventstore');
  const run = new BenchRun('projbench', DEADLINE_MS);
  process.stdout.write(`projection benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: ${IN_FLIGHT} in flight, `
    + `steady phases of ${PHASE_MS / 1000} s, ${fmt(CLAIMS)} claims for the size figures)\n\n`);

  // ---- A. live path --------------------------------------------------------------------------
  const store = await startEventStore(run);
  const nats = await startNats(run);
  const command = await startService(run, 'command', { connection: store.connection, natsUrl: nats.url });
  const projection = await startService(run, 'projection', { connection: store.connection, natsUrl: nats.url });
  const tk = await benchTokens(run.dir('data'));
  await allocateLargeBudget(http, command.port, tk);
  await runLifecycles({ http, port: command.port, tk, count: Math.min(16, IN_FLIGHT), inFlight: IN_FLIGHT });

  const max = await runLifecycles({ http, port: command.port, tk, count: MAX_RATE_LIFECYCLES, inFlight: IN_FLIGHT, firstNumber: 1000 });
  const lastMax = max.timings.at(-1)!;
  report(`maximum command rate: whole lifecycles, ${IN_FLIGHT} in flight (commands/s)`, fmt(max.rate));
  await projectionCaughtUp(http, projection.port, tk.auditor, lastMax.claimId, lastMax.revision);

  const lagTarget = { met: false, p99: Number.NaN };
  for (const [label, fraction] of [['a quarter', 0.25], ['half', 0.5]] as const) {
    const rate = max.rate * fraction;
    const before = await readHistogram(projection.port, LAG);
    const phase = await steadyPhase(command.port, tk, rate, PHASE_MS, fraction === 0.25 ? 100_000 : 200_000);
    if (phase.last) await projectionCaughtUp(http, projection.port, tk.auditor, phase.last.claimId, phase.last.revision);
    const lag = histogramDiff(await readHistogram(projection.port, LAG), before);
    const lat = sortedCopy(phase.latencies);
    report(`steady ${label} of it: commands/s sent (target ${fmt(rate)})`, fmt(phase.sent / (PHASE_MS / 1000)));
    report('  command latency p50 / p99 (ms)', `${fmt(quantile(lat, 0.5), 1)} / ${fmt(quantile(lat, 0.99), 1)}`);
    report('  projection lag p50 / p99 (ms)', lagLine(lag));
    if (fraction === 0.5) {
      lagTarget.p99 = histogramQuantile(lag, 0.99).value * 1000;
      lagTarget.met = lagTarget.p99 < 100;
    }
  }
  report('  lag p99 < 100 ms at half the maximum rate', `${lagTarget.met ? 'yes' : 'NO'} (${fmt(lagTarget.p99, 1)} ms)`);
  const template = await templateOf(store.connection, lastMax.claimId);
  await run.stop(projection.proc);
  await run.stop(command.proc);
  await run.stop(store.proc);

  // ---- B. size: rebuild and queries ----------------------------------------------------------
  process.stdout.write('\n');
  const big = await startEventStore(run, [], 'store-big');
  const filled = await fill(big.connection, template, CLAIMS);
  report(`store filled: claims / events (lifecycle prefixes of 4-${template.events.length} events)`, `${fmt(filled.ids.length)} / ${fmt(filled.events)}  (${fmt(filled.events / filled.seconds)} events/s appended)`);
  const natsBig = await startNats(run, 'nats-big');
  const reader = await startService(run, 'projection', { connection: big.connection, natsUrl: natsBig.url, dataDir: 'data-big', readyTimeoutMs: 900_000,
    ...(CPU_PROF ? { cpuProfDir: CPU_PROF } : {}),
  });
  const tkBig = await benchTokens(run.dir('data-big'));

  // The ceiling before and after the rebuilds (the best of the four reads): a quiet moment in either counts against the rebuild.
  const ceilingBefore = decodeCeiling(big.connection);
  let rebuild = { events: 0, seconds: Number.POSITIVE_INFINITY };
  for (let round = 0; round < 2; round += 1) {
    const r = await http.request(reader.port, 'POST', '/admin/rebuild', await benchOperatorToken(run.dir('data-big')));
    if (r.status !== 200) throw new Error(`rebuild: ${r.status} ${r.text}`);
    const result = JSON.parse(r.text) as { events: number; seconds: number };
    if (result.seconds < rebuild.seconds) rebuild = result;
  }
  const ceilingAfter = decodeCeiling(big.connection);
  const ceiling = ceilingAfter.rate > ceilingBefore.rate ? ceilingAfter : ceilingBefore;
  const rebuildRate = rebuild.events / rebuild.seconds;
  const peak = peakMemoryMbOf(reader.proc.pid);
  report(`client decode ceiling: $all events/s (${fmt(ceiling.events)} events; own process, best of 2 before and 2 after)`,
    `${fmt(ceiling.rate)}  (before ${fmt(ceilingBefore.rate)}, after ${fmt(ceilingAfter.rate)})`);
  report(`rebuild: events/s (${fmt(rebuild.events)} events in ${fmt(rebuild.seconds, 1)} s, best of 2)`, fmt(rebuildRate));
  report('projection service: peak resident memory after the rebuilds (MB)', peak === undefined ? 'n/a' : fmt(peak));
  report('read model file after the rebuilds (MB)', fmt(statSync(path.join(run.dir('data-big'), 'projection', 'read-model.sqlite')).size / 2 ** 20));
  report('ratio rebuild / decode ceiling (target >= 0.8)', `${fmt(rebuildRate / ceiling.rate, 2)}  ${rebuildRate / ceiling.rate >= 0.8 ? 'met' : 'MISSED'}`);

  const pick = (i: number) => filled.ids[(i * 7919) % filled.ids.length]!;
  const spanStart = Date.now() - 60_000;
  const queries: [string, (i: number) => string][] = [
    ['list (first page of 50, by status)', (i) => `/claims?status=${['filed', 'applied', 'assessed', 'approved'][i % 4]}&limit=50`],
    ['list (text search, a claim id prefix)', (i) => `/claims?text=${pick(i).slice(0, 8)}&limit=50`],
    ['detail', (i) => `/claims/${pick(i)}`],
    ['history', (i) => `/claims/${pick(i)}/history`],
    ['state as of an instant', (i) => `/claims/${pick(i)}/state?asOf=${encodeURIComponent(new Date(spanStart + (i % 60) * 1000).toISOString())}`],
    ['state as of a revision', (i) => `/claims/${pick(i)}/state?revision=${i % 4}`],
  ];
  const targets: string[] = [];
  for (const [name, path] of queries) {
    await timeQueries(reader.port, tkBig.auditor, 20, path);
    const ms = await timeQueries(reader.port, tkBig.auditor, QUERIES, path);
    const p99 = quantile(ms, 0.99);
    report(`query ${name}: p50 / p99 (ms, ${fmt(QUERIES)} one at a time)`, `${fmt(quantile(ms, 0.5), 2)} / ${fmt(p99, 2)}`);
    if (name === 'history' || name.startsWith('state')) targets.push(`${name} ${p99 < 10 ? 'yes' : 'NO'} (${fmt(p99, 2)})`);
  }
  report('history and as-of p99 < 10 ms', targets.join('; '));
  await run.stop(reader.proc);
  await run.stop(big.proc);
  http.destroy();
}

runBench(main);
