/** Small things the suites that start processes all need (freePort comes from @cfund/infra). */
export { freePort } from '@cfund/infra';

/**
 * Polls `check` every `intervalMs` until it holds, for `timeoutMs` at most (a bounded wait, never
 * a fixed sleep). A check that throws counts as not yet; the last error is in the message.
 */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
