/**
 * The keys of the signed hash chain (see @cfund/eventstore chain-signature.ts): the private key
 * that signs every event this process writes, and the keyring of public keys that verify them.
 *
 * Embedded mode: the first service to start generates DATA_DIR/secrets/chain-signing-key.pem
 * (0600, directory 0700) and records its public key in DATA_DIR/secrets/chain-keys.json; the
 * others read both. Production: CHAIN_SIGNING_KEY_FILE (PKCS#8 PEM Ed25519 private key) and
 * optionally CHAIN_VERIFY_KEYS_FILE (`{ "keys": { "<keyId>": "<SPKI PEM>" } }`, holding the
 * current key's public key and those of keys rotated out).
 *
 * Rotation: a new private key in place of the old one; its public key is added to the keyring,
 * the old public keys stay there, so events signed before verify. Embedded mode does the adding
 * itself at the next start (move chain-signing-key.pem away and restart).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ChainKeyring, ChainSigner, createFileExclusive, writeFileAtomic } from '@cfund/eventstore';
import { ConfigError } from './config.js';

export const chainSigningKeyPath = (dataDir: string): string => resolve(dataDir, 'secrets', 'chain-signing-key.pem');
export const chainKeyringPath = (dataDir: string): string => resolve(dataDir, 'secrets', 'chain-keys.json');

export interface ChainKeys {
  signer: ChainSigner;
  keyring: ChainKeyring;
  /** What was generated or read where, for the start-up message. */
  notes: string[];
}

/** The variables that say where the chain keys come from. */
export interface ChainKeysConfig {
  DATA_DIR: string;
  CHAIN_SIGNING_KEY_FILE?: string | undefined;
  CHAIN_VERIFY_KEYS_FILE?: string | undefined;
}

async function readText(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The Ed25519 private key in the PEM file at `path`; ConfigError naming `variable` otherwise. */
export async function readChainSigningKeyFile(path: string, variable = 'CHAIN_SIGNING_KEY_FILE'): Promise<ChainSigner> {
  const pem = await readText(path, variable);
  try {
    return ChainSigner.fromPem(pem);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${variable}: ${path}: ${(error as Error).message} (expected a PKCS#8 PEM Ed25519 private key)`);
  }
}

/** The keyring in the JSON file at `path`; ConfigError naming `variable` otherwise. */
export async function readChainKeyringFile(path: string, variable = 'CHAIN_VERIFY_KEYS_FILE'): Promise<ChainKeyring> {
  return parseChainKeyring(await readText(path, variable), path, variable);
}

function parseChainKeyring(text: string, path: string, variable: string): ChainKeyring {
  try {
    return ChainKeyring.fromJson(JSON.parse(text));
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${variable}: ${path}: ${(error as Error).message}`);
  }
}

/**
 * The embedded mode's keys: the signing key at chainSigningKeyPath (generated when missing;
 * concurrent first starts agree on one) and the keyring at chainKeyringPath, to which the
 * signing key's public key is added when it is not there yet (first start, or a rotation).
 */
export async function loadOrCreateChainKeys(dataDir: string): Promise<ChainKeys> {
  const keyPath = chainSigningKeyPath(dataDir);
  const ringPath = chainKeyringPath(dataDir);
  await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
  const created = await createFileExclusive(keyPath, ChainSigner.generate().toPem())
    .catch((error: unknown) => { throw new ConfigError(`cannot create the chain signing key ${keyPath}: ${(error as Error).message}`); });
  const signer = await readChainSigningKeyFile(keyPath, `the chain signing key (embedded mode, ${keyPath})`);
  let ringText: string | undefined;
  try {
    ringText = await readFile(ringPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keyring = ringText === undefined ? new ChainKeyring() : parseChainKeyring(ringText, ringPath, 'the chain keyring (embedded mode)');
  const notes = [`chain signing key ${signer.keyId} ${created ? 'generated at' : 'read from'} ${keyPath}`];
  if (!keyring.has(signer.keyId)) {
    keyring.add(signer.publicKey);
    await writeFileAtomic(ringPath, `${JSON.stringify(keyring.toJson(), null, 2)}\n`);
    notes.push(`public key ${signer.keyId} added to the chain keyring ${ringPath}`);
  }
  notes.push(`chain keyring: ${keyring.keyIds.join(', ')}`);
  return { signer, keyring, notes };
}

/** The chain keys from configuration (as checked by parseEnv), or the embedded mode's. */
export async function resolveChainKeys(config: ChainKeysConfig): Promise<ChainKeys> {
  // parseEnv refuses CHAIN_VERIFY_KEYS_FILE alone: every service signs the events it writes.
  if (!config.CHAIN_SIGNING_KEY_FILE) return loadOrCreateChainKeys(config.DATA_DIR);
  const signer = await readChainSigningKeyFile(resolve(config.CHAIN_SIGNING_KEY_FILE));
  if (!config.CHAIN_VERIFY_KEYS_FILE) {
    return { signer, keyring: ChainKeyring.of(signer), notes: [`chain signing key ${signer.keyId} read from CHAIN_SIGNING_KEY_FILE; keyring: that key only`] };
  }
  const keyring = await readChainKeyringFile(resolve(config.CHAIN_VERIFY_KEYS_FILE));
  if (!keyring.has(signer.keyId)) {
    throw new ConfigError(`invalid configuration: CHAIN_VERIFY_KEYS_FILE: does not hold the public key ${signer.keyId} of CHAIN_SIGNING_KEY_FILE (add it: events this service signs would not verify)`);
  }
  return { signer, keyring, notes: [`chain signing key ${signer.keyId} read from CHAIN_SIGNING_KEY_FILE; keyring: ${keyring.keyIds.join(', ')}`] };
}
