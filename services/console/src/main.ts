/**
 * The console process: reads the configuration (a wrong variable stops it with its name, exit
 * code 2), in the embedded mode reads the JWT secret the services share, listens, and shuts
 * down gracefully on SIGTERM/SIGINT.
 */
import { createLogger } from '@cfund/eventstore';
import { httpLimitsOf, jwtSecretPath, loadConfigOrExit, loadOrCreateJwtSecret, onShutdownSignals, runMain } from '@cfund/service-kit';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { EmbeddedSignIn } from './sign-in/embedded.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('console', () => loadConfig());
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'console' } });
  // The same secret the services verify with (created by whichever starts first).
  const embeddedSignIn = config.embedded
    ? new EmbeddedSignIn({
      jwtSecret: (await loadOrCreateJwtSecret(jwtSecretPath(config.DATA_DIR))).secret,
      issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.JWT_MAX_LIFETIME,
    })
    : undefined;
  const app = await buildApp({
    logger, upstreams: config.upstreams, bodyLimit: config.BODY_LIMIT, http: httpLimitsOf(config),
    session: { idleSeconds: config.SESSION_IDLE_TIMEOUT, limit: config.SESSION_LIMIT, secureCookie: config.COOKIE_SECURE },
    ...(embeddedSignIn ? { embeddedSignIn } : {}),
  });
  onShutdownSignals(() => app.close(), { logger });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info(`console ready on ${address}${embeddedSignIn ? ' (embedded mode: sign in as a demo user)' : ''}`);
}

runMain('console', main);
