/**
 * Webhook signing secrets at rest: AES-256-GCM under a key derived from the master key (HKDF,
 * so this key serves nothing else), bound to the webhook's id (AAD), so a sealed secret copied
 * onto another row does not open. Stored as `v1:<iv>:<ciphertext>:<tag>` (base64url). Anyone
 * who reads the SQLite file (or a backup of it) without the master key cannot forge deliveries.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1:';

export class WrongMasterKeyError extends Error {
  constructor() {
    super('the webhook signing secrets were encrypted with another master key: start with the MASTER_KEY (or MASTER_KEY_FILE) this database was written with');
    this.name = 'WrongMasterKeyError';
  }
}

export class WebhookSecretSealer {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'cfund webhook signing secrets v1', 32));
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

  /** The secret; WrongMasterKeyError when it was sealed under another key (or altered). */
  open(webhookId: string, stored: string): string {
    const [iv, ciphertext, tag] = stored.slice(PREFIX.length).split(':').map((part) => Buffer.from(part, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv as Buffer);
      decipher.setAAD(Buffer.from(webhookId, 'utf8'));
      decipher.setAuthTag(tag as Buffer);
      return Buffer.concat([decipher.update(ciphertext as Buffer), decipher.final()]).toString('utf8');
    } catch {
      throw new WrongMasterKeyError();
    }
  }
}
