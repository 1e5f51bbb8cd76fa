/**
 * buildApp: the projection's Fastify application (errors, auth, docs, metrics, health, queries,
 * admin). It neither reads configuration, listens, nor consumes NATS: main.ts does; tests call
 * it directly and drive the runner themselves or through a consumer.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { domainErrorProblem } from '@cfund/domain';
import { eventStoreErrorProblem, type ChainKeyring, type ChainSigner, type KeyStore } from '@cfund/eventstore';
import { createLogger, createServiceFastify, registerCommonPlugins, type HttpLimits, type TokenVerification } from '@cfund/service-kit';
import { ProjectionMetrics } from './metrics.js';
import { DEFAULT_SUPPRESSION_THRESHOLD } from './monitoring/disclosure.js';
import { ProjectionRunner } from './read-model/runner.js';
import type { ReadModelStore } from './read-model/store.js';
import { adminRoutes } from './routes/admin.js';
import { paymentRunRoutes } from './routes/payment-runs.js';
import { bankStatementRoutes } from './routes/bank-statements.js';
import { claimRoutes } from './routes/claims.js';
import type { QueryContext } from './routes/context.js';
import { fundRoutes } from './routes/funds.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { openDataRoutes } from './routes/open-data.js';
import { personalDataRoutes } from './routes/personal-data.js';
import { documentRoutes } from './routes/documents.js';
import { documentErrorProblem, type DocumentStore } from '@cfund/documents';
import { workRoutes } from './routes/work.js';

/** Token verification (`jwtSecret` in the embedded mode, or `jwksUrl`; optional issuer and audience) comes from TokenVerification. */
export interface BuildAppOptions extends TokenVerification {
  /** Server and rate limits (HTTP_* and RATE_LIMIT_* variables); default: the server's defaults, no rate limits. */
  http?: HttpLimits;
  client: EventStoreDBClient;
  store: ReadModelStore;
  /** The victims' data keys (the command service's key store, read only here) and the master key that wraps them. */
  keyStore: KeyStore;
  masterKey: Buffer;
  /** During a rotation of the master key: the previous ones, which still unwrap. */
  previousMasterKeys?: readonly Buffer[];
  /** Before a rotation reaches this instance (MASTER_KEY_NEXT): the key others already wrap with. */
  nextMasterKeys?: readonly Buffer[];
  /** Signs the records of personal-data reads, and the keyring that verifies every stream's signatures (resolveSecrets' chain keys). */
  chainSigner: ChainSigner;
  chainKeyring: ChainKeyring;
  logger?: Logger;
  logLevel?: string;
  now?: () => Date;
  metrics?: ProjectionMetrics;
  /** Monitoring figures over fewer victims are withheld (default DEFAULT_SUPPRESSION_THRESHOLD). */
  suppressionThreshold?: number;
  /** Serves the published monitoring dataset without a token under /open-data/ (MONITORING_OPEN_DATA; default off). */
  openData?: boolean;
  /** Where the documents are stored (none: no document download). */
  documents?: DocumentStore;
  /** Further /ready checks (e.g. NATS), by name. */
  checks?: Record<string, () => boolean | Promise<boolean>>;
}

export interface ProjectionApp extends FastifyInstance {
  runner: ProjectionRunner;
  metrics: ProjectionMetrics;
}

export async function buildApp(options: BuildAppOptions): Promise<ProjectionApp> {
  const logger = options.logger ?? createLogger(options.logLevel === undefined ? {} : { level: options.logLevel });
  const app = createServiceFastify({ logger, ...(options.http ? { http: options.http } : {}) });

  const metrics = options.metrics ?? new ProjectionMetrics();
  const runner = new ProjectionRunner(options.store, options.client, logger, {
    onHandled: (outcome, envelope) => {
      metrics.events.inc({ outcome });
      if (outcome === 'applied') metrics.applyLag.observe(Math.max(0, (Date.now() - Date.parse(envelope.created)) / 1000));
    },
    onGapRepaired: (_stream, events) => metrics.gapsRepaired.inc(events),
  });
  metrics.lastAppliedCreated = () => runner.lastAppliedCreated;
  metrics.rebuildStatus = () => runner.rebuildStatus();
  const now = options.now ?? (() => new Date());
  metrics.now = now;
  const ctx: QueryContext = { client: options.client, runner, metrics, keyStore: options.keyStore, masterKey: options.masterKey,
    ...(options.previousMasterKeys ? { previousMasterKeys: options.previousMasterKeys } : {}),
    ...(options.nextMasterKeys ? { nextMasterKeys: options.nextMasterKeys } : {}),
    chainSigner: options.chainSigner, chainKeyring: options.chainKeyring, now,
    suppressionThreshold: options.suppressionThreshold ?? DEFAULT_SUPPRESSION_THRESHOLD };
  let closing = false;
  app.addHook('onClose', async () => { closing = true; });

  await registerCommonPlugins(app, {
    metrics,
    problems: [domainErrorProblem, eventStoreErrorProblem, documentErrorProblem],
    docs: {
      title: 'Compensation fund: projection service',
      description: 'Queries of lawyers, fund staff and auditors over read models built from the events: claims, history, state as of a date, '
        + 'integrity, work queues, deadlines, fund ledgers and monitoring indicators. Reads of victims\' personal data are recorded. '
        + 'Errors are RFC 9457 `application/problem+json`.',
    },
    tokens: options,
    ...(options.http ? { http: options.http } : {}),
    health: { client: options.client, isClosing: () => closing, checks: { readModel: () => runner.answersQueries, ...options.checks } },
  });
  await app.register(claimRoutes, ctx);
  await app.register(personalDataRoutes, ctx);
  if (options.documents) await app.register(documentRoutes, { ...ctx, documents: options.documents });
  await app.register(workRoutes, ctx);
  await app.register(fundRoutes, ctx);
  await app.register(monitoringRoutes, ctx);
  if (options.openData) await app.register(openDataRoutes, ctx);
  await app.register(adminRoutes, ctx);
  await app.register(paymentRunRoutes, ctx);
  await app.register(bankStatementRoutes, ctx);

  app.decorate('runner', runner);
  app.decorate('metrics', metrics);
  return app as unknown as ProjectionApp;
}
