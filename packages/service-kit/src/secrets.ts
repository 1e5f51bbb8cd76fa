/**
 * Secrets of the embedded mode: generated on first start into DATA_DIR/secrets/ (mode 0600),
 * read from there afterwards. Production passes them through configuration instead.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidMasterKeyError, MasterKeyRing, loadOrCreateMasterKey, parseMasterKey } from '@cfund/eventstore';
import type { ChainKeyring, ChainSigner } from '@cfund/eventstore';
import { resolveChainKeys } from './chain-keys.js';
import { ConfigError, type CommonConfig } from './config.js';
import { jwtSecretPath, loadOrCreateJwtSecret, readJwtSecretFile } from './jwt-secret.js';

export { jwtSecretPath, loadOrCreateJwtSecret, readJwtSecretFile };

/** The variables that say where the secrets come from. */
export type SecretsConfig = Pick<CommonConfig,
  'DATA_DIR' | 'JWT_SECRET' | 'JWT_SECRET_FILE' | 'JWKS_URL' | 'MASTER_KEY' | 'MASTER_KEY_FILE' | 'MASTER_KEY_PREVIOUS' | 'MASTER_KEY_PREVIOUS_FILE' | 'MASTER_KEY_NEXT' | 'MASTER_KEY_NEXT_FILE' | 'CHAIN_SIGNING_KEY_FILE' | 'CHAIN_VERIFY_KEYS_FILE'>;

export const masterKeyPath = (dataDir: string): string => resolve(dataDir, 'secrets', 'master-key');
/** The victims' data keys (written by the command service, read by the services that decrypt). */
export const keyStoreDir = (dataDir: string): string => resolve(dataDir, 'command', 'keystore');

export interface ResolvedSecrets {
  /** HS256 secret, unless JWKS_URL is configured. */
  jwtSecret?: Uint8Array;
  masterKey: Buffer;
  /** During a rotation: the previous master keys (MASTER_KEY_PREVIOUS), which still unwrap and verify. */
  previousMasterKeys: Buffer[];
  /** Before a rotation reaches this instance: the keys others already wrap with (MASTER_KEY_NEXT). */
  nextMasterKeys: Buffer[];
  /**
   * Every key besides MASTER_KEY whose work is accepted (previous and next): what verifies a relay
   * signature or an idempotency fingerprint and opens a sealed secret. Only MASTER_KEY signs and seals.
   */
  acceptedMasterKeys: Buffer[];
  /** Signs every event this service writes. */
  chainSigner: ChainSigner;
  /** The public keys whose signatures verify (see chain-keys.ts). */
  chainKeyring: ChainKeyring;
  /** What was generated or read where, for the start-up message. */
  notes: string[];
}

/** The JWT secret, master key and chain keys from configuration, generating them in the embedded mode. */
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
  const previousMasterKeys = await resolveKeyList(config, 'MASTER_KEY_PREVIOUS');
  const nextMasterKeys = await resolveKeyList(config, 'MASTER_KEY_NEXT');
  try {
    new MasterKeyRing(masterKey, previousMasterKeys, nextMasterKeys);
  } catch (error) {
    if (!(error instanceof InvalidMasterKeyError)) throw error;
    const variables = [previousMasterKeys.length > 0 ? 'MASTER_KEY_PREVIOUS' : '', nextMasterKeys.length > 0 ? 'MASTER_KEY_NEXT' : ''].filter(Boolean).join(' / ');
    throw new ConfigError(`invalid configuration: ${variables}: ${error.message}`);
  }
  if (previousMasterKeys.length > 0) notes.push(`master key rotation: ${previousMasterKeys.length} previous master key(s) accepted`);
  if (nextMasterKeys.length > 0) notes.push(`master key rotation ahead: ${nextMasterKeys.length} next master key(s) accepted (MASTER_KEY still wraps)`);
  const chain = await resolveChainKeys(config);
  notes.push(...chain.notes);
  return {
    ...(jwtSecret ? { jwtSecret } : {}), masterKey, previousMasterKeys, nextMasterKeys, acceptedMasterKeys: [...previousMasterKeys, ...nextMasterKeys],
    chainSigner: chain.signer, chainKeyring: chain.keyring, notes,
  };
}

/** <NAME> (comma-separated) or <NAME>_FILE (one a line): each a valid master key. */
async function resolveKeyList(config: SecretsConfig, name: 'MASTER_KEY_PREVIOUS' | 'MASTER_KEY_NEXT'): Promise<Buffer[]> {
  const inline = config[name];
  const file = config[`${name}_FILE`];
  const variable = inline ? name : `${name}_FILE`;
  let texts: string[];
  if (inline) {
    texts = inline.split(',');
  } else if (file) {
    try {
      texts = (await readFile(resolve(file), 'utf8')).split('\n').filter((line) => line.trim() !== '');
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${variable}: ${(error as Error).message}`);
    }
  } else {
    return [];
  }
  return texts.map((text, i) => {
    try {
      return parseMasterKey(text);
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${variable}: key ${i + 1}: ${(error as Error).message}`);
    }
  });
}
