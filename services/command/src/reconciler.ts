import type { Logger } from 'pino';
import { MAX_COMMITMENT_YEARS_AHEAD } from '@cfund/domain';
import type { CommandService } from './command-service.js';

/**
 * Runs the ledger reconciler at start-up and then every `intervalMs`, so that a ledger left out of
 * step by a crash between a claim's and its ledger's writes (or by older versions) is settled to
 * its claims. Covers the previous fund year, the current one and the years ahead that a schedule
 * made now can commit its instalments in (`MAX_COMMITMENT_YEARS_AHEAD`); one claim it cannot
 * repair is reported and does not stop the others. Returns a stop function.
 */
export function startReconciler(service: CommandService, intervalMs: number, logger: Logger, now: () => Date = () => new Date()): () => void {
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const year = now().getUTCFullYear();
      const principal = { sub: 'system:ledger-reconciler', roles: [], jurisdictions: [] };
      const result = await service.reconcileAll(reconciledYears(year), { principal, correlationId: service.newCorrelationId() });
      if (result.repairs.length > 0) logger.warn({ claims: result.claims, differences: result.differences, repairs: result.repairs }, 'ledger reconciler repaired claims out of step with their ledger');
      if (result.failures.length > 0) logger.error({ failures: result.failures }, 'ledger reconciler could not repair some claims (see GET /funds/{j}/{y}/reconciliation)');
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

/** The fund years the reconciler sweeps in `year`: the previous one to the last a schedule made now can reach. */
export const reconciledYears = (year: number): number[] =>
  Array.from({ length: MAX_COMMITMENT_YEARS_AHEAD + 2 }, (_, i) => year - 1 + i);
