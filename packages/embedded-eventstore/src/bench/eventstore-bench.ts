/**
 * `pnpm bench:eventstore`: figures for the embedded event store, all measured in one run so
 * that ratios hold on a shared, noisy machine. The store runs in a child process, as in
 * production; the bench process is the client. Prints a table and the ratios the targets use on
 * stdout, and the progress of its long phases on stderr (service-kit's `withProgress`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStoreDBClient, jsonEvent, START, excludeSystemEvents } from '@eventstore/db-client';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent.js';
import { withProgress, type Progress } from '@cfund/service-kit';
import { encodeEventResponse } from '../grpc/wire.js';
import { EventStore } from '../store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'cli.js');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const READ_EVENTS = Math.round(100_000 * scale);
const STARTUP_EVENTS = Math.round(1_000_000 * scale);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? '3000');
const ROUNDS = 3;
const IN_FLIGHT = 64;
/** Reads count their progress in steps of this many events: a call per event would weigh on the read rate. */
const PROGRESS_EVERY = 1000;

const payload = (i: number): Record<string, unknown> => ({
  claimId: `c${i % 1000}`, amount: { minor: 150_000 + i, currency: 'EUR' }, head: 'non-pecuniary',
  decidedOn: '2026-11-29', court: 'Basic Court', caseNumber: `K-${i}/26`, note: 'x'.repeat(80),
});

const rows: [string, string][] = [];
const report = (name: string, value: string): void => {
  rows.push([name, value]);
  process.stdout.write(`${name.padEnd(58)} ${value}\n`);
};
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Child { proc: ChildProcess; connection: string }

const replayServer = path.join(here, 'replay-server.js');
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

function startChild(args: string[], script = cli): Promise<Child & { readyMs: number }> {
  const started = process.hrtime.bigint();
  // Insecure (no TLS): the recorded figures (docs/benchmarks.md) measure the store without TLS.
  const proc = spawn(process.execPath, [script, ...args, ...(script === cli ? ['--port', '0', '--insecure'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready on (\S+):(\d+)/.exec(out);
      if (m) resolve({ proc, connection: `esdb://${m[1]}:${m[2]}?tls=false`, readyMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    proc.on('exit', (code) => reject(new Error(`store exited with ${code} before it was ready`)));
  });
}

async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

function rawFsyncPerSecond(dir: string): number {
  const fd = fs.openSync(path.join(dir, 'fsync-probe'), 'w');
  const buf = Buffer.alloc(256, 1);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 2000) {
    fs.writeSync(fd, buf);
    fs.fdatasyncSync(fd);
    n++;
  }
  const rate = n / ((performance.now() - start) / 1000);
  fs.closeSync(fd);
  return rate;
}

/** Told of each append with the share of its round gone by (the rounds are timed, not counted). */
type OnAppend = (roundShare: number) => void;

async function sequential(client: EventStoreDBClient, ms: number, onAppend: OnAppend): Promise<{ rate: number; cpuUsPerAppend: number }> {
  const stream = `bench-seq-${crypto.randomUUID()}`;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  for (let at = start; at - start < ms; at = performance.now()) {
    await client.appendToStream(stream, jsonEvent({ type: 'BenchEvent', data: payload(n) }));
    n++;
    onAppend((at - start) / ms);
  }
  const used = process.cpuUsage(cpu);
  return { rate: n / ((performance.now() - start) / 1000), cpuUsPerAppend: (used.user + used.system) / n };
}

async function concurrent(client: EventStoreDBClient, ms: number, onAppend: OnAppend): Promise<number> {
  const start = performance.now();
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    const stream = `bench-par-${w}-${crypto.randomUUID()}`;
    for (let at = start; at - start < ms; at = performance.now()) {
      await client.appendToStream(stream, jsonEvent({ type: 'BenchEvent', data: payload(n) }));
      n++;
      onAppend((at - start) / ms);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  return n / ((performance.now() - start) / 1000);
}

/** Fills a data directory through the store's own API: fast set-up for the read benchmarks. */
async function fill(label: string, dir: string, events: number): Promise<void> {
  await withProgress(label, { total: events }, (progress) => fillCounting(dir, events, progress));
}

async function fillCounting(dir: string, events: number, progress: Progress): Promise<void> {
  const store = EventStore.open({ dataDir: dir });
  const perAppend = 100;
  let written = 0;
  while (written < events) {
    const batch: Promise<unknown>[] = [];
    for (let k = 0; k < 50 && written < events; k++) {
      const n = Math.min(perAppend, events - written);
      const evts = Array.from({ length: n }, (_, i) => ({
        id: crypto.randomUUID(), type: 'BenchEvent', isJson: true,
        data: Buffer.from(JSON.stringify(payload(written + i))), metadata: Buffer.from('{"actor":"bench"}'),
      }));
      batch.push(store.append(`claim-${(written / perAppend) % 5000}`, { kind: 'any' }, evts).then(() => progress.advance(n)));
      written += n;
    }
    await Promise.all(batch);
  }
  await store.close();
}

/** Reads the whole of `$all` (the filled events and a few system events) and counts all. */
async function readAllRate(client: EventStoreDBClient, progress: Progress): Promise<{ rate: number; events: number }> {
  const start = performance.now();
  let n = 0;
  // Read to the end: leaving a read early needs an explicit cancel() with this client.
  for await (const e of client.readAll()) {
    if (e.event && ++n % PROGRESS_EVERY === 0) progress.advance(PROGRESS_EVERY);
  }
  progress.advance(n % PROGRESS_EVERY);
  return { rate: n / ((performance.now() - start) / 1000), events: n };
}

/** The read responses the store sends for every event of `dir`, encoded as it encodes them. */
async function responsesOf(dir: string): Promise<Buffer[]> {
  const store = EventStore.open({ dataDir: dir });
  const all = store.all;
  const frames: Buffer[] = [];
  for (let i = 0; i < all.count; i += 1000) {
    const idx = Array.from({ length: Math.min(1000, all.count - i) }, (_, k) => i + k);
    for (const e of store.readByIndex(idx)) frames.push(encodeEventResponse(e));
  }
  await store.close();
  return frames;
}

/** The client library decoding the responses in a loop: protobuf and its event conversion only. */
function decodeLoopRate(frames: Buffer[]): number {
  const start = performance.now();
  for (const f of frames) {
    const resp = streamsPb.ReadResp.deserializeBinary(new Uint8Array(f.buffer, f.byteOffset, f.length));
    convertGrpcEvent(resp.getEvent()!);
  }
  return frames.length / ((performance.now() - start) / 1000);
}

async function catchUpRate(client: EventStoreDBClient, expected: number, progress: Progress): Promise<number> {
  const start = performance.now();
  let n = 0;
  const sub = client.subscribeToAll({ fromPosition: START, filter: excludeSystemEvents() });
  for await (const e of sub) {
    if (e.event && ++n % PROGRESS_EVERY === 0) progress.advance(PROGRESS_EVERY);
    if (n >= expected) break;
  }
  progress.advance(n % PROGRESS_EVERY);
  await sub.unsubscribe();
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'esbench-'));
  process.stdout.write(`embedded-eventstore benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale})\n\n`);
  try {
    const fsyncRate = rawFsyncPerSecond(root);
    report('disk: raw fdatasync/s (256 B writes)', fmt(fsyncRate));

    const durable = await startChild(['--data', path.join(root, 'durable')]);
    const mem = await startChild(['--mem-db']);
    const dClient = EventStoreDBClient.connectionString(durable.connection);
    const mClient = EventStoreDBClient.connectionString(mem.connection);
    await dClient.appendToStream('warm-up', jsonEvent({ type: 'W', data: {} }));
    await mClient.appendToStream('warm-up', jsonEvent({ type: 'W', data: {} }));

    const seq = await withProgress('durable: sequential appends', { unit: 'appends' }, (progress) =>
      sequential(dClient, ROUND_MS, (share) => progress.advance(1, share)));
    report('durable: sequential single-event appends/s', fmt(seq.rate));
    report('client CPU per append (sequential, us)', fmt(seq.cpuUsPerAppend));

    const d: number[] = [];
    const m: number[] = [];
    await withProgress(`appends, ${IN_FLIGHT} in flight (durable and --mem-db rounds)`, { unit: 'appends' }, async (progress) => {
      // The share of all 2 x ROUNDS rounds done, from the round's number and its time gone by.
      const onAppendIn = (round: number): OnAppend => (share) => progress.advance(1, (round + share) / (2 * ROUNDS));
      for (let r = 0; r < ROUNDS; r++) {
        d.push(await concurrent(dClient, ROUND_MS, onAppendIn(2 * r)));
        m.push(await concurrent(mClient, ROUND_MS, onAppendIn(2 * r + 1)));
      }
    });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    report(`durable: appends/s, ${IN_FLIGHT} in flight (rounds)`, `${fmt(mean(d))}  [${d.map((x) => fmt(x)).join(', ')}]`);
    report(`--mem-db: appends/s, ${IN_FLIGHT} in flight (rounds)`, `${fmt(mean(m))}  [${m.map((x) => fmt(x)).join(', ')}]`);
    report('ratio durable / --mem-db (target >= 0.80)', fmt(mean(d) / mean(m), 2));
    await dClient.dispose();
    await mClient.dispose();
    await stopChild(durable);
    await stopChild(mem);

    const readDir = path.join(root, 'read');
    await fill('set-up: filling the store to read', readDir, READ_EVENTS);
    const frames = await responsesOf(readDir);
    const decodeRate = Math.max(...[0, 1, 2].map(() => decodeLoopRate(frames)));
    const replayFile = path.join(root, 'responses.bin');
    fs.writeFileSync(replayFile, Buffer.concat(frames.flatMap((f) => [u32(f.length), f])));
    const replay = await startChild([replayFile], replayServer);
    const replayClient = EventStoreDBClient.connectionString(replay.connection);
    const ceilings: number[] = [];
    await withProgress('client ceiling: $all replayed, 3 reads', { total: 3 * frames.length }, async (progress) => {
      for (let r = 0; r < 3; r++) ceilings.push((await readAllRate(replayClient, progress)).rate);
    });
    await replayClient.dispose();
    await stopChild(replay);
    const ceiling = Math.max(...ceilings);
    const reader = await startChild(['--data', readDir]);
    const rClient = EventStoreDBClient.connectionString(reader.connection);
    const reads: { rate: number; events: number }[] = [];
    await withProgress('read $all, 3 reads', { total: 3 * frames.length }, async (progress) => {
      for (let r = 0; r < 3; r++) reads.push(await readAllRate(rClient, progress));
    });
    const readRate = Math.max(...reads.map((r) => r.rate));
    report(`read $all: events/s over ${fmt(reads[0]!.events)} events (best of 3)`, `${fmt(readRate)}  [${reads.map((r) => fmt(r.rate)).join(', ')}]`);
    report('client ceiling: the same responses replayed from memory', `${fmt(ceiling)}  [${ceilings.map((x) => fmt(x)).join(', ')}]`);
    report('ratio read / client ceiling (target >= 0.80)', fmt(readRate / ceiling, 2));
    report('client decode loop alone: events/s (best of 3)', fmt(decodeRate));
    report('ratio read / decode loop alone', fmt(readRate / decodeRate, 2));
    const catchUp = await withProgress('catch-up subscription to $all', { total: READ_EVENTS }, (progress) => catchUpRate(rClient, READ_EVENTS, progress));
    report('catch-up subscription to $all: events/s', fmt(catchUp));
    await rClient.dispose();
    await stopChild(reader);

    const bigDir = path.join(root, 'startup');
    const fillStart = performance.now();
    await fill(`set-up: writing ${fmt(STARTUP_EVENTS)} events`, bigDir, STARTUP_EVENTS);
    report(`set-up: wrote ${fmt(STARTUP_EVENTS)} events in-process (s)`, fmt((performance.now() - fillStart) / 1000, 1));
    const withCheckpoint = await startChild(['--data', bigDir]);
    report(`start-up with ${fmt(STARTUP_EVENTS)} events, index checkpoint (ms)`, fmt(withCheckpoint.readyMs));
    const rss = await rssOf(withCheckpoint.proc.pid!);
    if (rss) report('  its resident memory after start-up (MiB)', fmt(rss / 1024 / 1024));
    await stopChild(withCheckpoint);
    fs.rmSync(path.join(bigDir, 'index.chk'));
    const fullReplay = await startChild(['--data', bigDir]);
    report(`start-up with ${fmt(STARTUP_EVENTS)} events, full log replay (ms)`, fmt(fullReplay.readyMs));
    await stopChild(fullReplay);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.promises.readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
