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
import { ReadOnlyKeyStoreError, storedWrappedKey, victimKeyId, type KeyStoreMeta, type RewrappableKeyStore, type WrappedDataKey } from './personal-data.js';

export const DEFAULT_KEY_BUCKET = 'cfund-keys';

const MASTER_KEY_CHECK = 'master-key-check';
const keySubject = (id: string) => `key.${id}`;
const markerSubject = (id: string) => `erased.${id}`;

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

export class NatsKeyStore implements RewrappableKeyStore {
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
    return this.getById(victimKeyId(victimRef));
  }

  async getById(id: string): Promise<WrappedDataKey | 'erased' | undefined> {
    const { key, marker } = await this.entries(id);
    // A tombstone on the key subject means erased as much as the marker does.
    if (marker !== null || (key !== null && !isValue(key))) return 'erased';
    if (key === null) return undefined;
    return storedWrappedKey(key.json<WrappedDataKey>());
  }

  private async entries(id: string): Promise<{ key: KvEntry | null; marker: KvEntry | null }> {
    const [key, marker] = await Promise.all([this.entry(keySubject(id)), this.entry(markerSubject(id))]);
    return { key, marker };
  }

  async putIfAbsent(victimRef: string, key: WrappedDataKey): Promise<WrappedDataKey | 'erased'> {
    return this.putByIdIfAbsent(victimKeyId(victimRef), key);
  }

  /** As `putIfAbsent`, by the store's name of the victim (a copy from another store knows only that). */
  async putByIdIfAbsent(id: string, key: WrappedDataKey): Promise<WrappedDataKey | 'erased'> {
    this.writable();
    if ((await this.kv.get(markerSubject(id))) !== null) return 'erased';
    try {
      await this.kv.put(keySubject(id), encode(key), { previousSeq: 0 });
    } catch (error) {
      if (apiErrorCode(error) !== WRONG_LAST_SEQUENCE) throw error;
      const stored = await this.getById(id);
      if (stored === undefined) throw new Error(`key ${id} vanished while being stored`);
      return stored;
    }
    // An erasure may have raced the creation: its marker wins.
    if ((await this.kv.get(markerSubject(id))) === null) return key;
    await this.destroyKey(id);
    return 'erased';
  }

  async erase(victimRef: string): Promise<void> {
    await this.eraseById(victimKeyId(victimRef));
  }

  /** As `erase`, by the store's name of the victim. */
  async eraseById(id: string): Promise<void> {
    this.writable();
    await this.kv.put(markerSubject(id), encode({ erasedAt: new Date().toISOString() }));
    await this.destroyKey(id);
  }

  private async destroyKey(id: string): Promise<void> {
    const entry = await this.kv.get(keySubject(id));
    if (isValue(entry)) {
      try {
        await this.jsm.streams.deleteMessage(this.stream, entry.revision, true);
      } catch (error) {
        // Already erased by a concurrent erasure.
        if (apiErrorCode(error) !== NO_MESSAGE_FOUND) throw error;
      }
    }
    await this.kv.purge(keySubject(id));
  }

  async victimKeyIds(): Promise<string[]> {
    const ids = new Set<string>();
    let names: AsyncIterable<string>;
    try {
      names = await this.kv.keys();
    } catch (error) {
      if (apiErrorCode(error) === STREAM_NOT_FOUND) return [];
      throw error;
    }
    // Purged keys (erased victims) are listed through their markers.
    for await (const name of names) {
      const match = /^(?:key|erased)\.([0-9a-f]{64})$/.exec(name);
      if (match) ids.add(match[1]!);
    }
    return [...ids].sort();
  }

  /**
   * A compare-and-set on the key's revision. The bucket keeps one message per subject, so the
   * server drops the old wrap as the new one lands, without overwriting its bytes in the block
   * file (see README.md: they go with the block's compaction).
   */
  async replaceWrapped(id: string, current: WrappedDataKey, next: WrappedDataKey): Promise<'replaced' | 'erased' | 'changed'> {
    this.writable();
    const { key, marker } = await this.entries(id);
    if (marker !== null || key === null || !isValue(key)) return 'erased';
    if (key.json<WrappedDataKey>().wrappedKey !== current.wrappedKey) return 'changed';
    try {
      await this.kv.update(keySubject(id), encode(next), key.revision);
    } catch (error) {
      if (apiErrorCode(error) !== WRONG_LAST_SEQUENCE) throw error;
      return (await this.getById(id)) === 'erased' ? 'erased' : 'changed';
    }
    // An erasure that began meanwhile may have destroyed the old message, not ours: finish it.
    if ((await this.entry(markerSubject(id))) !== null) {
      await this.destroyKey(id);
      return 'erased';
    }
    return 'replaced';
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

  private async meta(): Promise<{ meta: KeyStoreMeta; revision: number } | undefined> {
    const entry = await this.entry(MASTER_KEY_CHECK);
    return isValue(entry) ? { meta: entry.json<KeyStoreMeta>(), revision: entry.revision } : undefined;
  }

  async getMasterKeyCheck(): Promise<string | undefined> {
    return (await this.meta())?.meta.masterKeyCheck;
  }

  async getMasterKeyMeta(): Promise<KeyStoreMeta | undefined> {
    return (await this.meta())?.meta;
  }

  async setMasterKeyCheck(check: string): Promise<void> {
    this.writable();
    try {
      await this.kv.put(MASTER_KEY_CHECK, encode({ version: 1, masterKeyCheck: check } satisfies KeyStoreMeta), { previousSeq: 0 });
    } catch (error) {
      // Another process recorded it first: PersonalDataProtector compares what is stored.
      if (apiErrorCode(error) !== WRONG_LAST_SEQUENCE) throw error;
    }
  }

  async moveMasterKeyCheck(check: string, former: readonly string[]): Promise<void> {
    this.writable();
    const current = await this.meta();
    const value = encode({ version: 1, masterKeyCheck: check, formerMasterKeyChecks: [...former] } satisfies KeyStoreMeta);
    // A revision check: two rotations at once must not both win.
    await (current ? this.kv.update(MASTER_KEY_CHECK, value, current.revision) : this.kv.put(MASTER_KEY_CHECK, value, { previousSeq: 0 }));
  }
}
