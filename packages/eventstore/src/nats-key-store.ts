/**
 * A KeyStore in a NATS JetStream KV bucket, for services on several hosts (the file store only
 * works for processes sharing one directory). It stores what the file store stores: the data key
 * wrapped by PersonalDataProtector, never the plain key. Keys of the bucket, per victim
 * (`victimKeyId`, a hash: no victim reference in subjects):
 *
 * - `key.<id>`: the wrapped key (history 1); created only if the subject never held anything;
 * - `erased.<id>`: the erasure marker (no key material), written before the key is destroyed.
 *
 * Erasure writes the marker, then erases the key's message *securely* (the server overwrites its
 * bytes in the block file: a plain KV delete or purge only marks the message deleted, and
 * nats-server 2.9 leaves its bytes in the block, even across restarts), then purges the subject,
 * which leaves a tombstone that blocks any later creation. See README.md for the limits.
 */
import { KvWatchInclude, StorageType, type JetStreamManager, type KV, type KvEntry, type NatsConnection, type NatsError } from 'nats';
import { ReadOnlyKeyStoreError, victimKeyId, type KeyStore, type WrappedDataKey } from './personal-data.js';

export const DEFAULT_KEY_BUCKET = 'cfund-keys';

const MASTER_KEY_CHECK = 'master-key-check';
const keySubject = (victimRef: string) => `key.${victimKeyId(victimRef)}`;
const markerSubject = (victimRef: string) => `erased.${victimKeyId(victimRef)}`;

/** JetStream's "wrong last sequence": an expected-last-subject-sequence check failed. */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's "stream not found": the bucket does not exist yet (a reader started before the writer). */
const STREAM_NOT_FOUND = 10059;
/** JetStream's "no message found". */
const NO_MESSAGE_FOUND = 10037;
const apiErrorCode = (error: unknown): number | undefined => (error as NatsError).api_error?.err_code;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const isValue = (entry: KvEntry | null): entry is KvEntry => entry !== null && entry.operation === 'PUT';

export interface NatsKeyStoreOptions {
  bucket?: string;
  /** Replicas of the bucket's stream on a NATS cluster (at creation). */
  replicas?: number;
  /** A service that only decrypts: binds to the bucket (never creates it) and refuses writes. */
  readOnly?: boolean;
}

export class NatsKeyStore implements KeyStore {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
    readonly readOnly: boolean,
  ) {}

  static async open(nc: NatsConnection, options: NatsKeyStoreOptions = {}): Promise<NatsKeyStore> {
    const bucket = options.bucket ?? DEFAULT_KEY_BUCKET;
    const readOnly = options.readOnly ?? false;
    const kv = await nc.jetstream().views.kv(bucket, readOnly
      ? { bindOnly: true }
      : { history: 1, replicas: options.replicas ?? 1, storage: StorageType.File });
    return new NatsKeyStore(kv, await nc.jetstreamManager(), bucket, readOnly);
  }

  /** The bucket's stream (what a backup or a storage scan looks at). */
  get stream(): string {
    return `KV_${this.bucket}`;
  }

  private writable(): void {
    if (this.readOnly) throw new ReadOnlyKeyStoreError(`the key bucket ${this.bucket} is open read-only`);
  }

  /** The entry of `key`; null when there is none, or no bucket yet. */
  private async entry(key: string): Promise<KvEntry | null> {
    try {
      return await this.kv.get(key);
    } catch (error) {
      if (apiErrorCode(error) === STREAM_NOT_FOUND) return null;
      throw error;
    }
  }

  async get(victimRef: string): Promise<WrappedDataKey | 'erased' | undefined> {
    const [key, marker] = await Promise.all([this.entry(keySubject(victimRef)), this.entry(markerSubject(victimRef))]);
    // A tombstone on the key subject means erased as much as the marker does.
    if (marker !== null || (key !== null && !isValue(key))) return 'erased';
    if (key === null) return undefined;
    const stored = key.json<WrappedDataKey>();
    return { keyId: stored.keyId, alg: stored.alg, iv: stored.iv, wrappedKey: stored.wrappedKey, tag: stored.tag, createdAt: stored.createdAt };
  }

  async putIfAbsent(victimRef: string, key: WrappedDataKey): Promise<WrappedDataKey | 'erased'> {
    this.writable();
    if ((await this.kv.get(markerSubject(victimRef))) !== null) return 'erased';
    try {
      await this.kv.put(keySubject(victimRef), encode(key), { previousSeq: 0 });
    } catch (error) {
      if (apiErrorCode(error) !== WRONG_LAST_SEQUENCE) throw error;
      const stored = await this.get(victimRef);
      if (stored === undefined) throw new Error(`key of ${victimRef} vanished while being stored`);
      return stored;
    }
    // An erasure may have raced the creation: its marker wins.
    if ((await this.kv.get(markerSubject(victimRef))) === null) return key;
    await this.destroyKey(victimRef);
    return 'erased';
  }

  async erase(victimRef: string): Promise<void> {
    this.writable();
    await this.kv.put(markerSubject(victimRef), encode({ erasedAt: new Date().toISOString() }));
    await this.destroyKey(victimRef);
  }

  private async destroyKey(victimRef: string): Promise<void> {
    const entry = await this.kv.get(keySubject(victimRef));
    if (isValue(entry)) {
      try {
        await this.jsm.streams.deleteMessage(this.stream, entry.revision, true);
      } catch (error) {
        // Already erased by a concurrent erasure.
        if (apiErrorCode(error) !== NO_MESSAGE_FOUND) throw error;
      }
    }
    await this.kv.purge(keySubject(victimRef));
  }

  /**
   * Calls `onErased` with the `victimKeyId` of each victim erased from now on, by any process
   * (for caches of unwrapped keys). Stop it with the returned function.
   */
  async watchErasures(onErased: (victimKeyId: string) => void): Promise<() => void> {
    const watch = await this.kv.watch({ key: 'erased.>', include: KvWatchInclude.UpdatesOnly });
    // A watch that fails must not take the process down: the cache's age limit bounds the rest.
    void (async () => {
      for await (const entry of watch) onErased(entry.key.slice('erased.'.length));
    })().catch(() => undefined);
    return () => watch.stop();
  }

  async getMasterKeyCheck(): Promise<string | undefined> {
    const entry = await this.entry(MASTER_KEY_CHECK);
    return isValue(entry) ? entry.json<{ masterKeyCheck: string }>().masterKeyCheck : undefined;
  }

  async setMasterKeyCheck(check: string): Promise<void> {
    this.writable();
    try {
      await this.kv.put(MASTER_KEY_CHECK, encode({ version: 1, masterKeyCheck: check }), { previousSeq: 0 });
    } catch (error) {
      // Another process recorded it first: PersonalDataProtector compares what is stored.
      if (apiErrorCode(error) !== WRONG_LAST_SEQUENCE) throw error;
    }
  }
}
