/**
 * The Fastify application every service starts from, and the plugins every service registers
 * first, in one order: problem+json errors, metrics, docs, authentication, /health and /ready.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import authPlugin from './auth-plugin.js';
import docsPlugin, { type DocsOptions } from './docs-plugin.js';
import errorsPlugin from './errors-plugin.js';
import { healthRoutes, type HealthOptions } from './health.js';
import type { HttpMetrics } from './http-metrics.js';
import metricsPlugin from './metrics-plugin.js';

/** A Fastify instance with zod validation and serialization, answering 503 while it closes. */
export function createServiceFastify(options: { logger: Logger; bodyLimit?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    // Request logs carry method, path and status only (see createLogger): never bodies.
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
  });
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
}

export async function registerCommonPlugins(app: FastifyInstance, options: {
  metrics: HttpMetrics;
  docs: DocsOptions;
  tokens: TokenVerification;
  health: HealthOptions;
}): Promise<void> {
  const t = options.tokens;
  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { metrics: options.metrics });
  await app.register(docsPlugin, options.docs);
  await app.register(authPlugin, {
    ...(t.jwtSecret ? { jwtSecret: t.jwtSecret } : {}),
    ...(t.jwksUrl ? { jwksUrl: t.jwksUrl } : {}),
    ...(t.jwtIssuer ? { issuer: t.jwtIssuer } : {}),
    ...(t.jwtAudience ? { audience: t.jwtAudience } : {}),
    ...(t.jwtMaxLifetimeSeconds ? { maxLifetimeSeconds: t.jwtMaxLifetimeSeconds } : {}),
  });
  await app.register(healthRoutes, options.health);
}
