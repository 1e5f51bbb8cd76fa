/**
 * The console process (runService: configuration, signals, exit codes). It needs no master key
 * and no chain key: in the embedded mode only the JWT secret the services share, to sign in
 * demo users; with OpenID Connect not even that (the provider issues the tokens).
 */
import { httpLimitsOf, jwtSecretPath, loadOrCreateJwtSecret, runService } from '@cfund/service-kit';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { EmbeddedSignIn } from './sign-in/embedded.js';
import { OidcSignIn } from './sign-in/oidc.js';

runService({
  name: 'console',
  loadConfig: () => loadConfig(),
  docs: false,
  // The same secret the services verify with (created by whichever starts first).
  secrets: async (config: Config) => (config.embedded
    ? { jwtSecret: (await loadOrCreateJwtSecret(jwtSecretPath(config.DATA_DIR))).secret, notes: [] }
    : { notes: [] }),
  async build({ config, secrets, logger }) {
    const embeddedSignIn = secrets.jwtSecret
      ? new EmbeddedSignIn({ jwtSecret: secrets.jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.JWT_MAX_LIFETIME })
      : undefined;
    const oidcSignIn = config.oidc ? await OidcSignIn.discover(config.oidc) : undefined;
    const app = await buildApp({
      logger, upstreams: config.upstreams, bodyLimit: config.BODY_LIMIT, http: httpLimitsOf(config),
      session: { idleSeconds: config.SESSION_IDLE_TIMEOUT, maxAgeSeconds: config.SESSION_MAX_AGE, limit: config.SESSION_LIMIT, secureCookie: config.COOKIE_SECURE },
      ...(embeddedSignIn ? { embeddedSignIn } : {}),
      ...(oidcSignIn ? { oidcSignIn } : {}),
    });
    return { app };
  },
  start: async (_parts, { secrets, config }) => (secrets.jwtSecret
    ? { details: 'embedded mode: sign in as a demo user' }
    : config.oidc ? { details: `sign-in at ${config.oidc.issuer.href}` } : {}),
  stop: async ({ app }) => { await app.close(); },
});
