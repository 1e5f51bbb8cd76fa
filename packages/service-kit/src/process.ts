/**
 * The life of a service process, the same in every service: configuration, secrets, start-up,
 * the ready line, graceful shutdown and the exit codes the local runner and operators rely on
 * (0 stopped by a signal, 1 failed to start or to stop, 2 wrong configuration).
 */
import type { Logger } from 'pino';
import { checkSchemes } from '@cfund/domain';
import { ConfigError, type CommonConfig } from './config.js';
import { createLogger } from './logger.js';
import { defaultLogFormat } from './pretty-log.js';
import { resolveSecrets, type ResolvedSecrets } from './secrets.js';

/** What a service's build and start are given. */
export interface ServiceContext<C, S = ResolvedSecrets> {
  config: C;
  secrets: S;
  /** Redacts personal data (logger.ts); every line carries `service`. */
  logger: Logger;
}

/** What build returns: the HTTP app, and whatever else start and stop need. */
export interface ServiceParts {
  app: { listen(options: { port: number; host: string }): Promise<string> };
}

/** What start may add to the ready line, and text printed to stdout after it. */
export interface StartedService {
  /** Appended inside the ready line's parentheses, e.g. `; email: off`. */
  details?: string;
  banner?: string;
}

export interface ServiceDefinition<C extends CommonConfig, P extends ServiceParts, S extends { notes: string[] } = ResolvedSecrets> {
  /** `command`: the `service` field of log lines; messages say `command service`. */
  name: string;
  /** Throws ConfigError naming the wrong variable. */
  loadConfig: () => C;
  /**
   * The secrets the service needs (default: `resolveSecrets`, all of them). A service that holds
   * no personal data and writes no event (the console) asks for less.
   */
  secrets?: (config: C) => Promise<S>;
  /** Opens clients and stores and builds the app, without listening. A ConfigError exits with 2. */
  build: (context: ServiceContext<C, S>) => Promise<P>;
  /** Once the app listens: the background parts (consumers, relay, timers). */
  start?: (parts: P, context: ServiceContext<C, S> & { address: string }) => Promise<StartedService | void>;
  /** The ready line names the API docs at `<url>/docs` (default true). */
  docs?: boolean;
  /** On SIGTERM/SIGINT: stop accepting, finish what is in flight, close clients and stores. */
  stop: (parts: P) => Promise<void>;
  /** Logged when a signal arrives (default: no new requests, finishing those in flight). */
  stoppingMessage?: string;
  /** Past this, a shutdown exits with 1 whatever is still running (default 10 s). */
  stopTimeoutMs?: number;
}

/**
 * Runs a service: loads its configuration (a ConfigError prints `<name> service: <message>` and
 * exits with 2, whenever it is thrown during start-up), checks the schemes' calendars, resolves the secrets, builds, installs
 * the signal handlers, listens on HOST:PORT, starts the background parts and logs
 * `<name> service ready on <url> (docs: <url>/docs...)`. Any other start-up failure prints
 * `<name> service failed to start: <reason>` and exits with 1.
 */
export function runService<C extends CommonConfig, P extends ServiceParts, S extends { notes: string[] } = ResolvedSecrets>(definition: ServiceDefinition<C, P, S>): void {
  const label = `${definition.name} service`;
  // What a service writes under DATA_DIR (SQLite files, keys, secrets) is sensitive: 0600/0700
  // whoever started it (the local runner does the same for everything it starts).
  process.umask(0o077);
  startService(definition, label).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${label}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${label} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

async function startService<C extends CommonConfig, P extends ServiceParts, S extends { notes: string[] }>(definition: ServiceDefinition<C, P, S>, label: string): Promise<void> {
  const config = definition.loadConfig();
  // A scheme file zod refuses, or a calendar the holiday data does not know, refuses the start, not a first deadline later.
  checkSchemes();
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: definition.name }, format: config.LOG_FORMAT ?? defaultLogFormat() });
  const secrets = definition.secrets ? await definition.secrets(config) : await resolveSecrets(config) as unknown as S;
  for (const note of secrets.notes) logger.info(note);
  const context: ServiceContext<C, S> = { config, secrets, logger };
  const parts = await definition.build(context);
  onShutdownSignals(() => definition.stop(parts), {
    logger,
    ...(definition.stoppingMessage === undefined ? {} : { message: definition.stoppingMessage }),
    ...(definition.stopTimeoutMs === undefined ? {} : { timeoutMs: definition.stopTimeoutMs }),
  });
  const address = await parts.app.listen({ port: config.PORT, host: config.HOST });
  const started = await definition.start?.(parts, { ...context, address }) ?? {};
  const details = `${definition.docs === false ? '' : `docs: ${address}/docs`}${started.details ?? ''}`.replace(/^; /, '');
  logger.info(`${label} ready on ${address}${details ? ` (${details})` : ''}`);
  if (started.banner !== undefined) process.stdout.write(`${started.banner}\n`);
}

interface ShutdownOptions {
  logger: Logger;
  message?: string;
  timeoutMs?: number;
}

/**
 * On the first SIGTERM or SIGINT (a Ctrl-C may arrive twice: from the terminal and from npm),
 * runs `close`, then exits with 0, or with 1 when `close` fails or takes longer than the timeout.
 */
function onShutdownSignals(close: () => Promise<void>, options: ShutdownOptions): void {
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
