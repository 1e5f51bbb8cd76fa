/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the service with a message naming the variable (ConfigError).
 */
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z.string().trim().min(1).optional();

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  ESDB_CONNECTION_STRING: z.string().trim().regex(/^esdb(\+discover)?:\/\//, 'must start with esdb:// or esdb+discover://')
    .default('esdb://127.0.0.1:2113?tls=false'),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET_FILE: optionalText,
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  MASTER_KEY: optionalText,
  MASTER_KEY_FILE: optionalText,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** How often the ledger reconciler runs (ms); 0 turns it off. It also runs once at start-up. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(24 * 3600 * 1000).default(5 * 60 * 1000),
  /** Testing only: `kill-after-funds-committed` SIGKILLs the process between an approval's two writes. */
  CFUND_FAULT_INJECTION: z.enum(['kill-after-funds-committed']).optional(),
});

export type Config = z.infer<typeof EnvSchema> & {
  /** No JWT secret, secret file nor JWKS URL configured: secrets are generated under DATA_DIR. */
  embedded: boolean;
};

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const c = parsed.data;
  if (c.JWT_SECRET && c.JWT_SECRET_FILE) throw new ConfigError('invalid configuration: JWT_SECRET and JWT_SECRET_FILE are both set; set one');
  if (c.JWKS_URL && (c.JWT_SECRET || c.JWT_SECRET_FILE)) {
    throw new ConfigError('invalid configuration: JWKS_URL and JWT_SECRET/JWT_SECRET_FILE are both set; set one');
  }
  if (c.MASTER_KEY && c.MASTER_KEY_FILE) throw new ConfigError('invalid configuration: MASTER_KEY and MASTER_KEY_FILE are both set; set one');
  return { ...c, embedded: !c.JWKS_URL && !c.JWT_SECRET && !c.JWT_SECRET_FILE };
}
