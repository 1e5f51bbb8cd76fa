/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the service with a message naming the variable (ConfigError).
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DebtorAccountSchema, JurisdictionSchema } from '@cfund/contracts';
import { commonEnv, documentEnv, keyStoreEnv, parseEnv } from '@cfund/service-kit';
import { FAULT_INJECTIONS } from './faults.js';

/**
 * The embedded mode's fund accounts, one per jurisdiction, that payment runs pay from: the
 * standard example IBANs of each country, so that the files they appear in validate. Set
 * FUND_ACCOUNTS in production.
 */
export const DEMO_FUND_ACCOUNTS = {
  RS: { name: 'Fond za naknadu štete žrtvama (demo)', iban: 'RS35260005601001611379', bic: 'AIKBRS22' },
  BA: { name: 'Fond za naknadu štete žrtvama (demo)', iban: 'BA391290079401028494', bic: 'RZBABA2S' },
  ME: { name: 'Fond za naknadu štete žrtvama (demo)', iban: 'ME25505000012345678951', bic: 'CKBCMEPG' },
  AL: { name: 'Fondi i kompensimit të viktimave (demo)', iban: 'AL47212110090000000235698741', bic: 'STANALTR' },
  MK: { name: 'Фонд за надомест на жртви (demo)', iban: 'MK07250120000058984', bic: 'KOBSMK2X' },
  XK: { name: 'Fondi i kompensimit të viktimave (demo)', iban: 'XK051212012345678906', bic: 'RBKOXKPR' },
} as const;

/** FUND_ACCOUNTS: JSON, `{ "RS": { "name": ..., "iban": ..., "bic": ... }, ... }`. */
const FundAccountsSchema = z.string().transform((v, ctx) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
}).pipe(z.partialRecord(JurisdictionSchema, DebtorAccountSchema));

export { ConfigError } from '@cfund/service-kit';

const EnvShape = {
  ...commonEnv(4001),
  ...documentEnv(),
  ...keyStoreEnv(),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** Runs the ledger reconciler in this instance (one instance of several is enough; off in tests of the retry path). */
  RECONCILER_ENABLED: z.stringbool().default(true),
  /** How often the ledger reconciler runs (ms); 0: only once, at start-up. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(24 * 3600 * 1000).default(5 * 60 * 1000),
  /** How often orphaned document bytes are swept (ms); 0: only at start-up. */
  DOCUMENT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).max(7 * 24 * 3600 * 1000).default(3600 * 1000),
  /** Bytes younger than this are never swept: their event may be on its way (ms; at least a second, default a day). */
  DOCUMENT_ORPHAN_GRACE_MS: z.coerce.number().int().min(1000).max(365 * 24 * 3600 * 1000).default(24 * 3600 * 1000),
  /** Worker threads that render letters off the event loop (default: one core left free, at most 2); 0 renders on it. */
  LETTER_RENDER_WORKERS: z.coerce.number().int().min(0).max(16).default(() => Math.min(2, Math.max(1, availableParallelism() - 1))),
  /** Testing only: `kill-<point>` SIGKILLs the process at that point between two writes (src/faults.ts names them). */
  CFUND_FAULT_INJECTION: z.enum(FAULT_INJECTIONS).optional(),
  /** Hosts the relay from EventStoreDB $all to NATS JetStream (@cfund/messaging) on NATS_URL. */
  RELAY_ENABLED: z.stringbool().default(true),
  /** The fund's accounts payment runs pay from, by jurisdiction (default: demo accounts, embedded mode). */
  FUND_ACCOUNTS: FundAccountsSchema.default(DEMO_FUND_ACCOUNTS),
};

/** Every variable the configuration reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvShape);

export type Config = ReturnType<typeof loadConfig>;

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(EnvShape, env);
}
