/**
 * Progress of a long operation (a rebuild, a benchmark's phase): units done, the rate over a
 * sliding window (the last seconds, not the whole run: a rate that slows shows at once), and the
 * time left. The total is known (`total`), or estimated from a share done measured otherwise
 * (`fraction`: a position in `$all` over its end), or unknown (then only the rate is told).
 *
 * `reportProgress` prints it: a one-line bar redrawn in place on a terminal, a plain line every
 * few seconds otherwise (CI, files).
 */
import type { Writable } from 'node:stream';

export interface ProgressSnapshot {
  done: number;
  /** Known, or estimated from `fraction`; absent when neither is known. */
  total?: number;
  /** Share of the work done, 0..1 (from the total, or as measured by the caller). */
  fraction?: number;
  ratePerSecond: number;
  /** Seconds left at the current rate; absent while it cannot be told. */
  etaSeconds?: number;
  elapsedSeconds: number;
}

/** `fraction`: 0 until one is known (the start of the work). */
interface Sample { at: number; done: number; fraction: number }

/** Samples are kept at most this often (an `advance` per event stays cheap). */
const SAMPLE_EVERY_MS = 100;

export class Progress {
  private doneSoFar = 0;
  private fractionSoFar: number | undefined;
  private readonly started: number;
  private readonly samples: Sample[] = [];
  private total: number | undefined;

  constructor(private readonly options: { total?: number; windowSeconds?: number; now?: () => number } = {}) {
    this.total = options.total;
    this.started = this.now();
    this.samples.push({ at: this.started, done: 0, fraction: 0 });
  }

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  get done(): number {
    return this.doneSoFar;
  }

  /** `n` more units done; `fraction`: the share of the whole done now, when the caller measures it. */
  advance(n: number, fraction?: number): void {
    this.doneSoFar += n;
    if (fraction !== undefined) this.fractionSoFar = Math.min(1, Math.max(0, fraction));
    const at = this.now();
    const last = this.samples[this.samples.length - 1]!;
    if (at - last.at < SAMPLE_EVERY_MS) return;
    this.samples.push({ at, done: this.doneSoFar, fraction: this.currentFraction() ?? 0 });
    const windowMs = (this.options.windowSeconds ?? 10) * 1000;
    // Keep one sample older than the window, so the rate always spans at least the window.
    while (this.samples.length > 2 && at - this.samples[1]!.at > windowMs) this.samples.shift();
  }

  /** All done: the total is what was done (an estimate from a measured share may have been off by a little). */
  finish(): void {
    this.fractionSoFar = 1;
    if (this.total !== undefined) this.total = this.doneSoFar;
  }

  private currentFraction(): number | undefined {
    const { total } = this;
    if (total !== undefined) return total === 0 ? 1 : Math.min(1, this.doneSoFar / total);
    return this.fractionSoFar;
  }

  snapshot(): ProgressSnapshot {
    const at = this.now();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    const ratePerSecond = seconds > 0 ? (this.doneSoFar - first.done) / seconds : 0;
    const fraction = this.currentFraction();
    const snap: ProgressSnapshot = { done: this.doneSoFar, ratePerSecond, elapsedSeconds: (at - this.started) / 1000 };
    if (fraction === undefined) return snap;
    snap.fraction = fraction;
    const total = this.total ?? (fraction > 0 ? Math.round(this.doneSoFar / fraction) : undefined);
    if (total !== undefined) snap.total = total;
    const fractionRate = seconds > 0 ? (fraction - first.fraction) / seconds : 0;
    if (fraction >= 1) snap.etaSeconds = 0;
    else if (fractionRate > 0) snap.etaSeconds = (1 - fraction) / fractionRate;
    return snap;
  }
}

const BAR_WIDTH = 24;

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: `label [#####-----] 42% 1234/2938 units 812/s ETA 2s` (bar only when `bar`). */
export function formatProgress(label: string, snap: ProgressSnapshot, options: { unit?: string; bar?: boolean } = {}): string {
  const unit = options.unit ?? 'events';
  const parts = [label];
  if (snap.fraction !== undefined) {
    if (options.bar) {
      const filled = Math.round(snap.fraction * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${Math.floor(snap.fraction * 100)}%`);
  }
  parts.push(snap.total === undefined ? `${snap.done} ${unit}` : `${snap.done}/${snap.total} ${unit}`);
  // Slow units (a benchmark's rounds, large documents) keep a decimal: "0/s" would say nothing.
  const rate = snap.ratePerSecond;
  parts.push(`${rate < 10 && rate > 0 ? rate.toFixed(1) : Math.round(rate)}/s`);
  parts.push(snap.etaSeconds === undefined ? `elapsed ${duration(snap.elapsedSeconds)}` : `ETA ${duration(snap.etaSeconds)}`);
  return parts.join(' ');
}

export interface ProgressReporter {
  /** Prints the last state (a final line, also after a run too short for any other) and stops. */
  stop(): void;
}

/**
 * Prints `snapshot()` while an operation runs: on a TTY a line redrawn with \r every 250 ms, else
 * a plain line every `everySeconds`. `snapshot` may answer undefined (nothing running yet).
 */
export function reportProgress(
  label: string,
  snapshot: () => ProgressSnapshot | undefined,
  options: { out?: Writable & { isTTY?: boolean }; everySeconds?: number; unit?: string } = {},
): ProgressReporter {
  const out = options.out ?? process.stderr;
  const tty = out.isTTY === true;
  const print = (final: boolean): void => {
    const snap = snapshot();
    if (!snap) return;
    const line = formatProgress(label, snap, { bar: tty, ...(options.unit ? { unit: options.unit } : {}) });
    if (tty) out.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else out.write(`${line}\n`);
  };
  const timer = setInterval(() => print(false), tty ? 250 : (options.everySeconds ?? 5) * 1000);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      print(true);
    },
  };
}

/**
 * Runs `work` (a benchmark's long phase), which calls `progress.advance(n)` as units get done,
 * printing its progress meanwhile with `reportProgress` until it settles, also when it fails
 * (its last line then tells how far it got).
 */
export async function withProgress<T>(
  label: string,
  options: { total?: number; unit?: string; out?: Writable & { isTTY?: boolean }; everySeconds?: number },
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const { total, ...printing } = options;
  const progress = new Progress(total === undefined ? {} : { total });
  const reporter = reportProgress(label, () => progress.snapshot(), printing);
  try {
    const answer = await work(progress);
    progress.finish(); // a timed phase, or a total that was an estimate: done is all there was
    return answer;
  } finally {
    reporter.stop();
  }
}
