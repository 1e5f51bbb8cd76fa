/**
 * Webhook signing secrets at rest: AES-256-GCM under a key derived from the master key (HKDF,
 * so this key serves nothing else), bound to the webhook's id (AAD), so a sealed secret copied
 * onto another row does not open. Stored as `v1:<iv>:<ciphertext>:<tag>` (base64url). Anyone
 * who reads the SQLite file (or a backup of it) without the master key cannot forge deliveries.
 * During a rotation of the master key the previous keys (MASTER_KEY_PREVIOUS) still open, and
 * the store reseals under the new key at start (NotificationStore.open).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1:';

export class WrongMasterKeyError extends Error {
  constructor() {
    super('the webhook signing secrets were encrypted with another master key: start with the MASTER_KEY (or MASTER_KEY_FILE) this database was written with, or with it in MASTER_KEY_PREVIOUS during a rotation');
    this.name = 'WrongMasterKeyError';
  }
}

const sealingKey = (masterKey: Buffer): Buffer => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'cfund webhook signing secrets v1', 32));

export class WebhookSecretSealer {
  private readonly key: Buffer;
  private readonly previousKeys: Buffer[];

  constructor(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
    this.key = sealingKey(masterKey);
    this.previousKeys = previousMasterKeys.map(sealingKey);
  }

  /** True for what `seal` produces; false for the plaintext an older version stored. */
  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(webhookId: string, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(webhookId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${PREFIX}${[iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join(':')}`;
  }

  /** The secret; WrongMasterKeyError when it was sealed under another key than the configured ones (or altered). */
  open(webhookId: string, stored: string): string {
    for (const key of [this.key, ...this.previousKeys]) {
      const secret = openWith(key, webhookId, stored);
      if (secret !== undefined) return secret;
    }
    throw new WrongMasterKeyError();
  }

  /** Whether `stored` is sealed under the current master key (else a rotation reseals it). */
  sealedWithCurrentKey(webhookId: string, stored: string): boolean {
    return WebhookSecretSealer.isSealed(stored) && openWith(this.key, webhookId, stored) !== undefined;
  }
}

function openWith(key: Buffer, webhookId: string, stored: string): string | undefined {
  const [iv, ciphertext, tag] = stored.slice(PREFIX.length).split(':').map((part) => Buffer.from(part, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv as Buffer);
    decipher.setAAD(Buffer.from(webhookId, 'utf8'));
    decipher.setAuthTag(tag as Buffer);
    return Buffer.concat([decipher.update(ciphertext as Buffer), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
