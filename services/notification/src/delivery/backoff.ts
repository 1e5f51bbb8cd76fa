/** Exponential backoff with jitter: attempt n waits base·2^(n-1), capped, then uniformly between half and all of it. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts per delivery before it is given up (then visible and retryable by hand). */
  maxAttempts: number;
}

export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
