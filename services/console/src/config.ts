/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the console with a message naming the variable (ConfigError). The defaults are the embedded
 * mode's: the three services where `npm start` runs them, the JWT secret under DATA_DIR.
 */
import { z } from 'zod';
import { commonEnv, parseEnv } from '@cfund/service-kit';

export { ConfigError } from '@cfund/service-kit';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const serviceUrl = z.url({ protocol: /^https?$/ }).optional();

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
  /** Sessions held at once; past it the least recently used ends (the store lives in memory). */
  SESSION_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** `true` when the console is served over TLS (directly or behind a proxy): the cookie gets Secure. */
  COOKIE_SECURE: z.stringbool().default(false),
  /** Largest request body forwarded to a service (bytes). */
  BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
};

export type Config = ReturnType<typeof loadConfig>;

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const c = parseEnv(EnvShape, env);
  // 0.0.0.0 listens everywhere but is no address to call.
  const host = c.HOST === '0.0.0.0' || c.HOST === '::' ? '127.0.0.1' : c.HOST;
  const local = (p: number) => `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
  return {
    ...c,
    upstreams: {
      commands: c.COMMAND_URL ?? local(c.COMMAND_PORT),
      queries: c.PROJECTION_URL ?? local(c.PROJECTION_PORT),
      notifications: c.NOTIFICATION_URL ?? local(c.NOTIFICATION_PORT),
    },
  };
}
