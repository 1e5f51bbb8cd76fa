/**
 * The Fastify application every service starts from, and the plugins every service registers
 * first, in one order: problem+json errors, security headers and rate limits, metrics, docs,
 * authentication, /health and /ready.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import authPlugin from './auth-plugin.js';
import type { CommonConfig } from './config.js';
import docsPlugin, { type DocsOptions } from './docs-plugin.js';
import errorsPlugin, { type ErrorsOptions } from './errors-plugin.js';
import { clientErrorHandler, frameworkErrors } from './framework-problems.js';
import { healthRoutes, type HealthOptions } from './health.js';
import type { HttpMetrics } from './http-metrics.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';
import { childLogger } from './logger.js';
import metricsPlugin from './metrics-plugin.js';
import type { ResolvedSecrets } from './secrets.js';
import securityPlugin from './security-plugin.js';
import type { ClaimPaths } from './token.js';

/**
 * The limits when a service is built without configuration (tests): the server's defaults, no
 * rate limits (a test sets those it checks).
 */
export const UNCONFIGURED_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({ ...DEFAULT_HTTP_LIMITS, rateLimitPerAddress: 0, rateLimitPerPrincipal: 0 });

/**
 * A Fastify instance with zod validation and serialization, the server limits of `http`, and
 * problem+json for what is refused before routing. JSON bodies only: Fastify's own text/plain
 * parser is removed, so another media type is a 415.
 */
export function createServiceFastify(options: { logger: Logger; bodyLimit?: number; http?: HttpLimits }): FastifyInstance {
  const limits = options.http ?? UNCONFIGURED_HTTP_LIMITS;
  const app = Fastify({
    loggerInstance: options.logger,
    // Each request's logger (its request id) without pino's redaction pass over the id: see childLogger.
    childLoggerFactory: (logger, bindings, opts) => childLogger(logger as Logger, bindings, opts),
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    // Request logs carry method, path and status only (see logger.ts): never bodies.
    // The security plugin answers requests during shutdown (problem+json instead of Fastify's JSON).
    return503OnClosing: false,
    requestIdHeader: 'x-request-id',
    frameworkErrors,
    clientErrorHandler,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    pluginTimeout: limits.startupTimeoutMs,
    // Node checks the headers and request timeouts on this period (30 s by default): a
    // slow-header client would be held that much longer than the configured timeout.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  });
  if (limits.maxConnections > 0) app.server.maxConnections = limits.maxConnections;
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app as unknown as FastifyInstance;
}

/** How a service verifies tokens (the fields of every service's BuildAppOptions). */
export interface TokenVerification {
  jwtSecret?: Uint8Array;
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /** Longest accepted token lifetime in seconds (JWT_MAX_LIFETIME). */
  jwtMaxLifetimeSeconds?: number;
  /** Where tokens carry roles and jurisdictions (JWT_ROLES_CLAIM, JWT_JURISDICTIONS_CLAIM). */
  claims?: ClaimPaths;
}

/** The token verification of a service's configuration and secrets. */
export function tokenVerification(
  config: Pick<CommonConfig, 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_MAX_LIFETIME' | 'JWT_ROLES_CLAIM' | 'JWT_JURISDICTIONS_CLAIM'>,
  secrets: Pick<ResolvedSecrets, 'jwtSecret'>,
): TokenVerification {
  return {
    ...(secrets.jwtSecret ? { jwtSecret: secrets.jwtSecret } : {}),
    ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : {}),
    jwtIssuer: config.JWT_ISSUER,
    jwtAudience: config.JWT_AUDIENCE,
    jwtMaxLifetimeSeconds: config.JWT_MAX_LIFETIME,
    claims: { roles: config.JWT_ROLES_CLAIM, jurisdictions: config.JWT_JURISDICTIONS_CLAIM },
  };
}

export async function registerCommonPlugins(app: FastifyInstance, options: {
  metrics: HttpMetrics;
  docs: DocsOptions;
  tokens: TokenVerification;
  health: HealthOptions;
  /** The same limits as given to createServiceFastify (the rate limits apply here). */
  http?: HttpLimits;
  /** How the errors of the packages the service uses are answered (see errors-plugin.ts). */
  problems: NonNullable<ErrorsOptions['problems']>;
}): Promise<void> {
  const t = options.tokens;
  await app.register(errorsPlugin, { problems: options.problems });
  await app.register(securityPlugin, { limits: options.http ?? UNCONFIGURED_HTTP_LIMITS });
  await app.register(metricsPlugin, { metrics: options.metrics });
  await app.register(docsPlugin, options.docs);
  await app.register(authPlugin, {
    ...(t.jwtSecret ? { jwtSecret: t.jwtSecret } : {}),
    ...(t.jwksUrl ? { jwksUrl: t.jwksUrl } : {}),
    ...(t.jwtIssuer ? { issuer: t.jwtIssuer } : {}),
    ...(t.jwtAudience ? { audience: t.jwtAudience } : {}),
    ...(t.jwtMaxLifetimeSeconds ? { maxLifetimeSeconds: t.jwtMaxLifetimeSeconds } : {}),
    ...(t.claims ? { claims: t.claims } : {}),
  });
  await app.register(healthRoutes, options.health);
}
