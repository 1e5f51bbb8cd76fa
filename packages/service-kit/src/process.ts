/** The life of a service process: start-up failures and graceful shutdown, the same in every service. */
import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** Logged when a signal arrives (default: no new requests, finishing those in flight). */
  message?: string;
  /** Past this, the process exits with code 1 whatever is still running (default 10 s). */
  timeoutMs?: number;
}

/**
 * On the first SIGTERM or SIGINT (a Ctrl-C may arrive twice: from the terminal and from npm),
 * runs `close` (stop accepting, finish what is in flight, close clients), then exits with 0, or
 * with 1 when `close` fails or takes longer than the timeout.
 */
export function onShutdownSignals(close: () => Promise<void>, options: ShutdownOptions): void {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, options.message ?? 'shutting down: no new requests, finishing those in flight');
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${timeoutMs / 1000} s; exiting`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    close().then(() => {
      logger.info('stopped');
      process.exit(0);
    }, (error: unknown) => {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Runs a service's main; a failure to start prints `<service> failed to start: <reason>` and exits with 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  // What a service writes under DATA_DIR (SQLite files, keys, secrets) is sensitive: 0600/0700
  // whoever started it (the local runner does the same for everything it starts).
  process.umask(0o077);
  main().catch((error: unknown) => {
    process.stderr.write(`${service} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
