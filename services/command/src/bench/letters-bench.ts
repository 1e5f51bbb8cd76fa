/**
 * How long decision letters hold up the event loop (`pnpm bench:letters`): the same letters
 * rendered on the event loop (LETTER_RENDER_WORKERS=0, as before the pool) and by the worker pool,
 * LETTERS_IN_FLIGHT at a time, while a 1 ms timer probes the loop: every gap beyond its 1 ms is
 * time the loop could not answer anything (monitorEventLoopDelay records nothing while the loop
 * is blocked throughout; on a loaded machine the gaps also hold the time the thread waited for a
 * core), and `performance.eventLoopUtilization` measures the share of the time the loop was busy
 * rather than waiting for I/O. Prints, per mode, letters/s, the process's CPU per letter, the
 * loop's utilization, its share of late time and longest block, and the ratio of the two modes'
 * utilizations.
 * Nothing is asserted: the figures depend on the machine (record its load average with them).
 */
import { availableParallelism, loadavg } from 'node:os';
import { LOCALES } from '@cfund/i18n';
import type { LetterInput } from '@cfund/letters';
import { loadConfig } from '../config.js';
import { letterRenderer } from '../letters/render-pool.js';

const LETTERS = Number(process.env.BENCH_LETTERS ?? '96');
const IN_FLIGHT = Number(process.env.LETTERS_IN_FLIGHT ?? '4');
const WORKERS = loadConfig({ LETTER_RENDER_WORKERS: process.env.LETTER_RENDER_WORKERS }).LETTER_RENDER_WORKERS;

const RS = { jurisdiction: 'RS', timeZone: 'Europe/Belgrade', publicReference: 'RS-2026-1A2B3C4D', issuedAt: '2026-03-13T10:00:00.000Z' } as const;
/** The four kinds in every locale, in turn. */
const inputs: LetterInput[] = Array.from({ length: LETTERS }, (_, i) => {
  const locale = LOCALES[i % LOCALES.length]!;
  switch (i % 4) {
    case 0: return { ...RS, locale, kind: 'award-approved', netAward: { amountMinor: 170_000_050 + i, currency: 'RSD' }, appealDeadline: '2026-03-30' };
    case 1: return { ...RS, locale, kind: 'award-rejected', appealDeadline: '2026-03-30', reasons: ['Financial loss was not shown.'], appealInstructions: 'Appeal to the Fund.' };
    case 2: return { ...RS, locale, kind: 'appeal-decided', outcome: 'increased', decidedOn: '2026-04-10', netAward: { amountMinor: 190_000_000, currency: 'RSD' } };
    default: return { ...RS, locale, kind: 'information-requested', request: 2, question: 'Please send the medical report.', dueOn: '2026-03-27' };
  }
});

/** Starts a 1 ms timer chain; its stop() answers the time the loop was blocked beyond the timer, in total and at most. */
function probeLoop(): { stop(): { blockedMs: number; longestMs: number } } {
  let last = performance.now();
  let blockedMs = 0;
  let longestMs = 0;
  let stopped = false;
  const tick = () => {
    const now = performance.now();
    const late = Math.max(0, now - last - 1);
    blockedMs += late;
    longestMs = Math.max(longestMs, late);
    last = now;
    if (!stopped) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  return { stop: () => { stopped = true; tick(); return { blockedMs, longestMs }; } };
}

async function measure(workers: number): Promise<{ utilization: number; line: string }> {
  const renderer = letterRenderer({ workers });
  // Warm-up, not counted: fonts parsed, workers started (each worker's first letter).
  await Promise.all(inputs.slice(0, Math.max(1, workers) * 2).map((input) => renderer.render(input)));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const probe = probeLoop();
  const elu = performance.eventLoopUtilization();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < inputs.length) await renderer.render(inputs[next++]!);
  }));
  const { utilization } = performance.eventLoopUtilization(elu);
  const { blockedMs, longestMs } = probe.stop();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await renderer.close();
  const line = `${`workers ${workers}`.padEnd(10)} ${(inputs.length / (wallMs / 1000)).toFixed(1).padStart(6)} letters/s, `
    + `${((used.user + used.system) / 1000 / inputs.length).toFixed(1)} ms CPU per letter (all threads), `
    + `event loop utilization ${utilization.toFixed(3)}, late ${(100 * blockedMs / wallMs).toFixed(1)}% of ${(wallMs / 1000).toFixed(2)} s, longest block ${longestMs.toFixed(1)} ms`;
  return { utilization, line };
}

process.stdout.write(`letters benchmark: ${inputs.length} letters, ${IN_FLIGHT} in flight, ${availableParallelism()} cores, node ${process.version}, `
  + `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
const onLoop = await measure(0);
process.stdout.write(`${onLoop.line}\n`);
const pooled = await measure(Math.max(1, WORKERS));
process.stdout.write(`${pooled.line}\n`);
process.stdout.write(`event loop utilization, pool / on the loop: ${(pooled.utilization / onLoop.utilization).toFixed(3)}\n`);
