// When the local runner restarts a crashed child, and when it gives up. A child that crashes now
// and then is restarted every time; one that keeps failing right away (a bad build, a corrupt
// data file) would only fill the log, so after `maxFailures` within `windowMs` the runner stops.

export interface RestartPolicyOptions {
  maxFailures?: number;
  windowMs?: number;
  /** Wait before the first restart; doubled for each further failure within the window. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export type RestartDecision = { giveUp: false; delayMs: number } | { giveUp: true; failures: number };

export class RestartPolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private failures: number[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.firstDelayMs = options.firstDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  /** Records a failure at `now` (ms) and says what to do about it. */
  failed(now: number): RestartDecision {
    this.failures = [...this.failures.filter((at) => now - at < this.windowMs), now];
    const recent = this.failures.length;
    if (recent >= this.maxFailures) return { giveUp: true, failures: recent };
    return { giveUp: false, delayMs: Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** (recent - 1)) };
  }
}
