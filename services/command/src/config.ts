/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the service with a message naming the variable (ConfigError).
 */
import { z } from 'zod';
import { commonEnv, parseEnv } from '@cfund/service-kit';

export { ConfigError } from '@cfund/service-kit';

const EnvShape = {
  ...commonEnv(4001),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** How often the ledger reconciler runs (ms); 0 turns it off. It also runs once at start-up. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(24 * 3600 * 1000).default(5 * 60 * 1000),
  /** Testing only: `kill-after-funds-committed` SIGKILLs the process between an approval's two writes. */
  CFUND_FAULT_INJECTION: z.enum(['kill-after-funds-committed']).optional(),
  /** Hosts the relay from EventStoreDB $all to NATS JetStream (@cfund/messaging) on NATS_URL. */
  RELAY_ENABLED: z.stringbool().default(true),
};

export type Config = ReturnType<typeof loadConfig>;

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(EnvShape, env);
}
