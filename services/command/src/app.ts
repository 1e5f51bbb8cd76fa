/**
 * buildApp: the Fastify application with its plugins (errors, auth, docs, metrics) and routes.
 * It neither reads configuration nor listens: main.ts does, tests call it directly.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { domainErrorProblem } from '@cfund/domain';
import { IdempotencyStore, countRoundTrips, eventStoreErrorProblem, type ChainSigner, type IdempotencyStoreOptions, type PersonalDataProtector } from '@cfund/eventstore';
import { CommandService } from './command-service.js';
import { loadConfig } from './config.js';
import { Metrics } from './metrics.js';
import { createLogger, createServiceFastify, registerCommonPlugins, type HttpLimits, type TokenVerification } from '@cfund/service-kit';
import { commandRoutes } from './routes/commands.js';
import { PaymentRuns } from './payment-runs/payment-runs.js';
import { BankStatements } from './bank-statements/bank-statements.js';
import { bankStatementRoutes } from './bank-statements/routes.js';
import { paymentRunRoutes } from './payment-runs/routes.js';
import type { DebtorAccount, Jurisdiction } from '@cfund/contracts';
import { documentRoutes } from './routes/documents.js';
import { CommandExecution } from './routes/command-execution.js';
import { DecisionLetters } from './letters/letters.js';
import { letterRenderer, letterRenderingProblem } from './letters/render-pool.js';
import { noFaults, type FaultAt } from './faults.js';
import { documentErrorProblem, type ClamdAddress, type DocumentStore } from '@cfund/documents';

/** Token verification (`jwtSecret` in the embedded mode, or `jwksUrl`; optional issuer and audience) comes from TokenVerification. */
export interface BuildAppOptions extends TokenVerification {
  /** Server and rate limits (HTTP_* and RATE_LIMIT_* variables); default: the server's defaults, no rate limits. */
  http?: HttpLimits;
  client: EventStoreDBClient;
  /** Signs every event written (resolveSecrets' chainSigner). */
  chainSigner: ChainSigner;
  protector: PersonalDataProtector;
  /** Key from which the Idempotency-Key request fingerprints are derived (e.g. the master key). */
  fingerprintSecret: Uint8Array;
  /** During a rotation of the master key: the previous ones (a retry across the switch still replays). */
  previousFingerprintSecrets?: readonly Uint8Array[];
  /** A pino logger (use `createLogger` from @cfund/service-kit: it redacts personal data). Default: one at `logLevel` (pino's default: info). */
  logger?: Logger;
  logLevel?: string;
  /** Largest accepted body in bytes (BODY_LIMIT; default: the schema's). */
  bodyLimit?: number;
  now?: () => Date;
  metrics?: Metrics;
  /** Testing only: called at each fault point between two writes (src/faults.ts). */
  faultAt?: FaultAt;
  /** Further /ready checks by name (e.g. the relay). */
  readyChecks?: Record<string, () => boolean | Promise<boolean>>;
  /** Where documents are stored (none: no document upload). */
  documents?: {
    store: DocumentStore; maxBytes?: number; clamd?: ClamdAddress | undefined;
  };
  /** Worker threads rendering letters (LETTER_RENDER_WORKERS; 0: on the event loop; default: the schema's). */
  letterRenderWorkers?: number;
  /** Testing only: holds each render in its worker (RenderHold's cells). */
  letterRenderHold?: Int32Array;
  /** Idempotency store options (tests shorten the waits). */
  idempotency?: IdempotencyStoreOptions;
  /** The fund's accounts payment runs pay from (FUND_ACCOUNTS; default: the embedded mode's demo accounts). */
  fundAccounts?: Partial<Record<Jurisdiction, DebtorAccount>>;
}

export interface CommandApp extends FastifyInstance {
  commandService: CommandService;
  metrics: Metrics;
}

export async function buildApp(options: BuildAppOptions): Promise<CommandApp> {
  const logger = options.logger ?? createLogger(options.logLevel === undefined ? {} : { level: options.logLevel });
  const app = createServiceFastify({ logger, bodyLimit: options.bodyLimit ?? loadConfig({}).BODY_LIMIT, ...(options.http ? { http: options.http } : {}) });

  const metrics = options.metrics ?? new Metrics();
  const faultAt = options.faultAt ?? noFaults;
  const client = countRoundTrips(options.client, (kind) => metrics.storeRoundTrips.inc({ kind }));
  const service = new CommandService({
    client, chainSigner: options.chainSigner, metrics,
    ...(options.now ? { now: options.now } : {}), logger,
    faultAt,
  });
  const idempotency = new IdempotencyStore(client, options.chainSigner, options.idempotency);
  const fingerprintKeyOf = (secret: Uint8Array) => createHash('sha256').update('cfund idempotency fingerprint v1\0').update(secret).digest();
  const fingerprintKey = fingerprintKeyOf(options.fingerprintSecret);
  const previousFingerprintKeys = (options.previousFingerprintSecrets ?? []).map(fingerprintKeyOf);
  let closing = false;
  app.addHook('onClose', async () => { closing = true; });

  await registerCommonPlugins(app, {
    metrics,
    problems: [domainErrorProblem, eventStoreErrorProblem, documentErrorProblem, letterRenderingProblem],
    docs: {
      title: 'Compensation fund: command service',
      description: 'Commands on compensation claims of victims of human trafficking. Every command answers '
        + '`{ claimId, revision, events }` with `ETag: "<revision>"`; send `If-Match: "<revision>"` to act only on the state you saw, '
        + 'and `Idempotency-Key` to make a retry safe. Errors are RFC 9457 `application/problem+json`.',
    },
    tokens: options,
    ...(options.http ? { http: options.http } : {}),
    health: { client: options.client, isClosing: () => closing, ...(options.readyChecks ? { checks: options.readyChecks } : {}) },
  });
  const execution = new CommandExecution({ idempotency, metrics, fingerprintKey, previousFingerprintKeys });
  let letters: DecisionLetters | undefined;
  if (options.documents) {
    const renderer = letterRenderer({
      workers: options.letterRenderWorkers ?? loadConfig({}).LETTER_RENDER_WORKERS, logger,
      ...(options.letterRenderHold ? { hold: options.letterRenderHold } : {}),
    });
    // After the server has stopped taking requests: letters still rendering fail with a 503.
    app.addHook('onClose', () => renderer.close());
    letters = new DecisionLetters({ service, protector: options.protector, store: options.documents.store, renderer, faultAt });
  }
  await app.register(commandRoutes, { service, protector: options.protector, execution, letters });
  const fundAccounts = options.fundAccounts ?? loadConfig({}).FUND_ACCOUNTS;
  await app.register(paymentRunRoutes, { runs: new PaymentRuns(service, options.protector, fundAccounts, faultAt) });
  await app.register(bankStatementRoutes, { statements: new BankStatements(service, fundAccounts, faultAt) });
  if (options.documents) {
    await app.register(documentRoutes, {
      service, protector: options.protector, execution, store: options.documents.store,
      maxBytes: options.documents.maxBytes ?? loadConfig({}).DOCUMENT_MAX_BYTES, clamd: options.documents.clamd,
      faultAt,
    });
  }

  app.decorate('commandService', service);
  app.decorate('metrics', metrics);
  return app as unknown as CommandApp;
}
