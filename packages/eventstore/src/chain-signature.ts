/**
 * Ed25519 signatures over the hash chain (see hash-chain.ts): an attacker who can append to the
 * store can compute SHA-256 too, but not sign without the private key the writing services hold.
 *
 * Every event written through this package carries, in its metadata, `keyId` (covered by the
 * event's hash); the last event of each append also carries `signature` (base64; outside the
 * hash, like `hash` itself) and, when the append has several events, `batchSize` (inside the
 * hash). Signing the last hash covers the append's earlier events through the chain, and
 * `batchSize` says where the append starts (see ChainVerifier in hash-chain.ts). History written
 * before 2026-12-07 has a signature on every event, which is the same form with batches of one.
 * The signature is over:
 *
 *   "cfund-chain-sig/v1" 0x00
 *   u32be(len(streamId)) streamId   (UTF-8: binds the event to its stream)
 *   u32be(len(hash))     hash       (ASCII of the event's lowercase hex hash)
 *   u32be(len(keyId))    keyId      (ASCII)
 *
 * keyId = the first 16 hex characters of SHA-256 of the public key's SPKI DER. A keyring holds
 * every public key still trusted, so events signed before a rotation verify with the old key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const SIGNATURE_TAG = Buffer.from('cfund-chain-sig/v1\0', 'utf8');

function lengthPrefixed(text: string, encoding: BufferEncoding): Buffer {
  const bytes = Buffer.from(text, encoding);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The bytes signed for one event (the last of its append). */
export function signedMessage(streamId: string, hash: string, keyId: string): Buffer {
  return Buffer.concat([SIGNATURE_TAG, lengthPrefixed(streamId, 'utf8'), lengthPrefixed(hash, 'ascii'), lengthPrefixed(keyId, 'ascii')]);
}

/** First 16 hex characters of SHA-256 of the public key's SPKI DER. */
export function chainKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`${what} is not an Ed25519 key (found ${key.asymmetricKeyType ?? key.type})`);
  return key;
}

/** The private key that signs the events written by this process. */
export class ChainSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = chainKeyId(this.publicKey);
  }

  /** A new random key. */
  static generate(): ChainSigner {
    return new ChainSigner(generateKeyPairSync('ed25519').privateKey);
  }

  /** From a PKCS#8 PEM private key; throws TypeError when it is not an Ed25519 private key. */
  static fromPem(pem: string): ChainSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new TypeError('not a PEM private key');
    }
    return new ChainSigner(ed25519(key, 'the private key'));
  }

  /** PKCS#8 PEM of the private key (to store it, mode 0600). */
  toPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** SPKI PEM of the public key (for the keyring). */
  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Base64 signature of the event of `streamId` whose hash is `hash`. */
  sign(streamId: string, hash: string): string {
    return sign(null, signedMessage(streamId, hash, this.keyId), this.privateKey).toString('base64');
  }
}

/** The public keys trusted to have signed events, by keyId (the current one and those rotated out). */
export class ChainKeyring {
  private readonly keys = new Map<string, KeyObject>();

  constructor(publicKeys: Iterable<KeyObject> = []) {
    for (const key of publicKeys) this.add(key);
  }

  /** A keyring of the signers' public keys. */
  static of(...signers: ChainSigner[]): ChainKeyring {
    return new ChainKeyring(signers.map((s) => s.publicKey));
  }

  /**
   * From `{ "keys": { "<keyId>": "<SPKI PEM>" } }`; throws TypeError when a key is not an
   * Ed25519 public key or is listed under another keyId.
   */
  static fromJson(json: unknown): ChainKeyring {
    const keys = (json as { keys?: unknown } | null)?.keys;
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) throw new TypeError('expected { "keys": { "<keyId>": "<PEM public key>" } }');
    const ring = new ChainKeyring();
    for (const [keyId, pem] of Object.entries(keys)) {
      if (typeof pem !== 'string') throw new TypeError(`key ${keyId}: not a PEM string`);
      // createPublicKey would derive one from a private key: that must never sit in a keyring file.
      if (pem.includes('PRIVATE KEY')) throw new TypeError(`key ${keyId}: a private key (the keyring holds public keys only)`);
      let key: KeyObject;
      try {
        key = createPublicKey({ key: pem, format: 'pem' });
      } catch {
        throw new TypeError(`key ${keyId}: not a PEM public key`);
      }
      if (ring.add(ed25519(key, `key ${keyId}`)) !== keyId) throw new TypeError(`key ${keyId}: its keyId is ${chainKeyId(key)}`);
    }
    return ring;
  }

  toJson(): { keys: Record<string, string> } {
    return { keys: Object.fromEntries([...this.keys].map(([id, key]) => [id, key.export({ type: 'spki', format: 'pem' }).toString()])) };
  }

  /** Adds a public key; returns its keyId. */
  add(publicKey: KeyObject): string {
    const keyId = chainKeyId(ed25519(publicKey, 'the public key'));
    this.keys.set(keyId, publicKey);
    return keyId;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Why the signature does not hold, or undefined when it does. */
  check(streamId: string, hash: string, keyId: string, signature: string): 'unknown key' | 'bad signature' | undefined {
    const key = this.keys.get(keyId);
    if (key === undefined) return 'unknown key';
    const bytes = Buffer.from(signature, 'base64');
    // Node's base64 decoder skips what it cannot read: only a canonical encoding is the signature.
    if (bytes.toString('base64') !== signature) return 'bad signature';
    return verify(null, signedMessage(streamId, hash, keyId), key, bytes) ? undefined : 'bad signature';
  }
}
