/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the service with a message naming the variable (ConfigError). Each service extends
 * `commonEnv` with its own variables.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CLAIM_PATH_PATTERN, DEFAULT_CLAIM_PATHS, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEFAULT_JWT_MAX_LIFETIME_SECONDS } from './token.js';
import { httpEnv, httpLimitsProblem } from './http-limits.js';
import { LOG_FORMATS } from './pretty-log.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z.string().trim().min(1).optional();

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** A duration such as `12h`, `30m`, `900s` or `900` (seconds), in seconds, from 1 s to 7 days. */
const durationSeconds = z.string().trim()
  .regex(/^\d+\s*[smhd]?$/, 'must be a duration such as 12h, 30m or 900 (seconds)')
  .transform((v) => Number(/^\d+/.exec(v)![0]) * DURATION_UNITS[v.replace(/^\d+\s*/, '')]!)
  .pipe(z.number().int().min(1, 'must be at least 1 second').max(7 * 86400, 'must be at most 7 days'));

const claimPath = z.string().trim().regex(CLAIM_PATH_PATTERN, 'must be a claim name or a dotted path such as realm_access.roles');

/**
 * `esdb://[user:password@]host:port?...`. Credentials need TLS: the client silently drops them on
 * a `tls=false` connection, which a secure node then refuses as anonymous. A `tlsCAFile` must
 * exist. Messages never repeat the value (it may carry a password).
 */
const esdbConnectionString = z.string().trim()
  .regex(/^esdb(\+discover)?:\/\//, 'must start with esdb:// or esdb+discover://')
  .superRefine((value, ctx) => {
    const query = new URLSearchParams(value.includes('?') ? value.slice(value.indexOf('?') + 1) : '');
    const authority = value.replace(/^esdb(\+discover)?:\/\//, '').split(/[/?]/)[0] ?? '';
    const tlsOff = query.get('tls')?.toLowerCase() === 'false';
    if (authority.includes('@') && tlsOff) {
      ctx.addIssue({ code: 'custom', message: 'credentials need tls=true: the client sends none over tls=false' });
    }
    const caFile = query.get('tlsCAFile');
    if (caFile && !tlsOff && !existsSync(caFile)) ctx.addIssue({ code: 'custom', message: 'its tlsCAFile does not exist' });
  });

const existingFile = z.string().trim().min(1).refine((path) => existsSync(path), 'no such file');

/** Variables every service reads; `defaultPort` differs per service. */
export const commonEnv = (defaultPort: number) => ({
  PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  ESDB_CONNECTION_STRING: esdbConnectionString.default('esdb://127.0.0.1:2113?tls=false'),
  /** One server, or several nodes of a cluster separated by commas (the client tries each to connect). */
  NATS_URL: z.string().trim().regex(/^(nats|tls):\/\/[^,\s]+(\s*,\s*(nats|tls):\/\/[^,\s]+)*$/, 'must start with nats:// or tls:// (several URLs: separated by commas)').default('nats://127.0.0.1:4222'),
  /** The service's NATS user and password (the runner passes them from DATA_DIR/nats). */
  NATS_USER: optionalText,
  NATS_PASSWORD: z.string().min(1).optional(),
  /**
   * CA of the NATS servers' certificates: the client then speaks TLS and trusts only that CA.
   * Unset, a tls:// URL is checked against Node's default trust (and NODE_EXTRA_CA_CERTS).
   */
  NATS_TLS_CA_FILE: existingFile.optional(),
  /** A client certificate and its key, for servers that verify clients (`verify: true`). */
  NATS_TLS_CERT_FILE: existingFile.optional(),
  NATS_TLS_KEY_FILE: existingFile.optional(),
  /** Replicas of every JetStream stream and bucket the services create: 1 on one server, 3 on a cluster. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5').default(1),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET_FILE: optionalText,
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Required `iss`; embedded default DEFAULT_JWT_ISSUER, required with JWKS_URL (see parseEnv). */
  JWT_ISSUER: optionalText,
  /** Required `aud`; embedded default DEFAULT_JWT_AUDIENCE, required with JWKS_URL. */
  JWT_AUDIENCE: optionalText,
  /** Longest accepted token lifetime (`exp` - `iat`). */
  JWT_MAX_LIFETIME: durationSeconds.default(DEFAULT_JWT_MAX_LIFETIME_SECONDS),
  /** Where a token carries the roles: a claim or a dotted path (Keycloak: realm_access.roles). */
  JWT_ROLES_CLAIM: claimPath.default(DEFAULT_CLAIM_PATHS.roles),
  /** Where a token carries the jurisdictions. */
  JWT_JURISDICTIONS_CLAIM: claimPath.default(DEFAULT_CLAIM_PATHS.jurisdictions),
  MASTER_KEY: optionalText,
  MASTER_KEY_FILE: optionalText,
  /**
   * During a rotation of the master key: the previous key(s), comma-separated base64, which
   * still unwrap (and verify, and open) what the old key wrapped; MASTER_KEY wraps anew.
   */
  MASTER_KEY_PREVIOUS: z.string().trim().regex(/^[^,\s]+(\s*,\s*[^,\s]+)*$/, 'must be base64 master keys separated by commas').optional(),
  /** A file holding them, one a line. */
  MASTER_KEY_PREVIOUS_FILE: optionalText,
  /**
   * Before a rotation: the key(s) other instances will wrap with (or already do), comma-separated
   * base64; they unwrap (and verify, and open) but never wrap. Set everywhere before any instance
   * switches to the new MASTER_KEY, so instances still on the old key read what switched ones wrote.
   */
  MASTER_KEY_NEXT: z.string().trim().regex(/^[^,\s]+(\s*,\s*[^,\s]+)*$/, 'must be base64 master keys separated by commas').optional(),
  /** A file holding them, one a line. */
  MASTER_KEY_NEXT_FILE: optionalText,
  /** PEM Ed25519 private key that signs the events written (unset: generated under DATA_DIR). */
  CHAIN_SIGNING_KEY_FILE: optionalText,
  /** JSON keyring of the public keys whose signatures verify (unset: the signing key's only). */
  CHAIN_VERIFY_KEYS_FILE: optionalText,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** json or pretty (readable lines); unset: pretty on a terminal, json otherwise (see pretty-log.ts). */
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  ...httpEnv,
});

/** What parseEnv settles beyond the schema. */
export interface ResolvedConfig {
  /** No JWT secret, secret file nor JWKS URL configured: secrets are generated under DATA_DIR. */
  embedded: boolean;
  /** Always set: configured, or the embedded default. */
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

export type CommonConfig = z.infer<z.ZodObject<ReturnType<typeof commonEnv>>> & ResolvedConfig;

/** Parses `env` with `shape`; throws ConfigError naming every wrong variable and contradictory pairs. */
export function parseEnv<S extends z.ZodRawShape & ReturnType<typeof commonEnv>>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> & ResolvedConfig {
  // An empty variable counts as unset.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = z.object(shape).safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const c = parsed.data as z.infer<z.ZodObject<S>> & z.infer<z.ZodObject<ReturnType<typeof commonEnv>>>;
  if (c.JWT_SECRET && c.JWT_SECRET_FILE) throw new ConfigError('invalid configuration: JWT_SECRET and JWT_SECRET_FILE are both set; set one');
  if (c.JWKS_URL && (c.JWT_SECRET || c.JWT_SECRET_FILE)) {
    throw new ConfigError('invalid configuration: JWKS_URL and JWT_SECRET/JWT_SECRET_FILE are both set; set one');
  }
  const limits = httpLimitsProblem(c);
  if (limits) throw new ConfigError(`invalid configuration: ${limits}`);
  if (Boolean(c.NATS_USER) !== Boolean(c.NATS_PASSWORD)) throw new ConfigError('invalid configuration: NATS_USER and NATS_PASSWORD go together; set both or neither');
  if (Boolean(c.NATS_TLS_CERT_FILE) !== Boolean(c.NATS_TLS_KEY_FILE)) throw new ConfigError('invalid configuration: NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together; set both or neither');
  // Every service writes events (the projection its access log, the notification its audit).
  if (c.CHAIN_VERIFY_KEYS_FILE && !c.CHAIN_SIGNING_KEY_FILE) {
    throw new ConfigError('invalid configuration: CHAIN_SIGNING_KEY_FILE: required with CHAIN_VERIFY_KEYS_FILE (every service signs the events it writes)');
  }
  if (c.MASTER_KEY && c.MASTER_KEY_FILE) throw new ConfigError('invalid configuration: MASTER_KEY and MASTER_KEY_FILE are both set; set one');
  if (c.MASTER_KEY_PREVIOUS && c.MASTER_KEY_PREVIOUS_FILE) throw new ConfigError('invalid configuration: MASTER_KEY_PREVIOUS and MASTER_KEY_PREVIOUS_FILE are both set; set one');
  if ((c.MASTER_KEY_PREVIOUS || c.MASTER_KEY_PREVIOUS_FILE) && !c.MASTER_KEY && !c.MASTER_KEY_FILE) {
    throw new ConfigError(`invalid configuration: ${c.MASTER_KEY_PREVIOUS ? 'MASTER_KEY_PREVIOUS' : 'MASTER_KEY_PREVIOUS_FILE'}: requires MASTER_KEY or MASTER_KEY_FILE (the new master key)`);
  }
  if (c.MASTER_KEY_NEXT && c.MASTER_KEY_NEXT_FILE) throw new ConfigError('invalid configuration: MASTER_KEY_NEXT and MASTER_KEY_NEXT_FILE are both set; set one');
  if ((c.MASTER_KEY_NEXT || c.MASTER_KEY_NEXT_FILE) && !c.MASTER_KEY && !c.MASTER_KEY_FILE) {
    throw new ConfigError(`invalid configuration: ${c.MASTER_KEY_NEXT ? 'MASTER_KEY_NEXT' : 'MASTER_KEY_NEXT_FILE'}: requires MASTER_KEY or MASTER_KEY_FILE (the key that still wraps)`);
  }
  // An identity provider's tokens are checked against its own issuer and audience: no default fits them.
  if (c.JWKS_URL && !c.JWT_ISSUER) throw new ConfigError('invalid configuration: JWT_ISSUER: required with JWKS_URL (the iss of the identity provider\'s tokens)');
  if (c.JWKS_URL && !c.JWT_AUDIENCE) throw new ConfigError('invalid configuration: JWT_AUDIENCE: required with JWKS_URL (the aud its tokens carry for this system)');
  return {
    ...c,
    JWT_ISSUER: c.JWT_ISSUER ?? DEFAULT_JWT_ISSUER,
    JWT_AUDIENCE: c.JWT_AUDIENCE ?? DEFAULT_JWT_AUDIENCE,
    embedded: !c.JWKS_URL && !c.JWT_SECRET && !c.JWT_SECRET_FILE,
  } as z.infer<z.ZodObject<S>> & ResolvedConfig;
}

/** Loads the configuration or exits with code 2 and a message naming the wrong variable. */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** The servers of NATS_URL. */
const natsServers = (url: string): string[] => url.split(',').map((server) => server.trim());

export interface NatsConnectOptions {
  servers: string[];
  user?: string;
  pass?: string;
  /** nats.js reads the files; a server whose certificate the CA did not issue is refused. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/**
 * The NATS connection options of a service's configuration: credentials and TLS only when
 * configured. With a CA the client insists on TLS even for a nats:// URL.
 */
export function natsConnectOptions(
  config: Pick<CommonConfig, 'NATS_URL' | 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_TLS_CA_FILE' | 'NATS_TLS_CERT_FILE' | 'NATS_TLS_KEY_FILE'>,
): NatsConnectOptions {
  return {
    servers: natsServers(config.NATS_URL),
    ...(config.NATS_USER && config.NATS_PASSWORD ? { user: config.NATS_USER, pass: config.NATS_PASSWORD } : {}),
    ...(config.NATS_TLS_CA_FILE || config.NATS_TLS_CERT_FILE
      ? {
        tls: {
          ...(config.NATS_TLS_CA_FILE ? { caFile: config.NATS_TLS_CA_FILE } : {}),
          ...(config.NATS_TLS_CERT_FILE && config.NATS_TLS_KEY_FILE ? { certFile: config.NATS_TLS_CERT_FILE, keyFile: config.NATS_TLS_KEY_FILE } : {}),
        },
      }
      : {}),
  };
}

/**
 * Where documents are kept (the command service writes them, the projection reads them):
 * `fs` under DATA_DIR/documents (the embedded default) or `nats`, a JetStream Object Store bucket
 * on NATS_URL (and how many chunks of an upload to it may await their acknowledgement); the
 * largest upload; and clamd, when uploads are to be scanned (a Unix socket, or host and port).
 */
export const documentEnv = () => ({
  DOCUMENT_STORE: z.enum(['fs', 'nats']).default('fs'),
  DOCUMENT_BUCKET: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a bucket name (letters, digits, - and _)').default('cfund-documents'),
  DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(25 * 1024 * 1024),
  /** With DOCUMENT_STORE=nats: 128 KiB chunks an upload may have unacknowledged and a download may have asked for ahead of its reader (their memory, their pace). */
  DOCUMENT_CHUNKS_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(8),
  CLAMD_SOCKET: optionalText,
  CLAMD_HOST: optionalText,
  CLAMD_PORT: z.coerce.number().int().min(1).max(65535).default(3310),
});

/**
 * Where the victims' wrapped data keys are kept (the command service writes them, the projection
 * reads them): `file` under DATA_DIR (the embedded default: one host) or `nats`, a replicated
 * JetStream KV bucket on NATS_URL (several hosts). See @cfund/eventstore's README.
 */
export const keyStoreEnv = () => ({
  KEY_STORE: z.enum(['file', 'nats']).default('file'),
  KEY_STORE_BUCKET: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a bucket name (letters, digits, - and _)').default('cfund-keys'),
  /** With KEY_STORE=nats: how long an unwrapped key stays cached if an erasure notice is missed (ms). */
  KEY_CACHE_MAX_AGE_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
});

/** Where documents live in the embedded default. */
export const documentsDir = (dataDir: string): string => resolve(dataDir, 'documents');
