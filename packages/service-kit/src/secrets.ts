/**
 * Secrets of the embedded mode: generated on first start into DATA_DIR/secrets/ (mode 0600),
 * read from there afterwards. Production passes them through configuration instead.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadOrCreateMasterKey, parseMasterKey } from '@cfund/eventstore';
import { ConfigError, type CommonConfig } from './config.js';

/** The variables that say where the secrets come from. */
export type SecretsConfig = Pick<CommonConfig, 'DATA_DIR' | 'JWT_SECRET' | 'JWT_SECRET_FILE' | 'JWKS_URL' | 'MASTER_KEY' | 'MASTER_KEY_FILE'>;

export const jwtSecretPath = (dataDir: string): string => resolve(dataDir, 'secrets', 'jwt-secret');
export const masterKeyPath = (dataDir: string): string => resolve(dataDir, 'secrets', 'master-key');
/** The victims' data keys (written by the command service, read by the services that decrypt). */
export const keyStoreDir = (dataDir: string): string => resolve(dataDir, 'command', 'keystore');

/**
 * Reads the JWT secret at `path`, creating it (48 random bytes, base64url, mode 0600) when
 * missing. Written to a temporary file and linked into place, so services starting together
 * never read a half-written secret.
 */
export async function loadOrCreateJwtSecret(path: string): Promise<{ secret: Uint8Array; created: boolean; path: string }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let created = false;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    await link(tmp, path);
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  return { secret: await readJwtSecretFile(path), created, path };
}

export async function readJwtSecretFile(path: string): Promise<Uint8Array> {
  const text = (await readFile(path, 'utf8')).trim();
  if (text.length < 32) throw new ConfigError(`invalid configuration: JWT_SECRET_FILE ${path} holds fewer than 32 characters`);
  return new TextEncoder().encode(text);
}

export interface ResolvedSecrets {
  /** HS256 secret, unless JWKS_URL is configured. */
  jwtSecret?: Uint8Array;
  masterKey: Buffer;
  /** What was generated or read where, for the start-up message. */
  notes: string[];
}

/** The JWT secret and master key from configuration, generating them in the embedded mode. */
export async function resolveSecrets(config: SecretsConfig): Promise<ResolvedSecrets> {
  const notes: string[] = [];
  let jwtSecret: Uint8Array | undefined;
  if (config.JWT_SECRET) {
    jwtSecret = new TextEncoder().encode(config.JWT_SECRET);
  } else if (config.JWT_SECRET_FILE) {
    jwtSecret = await readJwtSecretFile(resolve(config.JWT_SECRET_FILE));
  } else if (!config.JWKS_URL) {
    const s = await loadOrCreateJwtSecret(jwtSecretPath(config.DATA_DIR));
    jwtSecret = s.secret;
    notes.push(`JWT secret (HS256) ${s.created ? 'generated at' : 'read from'} ${s.path}`);
  }
  let masterKey: Buffer;
  if (config.MASTER_KEY) {
    try {
      masterKey = parseMasterKey(config.MASTER_KEY);
    } catch (error) {
      throw new ConfigError(`invalid configuration: MASTER_KEY: ${(error as Error).message}`);
    }
  } else if (config.MASTER_KEY_FILE) {
    try {
      masterKey = parseMasterKey(await readFile(resolve(config.MASTER_KEY_FILE), 'utf8'));
    } catch (error) {
      throw new ConfigError(`invalid configuration: MASTER_KEY_FILE: ${(error as Error).message}`);
    }
  } else {
    const k = await loadOrCreateMasterKey(masterKeyPath(config.DATA_DIR));
    masterKey = k.key;
    notes.push(`master key of personal data ${k.created ? 'generated at' : 'read from'} ${k.path}`);
  }
  return { ...(jwtSecret ? { jwtSecret } : {}), masterKey, notes };
}
