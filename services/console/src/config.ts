/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the console with a message naming the variable (ConfigError). The defaults are the embedded
 * mode's: the three services where `npm start` runs them, the JWT secret under DATA_DIR, the
 * demo sign-in. With OIDC_ISSUER people sign in at that OpenID provider instead.
 */
import { z } from 'zod';
import { commonEnv, ConfigError, parseEnv } from '@cfund/service-kit';
import { OIDC_CALLBACK_PATH } from './sign-in/oidc-routes.js';

export { ConfigError } from '@cfund/service-kit';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const serviceUrl = z.url({ protocol: /^https?$/ }).optional();
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const EnvShape = {
  ...commonEnv(4000),
  /** The services' ports under `npm start`: the upstream URLs default to them on HOST. */
  COMMAND_PORT: port(4001),
  PROJECTION_PORT: port(4002),
  NOTIFICATION_PORT: port(4003),
  COMMAND_URL: serviceUrl,
  PROJECTION_URL: serviceUrl,
  NOTIFICATION_URL: serviceUrl,
  /** A session unused this long (seconds) ends. */
  SESSION_IDLE_TIMEOUT: z.coerce.number().int().min(60).max(24 * 3600).default(30 * 60),
  /** A session ends this long (seconds) after sign-in, however used (renewals included). */
  SESSION_MAX_AGE: z.coerce.number().int().min(300).max(7 * 86400).default(12 * 3600),
  /** Sessions held at once; past it the least recently used ends (the store lives in memory). */
  SESSION_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** `true` when the console is served over TLS (directly or behind a proxy): the cookie gets Secure. */
  COOKIE_SECURE: z.stringbool().default(false),
  /** Largest request body forwarded to a service (bytes). */
  BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
  /** The OpenID provider people sign in at (its .well-known/openid-configuration is read at start). */
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** This console's callback as registered at the provider (default from HOST, PORT and COOKIE_SECURE). */
  OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Where the provider's logout sends the browser back (default: the sign-in page). */
  OIDC_POST_LOGOUT_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_SCOPES: z.string().trim().regex(/(^|\s)openid(\s|$)/, 'must include openid').default('openid profile'),
};

/** Every variable the configuration reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvShape);

export type Config = ReturnType<typeof loadConfig>;

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const c = parseEnv(EnvShape, env);
  // 0.0.0.0 listens everywhere but is no address to call.
  const host = c.HOST === '0.0.0.0' || c.HOST === '::' ? '127.0.0.1' : c.HOST;
  const local = (p: number) => `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
  return {
    ...c,
    // The demo sign-in (and the shared JWT secret it needs) only without an OpenID provider.
    embedded: c.embedded && !c.OIDC_ISSUER,
    oidc: oidcOf(c, `${c.COOKIE_SECURE ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${c.PORT}`),
    upstreams: {
      commands: c.COMMAND_URL ?? local(c.COMMAND_PORT),
      queries: c.PROJECTION_URL ?? local(c.PROJECTION_PORT),
      notifications: c.NOTIFICATION_URL ?? local(c.NOTIFICATION_PORT),
    },
  };
}

/** The OpenID Connect settings, or undefined without OIDC_ISSUER; throws ConfigError naming what is missing or wrong. */
function oidcOf(c: ReturnType<typeof parseEnv<typeof EnvShape>>, origin: string) {
  if (!c.OIDC_ISSUER) {
    const stray = (['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL', 'OIDC_POST_LOGOUT_REDIRECT_URL'] as const).find((k) => c[k] !== undefined);
    if (stray) throw new ConfigError(`invalid configuration: OIDC_ISSUER: required with ${stray}`);
    return undefined;
  }
  const issuer = new URL(c.OIDC_ISSUER);
  // Tokens and secrets cross this connection: plain HTTP only to a provider on this machine.
  if (issuer.protocol === 'http:' && !LOOPBACK.has(issuer.hostname)) throw new ConfigError('invalid configuration: OIDC_ISSUER: must be https (http only for a provider on this machine)');
  if (!c.OIDC_CLIENT_ID) throw new ConfigError('invalid configuration: OIDC_CLIENT_ID: required with OIDC_ISSUER');
  if (!c.OIDC_CLIENT_SECRET) throw new ConfigError('invalid configuration: OIDC_CLIENT_SECRET: required with OIDC_ISSUER');
  const redirectUrl = new URL(c.OIDC_REDIRECT_URL ?? `${origin}${OIDC_CALLBACK_PATH}`);
  return {
    issuer,
    clientId: c.OIDC_CLIENT_ID,
    clientSecret: c.OIDC_CLIENT_SECRET,
    redirectUrl,
    postLogoutRedirectUrl: new URL(c.OIDC_POST_LOGOUT_REDIRECT_URL ?? `${redirectUrl.origin}/sign-in?signed-out`),
    scopes: c.OIDC_SCOPES.split(/\s+/).join(' '),
    audience: c.JWT_AUDIENCE,
    maxLifetimeSeconds: c.JWT_MAX_LIFETIME,
    claims: { roles: c.JWT_ROLES_CLAIM, jurisdictions: c.JWT_JURISDICTIONS_CLAIM },
  };
}
