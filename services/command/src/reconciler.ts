import type { Logger } from 'pino';
import type { CommandService } from './command-service.js';

/**
 * Runs the ledger reconciler at start-up and then every `intervalMs`, so that funds committed by
 * an approval that crashed and was never retried do not stay committed to nothing. Covers the
 * current and the previous fund year. Returns a stop function.
 */
export function startReconciler(service: CommandService, intervalMs: number, logger: Logger, now: () => Date = () => new Date()): () => void {
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const year = now().getUTCFullYear();
      const principal = { sub: 'system:ledger-reconciler', roles: [], jurisdictions: [] };
      const result = await service.reconcileAll([year - 1, year], { principal, correlationId: service.newCorrelationId() });
      if (result.repairs.length > 0) logger.warn({ claims: result.claims, repairs: result.repairs }, 'ledger reconciler repaired commitments');
    } catch (error) {
      logger.error({ err: error }, 'ledger reconciler failed; it will run again');
    } finally {
      running = false;
    }
  };
  void run();
  if (intervalMs === 0) return () => undefined;
  const timer = setInterval(() => { void run(); }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
