/**
 * `pnpm bench:keys`: how long a victim's first key takes (PersonalDataProtector.encryptPersonalData
 * on a new victim, FileKeyStore in a temp directory: what filing a claim waits for), with the event
 * loop idle and with it busy, as the command service's loop is under load.
 *
 * Busy: BENCH_BUSY loops (default 8) each run BENCH_CHUNK_MS (default 1) of synchronous work and
 * then yield to I/O, as requests do; each awaited file operation of the key store then waits for
 * the loop to come round, so the figure follows the number of such trips taken one after another.
 * BENCH_KEYS keys (default 200) per round, 6 in flight; rounds alternate idle and busy
 * (BENCH_ROUNDS each, default 4); the figures are the medians over rounds. Also printed: about
 * how many trips through the thread pool a first key waits for one after another.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileKeyStore, PersonalDataProtector } from '../personal-data.js';

const BUSY = Number(process.env.BENCH_BUSY ?? '8');
const CHUNK_MS = Number(process.env.BENCH_CHUNK_MS ?? '1');
const KEYS = Number(process.env.BENCH_KEYS ?? '200');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '4');
const IN_FLIGHT = 6;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the synchronous part of a request */ }
}

async function withProtector<T>(work: (p: PersonalDataProtector) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-bench-'));
  try {
    return await work(await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey: Buffer.alloc(32, 7) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** p50 and p99 of one round's first keys (ms), with `busy` loops of work beside them. */
async function round(busy: number, name: string): Promise<{ p50: number; p99: number }> {
  return withProtector(async (protector) => {
    let stop = false;
    const loops = Array.from({ length: busy }, async () => {
      while (!stop) {
        spin(CHUNK_MS);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const ms: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < KEYS) {
        const i = next++;
        const start = performance.now();
        await protector.encryptPersonalData(`vic-${name}-${i}`, { fullName: 'x' });
        ms.push(performance.now() - start);
      }
    }));
    stop = true;
    await Promise.all(loops);
    ms.sort((a, b) => a - b);
    return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
  });
}

/**
 * About how many trips a first key waits for one after another: one key at a time beside a single
 * loop of 5 ms chunks, where each trip back to the loop waits for the chunk in progress (half of
 * one on average, a whole one at most): the median time over 5 ms, a round figure.
 */
async function tripsInSequence(): Promise<number> {
  return withProtector(async (protector) => {
    await protector.encryptPersonalData('vic-warm', {});
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        spin(5);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await protector.encryptPersonalData(`vic-alone-${i}`, {});
      ms.push(performance.now() - start);
    }
    stop = true;
    await loop;
    return median(ms) / 5;
  });
}

async function main(): Promise<void> {
  process.stdout.write(`first keys (${os.cpus().length} cores, node ${process.version}): ${KEYS} per round, ${IN_FLIGHT} in flight, `
    + `${ROUNDS} rounds each idle and with ${BUSY} loops of ${CHUNK_MS} ms chunks; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  await round(0, 'warm-up');
  const idle: { p50: number; p99: number }[] = [];
  const busy: { p50: number; p99: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    idle.push(await round(0, `idle-${r}`));
    busy.push(await round(BUSY, `busy-${r}`));
  }
  const line = (label: string, xs: { p50: number; p99: number }[]) =>
    process.stdout.write(`${label.padEnd(44)} p50 ${median(xs.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(xs.map((x) => x.p99)).toFixed(1)} ms (medians of ${xs.length} rounds)\n`);
  line('a first key, the event loop idle', idle);
  line('a first key, the event loop busy', busy);
  process.stdout.write(`${'trips waited for in sequence (about)'.padEnd(44)} ${(await tripsInSequence()).toFixed(1)}\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
