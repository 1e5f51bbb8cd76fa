/**
 * Envelope encryption of victims' personal data, with crypto-shredding.
 *
 * - Each victim has a data key (32 random bytes). Personal data is encrypted with it using
 *   AES-256-GCM (random 96-bit IV, 128-bit tag, the victim reference and key id as additional
 *   authenticated data, so an envelope cannot be passed off as another victim's).
 * - The data key is stored only wrapped (AES-256-GCM) by the master key, in a KeyStore.
 * - Erasing a victim's key makes every envelope of that victim undecryptable, wherever it was
 *   copied (events, messages, backups of the event store); the events themselves stay intact
 *   and their hash chain verifiable.
 *
 * The master key comes from configuration: `MASTER_KEY` (base64 of 32 bytes) in production, a
 * file generated on first start in the embedded mode (`loadOrCreateMasterKey`).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What decryptPersonalData returns once the victim's key has been erased. */
export const Erased: unique symbol = Symbol('Erased');
export type Erased = typeof Erased;

export function isErased(value: unknown): value is Erased {
  return value === Erased;
}

/** Personal data as stored: the shape of contracts' EncryptedPersonalData (all binary fields base64). */
export interface EncryptedPersonalData {
  alg: 'AES-256-GCM';
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** A data key wrapped by the master key. */
export interface WrappedDataKey {
  keyId: string;
  alg: 'AES-256-GCM';
  iv: string;
  wrappedKey: string;
  tag: string;
  createdAt: string;
  /**
   * The master key that wrapped it (`masterKeyId`, never the key); its additional data binds the
   * store's name of the victim (victimKeyId), so it can be rewrapped without the victim
   * reference. Absent on keys wrapped before key rotation existed: their additional data binds
   * the victim reference itself, and the key is tried with every configured master key.
   */
  masterKeyId?: string;
}

/** Durable storage of wrapped data keys, from which a key can be erased. */
export interface KeyStore {
  /** The victim's wrapped key, 'erased' once erased, undefined if there never was one. */
  get(victimRef: string): Promise<WrappedDataKey | 'erased' | undefined>;
  /** Stores `key` unless the victim already has a key or was erased; returns what is stored (first writer wins). */
  putIfAbsent(victimRef: string, key: WrappedDataKey): Promise<WrappedDataKey | 'erased'>;
  /** Destroys the victim's key for good and remembers that it was erased. Idempotent. */
  erase(victimRef: string): Promise<void>;
  /** The id (masterKeyId) of the store's master key: set once, moved only by a rotation. */
  getMasterKeyCheck(): Promise<string | undefined>;
  setMasterKeyCheck(check: string): Promise<void>;
  /** The check with the ids of the master keys a rotation retired, in one read (stores that know rotation). */
  getMasterKeyMeta?(): Promise<KeyStoreMeta | undefined>;
  /** Opened only to read keys (a service that decrypts but never creates or erases). */
  readonly readOnly?: boolean;
  /**
   * A store shared by several processes: calls `onErased` with the `victimKeyId` of each victim
   * erased from now on, by any of them, so that caches of unwrapped keys drop it. Returns a stop.
   */
  watchErasures?(onErased: (victimKeyId: string) => void): Promise<() => void>;
}

/** What a master-key rotation needs of a store beyond KeyStore (see key-rotation.ts). */
export interface RewrappableKeyStore extends KeyStore {
  /** The store's name (victimKeyId) of every victim with a key or an erasure marker. */
  victimKeyIds(): Promise<string[]>;
  /** As `get`, by the store's name of the victim. */
  getById(victimKeyId: string): Promise<WrappedDataKey | 'erased' | undefined>;
  /**
   * Replaces the wrapped key `current` by `next` (the same data key, wrapped anew) so that a
   * crash leaves one of them in place, and the old wrap's bytes are destroyed where the store
   * can. Never brings back an erased key: 'erased' if the victim is (or was meanwhile) erased,
   * 'changed' if the stored key is no longer `current`.
   */
  replaceWrapped(victimKeyId: string, current: WrappedDataKey, next: WrappedDataKey): Promise<'replaced' | 'erased' | 'changed'>;
  /** Makes `check` the store's master key and `former` the retired ones (after a complete rewrap). */
  moveMasterKeyCheck(check: string, former: readonly string[]): Promise<void>;
}

/** A write on a key store opened read-only. */
export class ReadOnlyKeyStoreError extends Error {
  override readonly name = 'ReadOnlyKeyStoreError';
}

export class InvalidMasterKeyError extends Error {
  override readonly name = 'InvalidMasterKeyError';
}

/** The configured master key is not the one the key store's keys were wrapped with. */
export class MasterKeyMismatchError extends Error {
  override readonly name = 'MasterKeyMismatchError';
  constructor(message = 'the master key does not match the key store (wrong MASTER_KEY?)') {
    super(message);
  }
}

/** New personal data cannot be encrypted for a victim whose key was erased. */
export class VictimErasedError extends Error {
  override readonly name = 'VictimErasedError';
  constructor(readonly victimRef: string) {
    super(`the personal data of victim ${victimRef} was erased`);
  }
}

/** The envelope cannot be decrypted: altered, for another victim, or for a key that is not in the store. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const ALG = 'AES-256-GCM' as const;

/** Decodes and validates a base64 master key (exactly 32 bytes). */
export function parseMasterKey(base64: string): Buffer {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new InvalidMasterKeyError('the master key must be base64 (32 bytes, e.g. `openssl rand -base64 32`)');
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new InvalidMasterKeyError(`the master key must be 32 bytes, got ${key.length}`);
  }
  return key;
}

/** The master key from `MASTER_KEY` (base64 of 32 bytes). */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env, name = 'MASTER_KEY'): Buffer {
  const value = env[name];
  if (value === undefined || value === '') throw new InvalidMasterKeyError(`${name} is not set`);
  return parseMasterKey(value);
}

/*
 * Each awaited file operation is a trip through libuv's thread pool and back to the event loop,
 * and under load a trip waits for the loop to come round: filing a claim (a victim's first key)
 * took about twice the time of any other claim command, most of it in these trips. So the key
 * store's paths overlap the operations that do not depend on each other (a check beside a write,
 * a close beside the next step) instead of taking them one by one; what is durable, and when, is
 * unchanged.
 */

async function syncDirOnce(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    // The sync is what callers wait for; closing the handle need not hold them up.
    void handle.close().catch(() => undefined);
  }
}

const dirSyncs = new Map<string, { running?: Promise<void> | undefined; queued?: Promise<void> | undefined }>();

/**
 * fsyncs a directory with a sync that starts after this call. Calls that arrive while one is
 * running share the next one (victims filed together cost one directory sync, not one each).
 */
export function fsyncDir(dir: string): Promise<void> {
  let s = dirSyncs.get(dir);
  if (!s) dirSyncs.set(dir, (s = {}));
  const state = s;
  const start = (): Promise<void> => {
    const run = syncDirOnce(dir).finally(() => { if (state.running === run) state.running = undefined; });
    state.running = run;
    return run;
  };
  if (!state.running) return start();
  state.queued ??= state.running.catch(() => undefined).then(() => {
    state.queued = undefined;
    return start();
  });
  return state.queued;
}

/**
 * Writes `contents` to a new temporary file next to `path` (mode 0600) and fsyncs it. The file is
 * complete and durable when this resolves; its handle is closed meanwhile (nothing depends on
 * the close: the file is linked or renamed by its name).
 */
async function writeTemp(path: string, contents: string | Buffer): Promise<string> {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } catch (error) {
    await handle.close();
    throw error;
  }
  void handle.close().catch(() => undefined);
  return tmp;
}

/** Atomically replaces `path` with `contents` (0600, fsync'd, rename, directory fsync'd). */
export async function writeFileAtomic(path: string, contents: string | Buffer): Promise<void> {
  const tmp = await writeTemp(path, contents);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Creates `path` with `contents` only if it does not exist (atomically); false if it already existed. */
export async function createFileExclusive(path: string, contents: string | Buffer): Promise<boolean> {
  return (await linkTempInto(await writeTemp(path, contents), path, async () => undefined)).linked;
}

/**
 * Links the temporary file `tmp` (from writeTemp) to `path` unless `path` exists, fsyncs the
 * directory and removes `tmp`; `linked: false` if `path` already existed. Once linked, the
 * directory sync, the removal and `afterLink` (a check that needs the link in place, not yet
 * durable) run together; it resolves when all three are done.
 */
async function linkTempInto<T>(tmp: string, path: string, afterLink: () => Promise<T>): Promise<{ linked: false } | { linked: true; after: T }> {
  // unlink, not rm: rm looks at the path twice before it unlinks (three trips instead of one).
  const removeTemp = () => unlink(tmp).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'ENOENT') throw error; });
  try {
    await link(tmp, path);
  } catch (error) {
    await removeTemp();
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { linked: false };
    throw error;
  }
  const [, , after] = await Promise.all([fsyncDir(dirname(path)), removeTemp(), afterLink()]);
  return { linked: true, after };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The embedded mode's master key: read from `path`, or generated (32 random bytes, base64) and
 * written there with mode 0600 on first start. Concurrent first starts agree on one key.
 */
export async function loadOrCreateMasterKey(path: string): Promise<{ key: Buffer; created: boolean; path: string }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let created = false;
  if (!(await exists(path))) {
    created = await createFileExclusive(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
  }
  const key = parseMasterKey(await readFile(path, 'utf8'));
  return { key, created, path };
}

/** How a key store names a victim's key: a hash, so no store holds victim references in names. */
export function victimKeyId(victimRef: string): string {
  return createHash('sha256').update(victimRef, 'utf8').digest('hex');
}

/**
 * A KeyStore in a directory: one file per victim (`keys/<sha256(victimRef)>.json`, 0600,
 * written to a temporary file, fsync'd, linked into place, directory fsync'd). Erasure writes
 * a marker (`<hash>.erased`, no key material), overwrites the key file with zeros, fsyncs,
 * unlinks it and fsyncs the directory. Meant for one process (the command service).
 */
export class FileKeyStore implements RewrappableKeyStore {
  private constructor(readonly dir: string, readonly readOnly: boolean) {}

  private writable(): void {
    if (this.readOnly) throw new ReadOnlyKeyStoreError(`the key store ${this.dir} is open read-only`);
  }

  private get keysDir(): string {
    return join(this.dir, 'keys');
  }

  /**
   * `readOnly`: for the services that only decrypt, beside the command service that writes: no
   * start-up repair (it would delete the writer's temporary files), and every write refused.
   */
  static async open(dir: string, options: { readOnly?: boolean } = {}): Promise<FileKeyStore> {
    const store = new FileKeyStore(dir, options.readOnly ?? false);
    if (store.readOnly) return store;
    await mkdir(store.keysDir, { recursive: true, mode: 0o700 });
    // Finish erasures a crash interrupted (marker written, key file not yet removed).
    for (const name of await readdir(store.keysDir)) {
      if (name.endsWith('.erased')) {
        await store.destroyKeyFile(join(store.keysDir, name.replace(/\.erased$/, '.json')));
      } else if (name.endsWith('.tmp')) {
        await rm(join(store.keysDir, name), { force: true });
      } else if (name.endsWith('.retired')) {
        // A rewrap interrupted after its new wrap was written, or before: keep whichever is the only one.
        // Zeroing it while it is still the key file's second name (a crash right after the link) would zero the key.
        const retired = join(store.keysDir, name);
        const keyFile = retired.replace(/\.retired$/, '.json');
        const [old, current] = await Promise.all([stat(retired), stat(keyFile).catch(() => undefined)]);
        if (current === undefined) await rename(retired, keyFile);
        else if (current.ino === old.ino) await rm(retired);
        else await store.destroyKeyFile(retired);
      }
    }
    return store;
  }

  private keyPath(victimRef: string): string {
    return join(this.keysDir, `${victimKeyId(victimRef)}.json`);
  }

  private markerPath(victimRef: string): string {
    return join(this.keysDir, `${victimKeyId(victimRef)}.erased`);
  }

  async get(victimRef: string): Promise<WrappedDataKey | 'erased' | undefined> {
    return this.getById(victimKeyId(victimRef));
  }

  async getById(id: string): Promise<WrappedDataKey | 'erased' | undefined> {
    // The marker and the key file are looked at together; the marker wins (an erasure writes it
    // before it destroys the key file).
    const [erased, text] = await Promise.all([
      exists(join(this.keysDir, `${id}.erased`)),
      readFile(join(this.keysDir, `${id}.json`), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      }),
    ]);
    if (erased) return 'erased';
    return text === undefined ? undefined : storedWrappedKey(JSON.parse(text) as WrappedDataKey);
  }

  async victimKeyIds(): Promise<string[]> {
    const ids = new Set<string>();
    try {
      for (const name of await readdir(this.keysDir)) {
        const match = /^([0-9a-f]{64})\.(json|erased)$/.exec(name);
        if (match) ids.add(match[1]!);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return [...ids].sort();
  }

  async replaceWrapped(id: string, current: WrappedDataKey, next: WrappedDataKey): Promise<'replaced' | 'erased' | 'changed'> {
    this.writable();
    const stored = await this.getById(id);
    if (stored === 'erased' || stored === undefined) return 'erased';
    if (stored.wrappedKey !== current.wrappedKey) return 'changed';
    const path = join(this.keysDir, `${id}.json`);
    // The old wrap is kept under a second name until the new one is in place, then destroyed
    // (zeroed): a crash leaves one of them readable, and open() destroys a leftover.
    const retired = `${path.slice(0, -'.json'.length)}.retired`;
    await rm(retired, { force: true });
    await link(path, retired);
    const tmp = await writeTemp(path, JSON.stringify(next));
    await rename(tmp, path);
    await fsyncDir(this.keysDir);
    await this.destroyKeyFile(retired);
    // An erasure may have raced the replacement (its marker written before our rename): it wins.
    if (await exists(join(this.keysDir, `${id}.erased`))) {
      await this.destroyKeyFile(path);
      return 'erased';
    }
    return 'replaced';
  }

  async putIfAbsent(victimRef: string, key: WrappedDataKey): Promise<WrappedDataKey | 'erased'> {
    this.writable();
    // The key is written to its temporary file while the erasure marker is looked for (for an
    // erased victim that file is simply removed: its key never encrypted anything).
    const [erased, tmp] = await Promise.all([exists(this.markerPath(victimRef)), writeTemp(this.keyPath(victimRef), JSON.stringify(key))]);
    if (erased) {
      await unlink(tmp);
      return 'erased';
    }
    // An erasure may have raced the creation: its marker, looked for once the key is linked, wins.
    const created = await linkTempInto(tmp, this.keyPath(victimRef), () => exists(this.markerPath(victimRef)));
    if (created.linked) {
      if (!created.after) return key;
      await this.destroyKeyFile(this.keyPath(victimRef));
      return 'erased';
    }
    const stored = await this.get(victimRef);
    if (stored === 'erased') {
      await this.destroyKeyFile(this.keyPath(victimRef));
      return 'erased';
    }
    if (stored === undefined) throw new Error(`key of ${victimRef} vanished while being stored`);
    return stored;
  }

  async erase(victimRef: string): Promise<void> {
    this.writable();
    await writeFileAtomic(this.markerPath(victimRef), JSON.stringify({ erasedAt: new Date().toISOString() }));
    await this.destroyKeyFile(this.keyPath(victimRef));
  }

  private async destroyKeyFile(path: string): Promise<void> {
    let handle;
    try {
      handle = await open(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      // Best effort against the old bytes lingering in the same blocks (no guarantee on SSDs or
      // copy-on-write file systems: see README.md).
      const { size } = await handle.stat();
      await handle.write(Buffer.alloc(size), 0, size, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rm(path, { force: true });
    await fsyncDir(dirname(path));
  }

  private async meta(): Promise<KeyStoreMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'keystore.json'), 'utf8')) as KeyStoreMeta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async getMasterKeyCheck(): Promise<string | undefined> {
    return (await this.meta())?.masterKeyCheck;
  }

  async getMasterKeyMeta(): Promise<KeyStoreMeta | undefined> {
    return this.meta();
  }

  async setMasterKeyCheck(check: string): Promise<void> {
    this.writable();
    await createFileExclusive(join(this.dir, 'keystore.json'), JSON.stringify({ version: 1, masterKeyCheck: check } satisfies KeyStoreMeta));
  }

  async moveMasterKeyCheck(check: string, former: readonly string[]): Promise<void> {
    this.writable();
    await writeFileAtomic(join(this.dir, 'keystore.json'), JSON.stringify({ version: 1, masterKeyCheck: check, formerMasterKeyChecks: [...former] } satisfies KeyStoreMeta));
  }
}

/** The store's master key (its id) and the ids of those a rotation retired. */
export async function storedMasterKeys(store: KeyStore): Promise<{ current: string | undefined; former: readonly string[] }> {
  if (store.getMasterKeyMeta) {
    const meta = await store.getMasterKeyMeta();
    return { current: meta?.masterKeyCheck, former: meta?.formerMasterKeyChecks ?? [] };
  }
  return { current: await store.getMasterKeyCheck(), former: [] };
}

/** What a store records of its master keys (keystore.json; the NATS store's `master-key-check`). */
export interface KeyStoreMeta {
  version: 1;
  masterKeyCheck: string;
  formerMasterKeyChecks?: string[];
}

/** A stored wrapped key, without any other field a file may carry. */
export function storedWrappedKey(stored: WrappedDataKey): WrappedDataKey {
  return {
    keyId: stored.keyId, alg: stored.alg, iv: stored.iv, wrappedKey: stored.wrappedKey, tag: stored.tag, createdAt: stored.createdAt,
    ...(stored.masterKeyId === undefined ? {} : { masterKeyId: stored.masterKeyId }),
  };
}

/**
 * The id of a master key: an HMAC under it of a fixed label, which reveals nothing of the key.
 * Recorded in each wrapped key, and as the store's check value (`masterKeyCheck`).
 */
export function masterKeyId(masterKey: Buffer): string {
  return createHmac('sha256', masterKey).update('cfund master key check v1').digest('hex').slice(0, 32);
}

function aad(kind: 'dek' | 'pd', victimRef: string, keyId: string): Buffer {
  return Buffer.from(`cfund-${kind}/v1\0${victimRef}\0${keyId}`, 'utf8');
}

/** The additional data of a data key wrapped with a masterKeyId: bound to the store's name of the victim. */
function wrapAad(storeId: string, keyId: string): Buffer {
  return Buffer.from(`cfund-dek/v2\0${storeId}\0${keyId}`, 'utf8');
}

/**
 * The master keys a process holds: the current one wraps, each of them unwraps. During a rotation
 * over several processes, `previous` are keys the store's data keys may still be wrapped with, and
 * `next` the key some processes already wrap with (MASTER_KEY_NEXT): configured everywhere before
 * any process switches, it lets a process still on the old key read the victims a switched one
 * filed, so that the switch can be rolled out one process at a time.
 */
export class MasterKeyRing {
  readonly currentId: string;
  private readonly byId: Map<string, Buffer>;
  private readonly previousIds: string[];
  private readonly nextIds: string[];

  constructor(readonly current: Buffer, readonly previous: readonly Buffer[] = [], readonly next: readonly Buffer[] = []) {
    for (const key of [current, ...previous, ...next]) {
      if (key.length !== KEY_BYTES) throw new InvalidMasterKeyError('the master key must be 32 bytes');
    }
    this.currentId = masterKeyId(current);
    this.previousIds = previous.map(masterKeyId);
    this.nextIds = next.map(masterKeyId);
    this.byId = new Map([current, ...previous, ...next].map((key) => [masterKeyId(key), Buffer.from(key)]));
    if (this.byId.size !== 1 + previous.length + next.length) {
      throw new InvalidMasterKeyError(next.length === 0
        ? 'a previous master key is the master key itself, or is given twice'
        : 'a previous or next master key is the master key itself, or one of them is given twice');
    }
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Refuses a ring that does not fit the store's master keys: none of them is the store's
   * (MasterKeyMismatchError), the current one was retired by a rotation, a previous one was never
   * the store's, a next one was retired, or the store already moved to a next one (the rotation is
   * done: that key is now MASTER_KEY).
   */
  verify(stored: string, former: readonly string[]): void {
    const next = this.nextIds.indexOf(stored);
    if (next >= 0) {
      throw new MasterKeyMismatchError(`the key store was rotated to the next master key${this.nextIds.length > 1 ? ` ${next + 1}` : ''} (MASTER_KEY_NEXT): start with it as MASTER_KEY and the old one as MASTER_KEY_PREVIOUS, or alone`);
    }
    if (former.includes(this.currentId)) {
      throw new MasterKeyMismatchError('the master key (MASTER_KEY) was retired by a rotation of the key store: start with the key it was rotated to');
    }
    if (stored !== this.currentId && !this.previousIds.includes(stored)) {
      throw new MasterKeyMismatchError(this.previous.length === 0
        ? 'the master key does not match the key store (wrong MASTER_KEY?)'
        : 'neither the master key (MASTER_KEY) nor a previous one (MASTER_KEY_PREVIOUS) matches the key store');
    }
    const unknown = this.previousIds.findIndex((id) => id !== stored && !former.includes(id));
    if (unknown >= 0) {
      throw new MasterKeyMismatchError(`previous master key ${unknown + 1} (MASTER_KEY_PREVIOUS) was never a master key of this key store`);
    }
    const retired = this.nextIds.findIndex((id) => former.includes(id));
    if (retired >= 0) {
      throw new MasterKeyMismatchError(`next master key ${retired + 1} (MASTER_KEY_NEXT) was retired by an earlier rotation of this key store: a next key must be new`);
    }
  }

  /** The data key wrapped under the current master key, bound to the victim's store name and key id. */
  wrap(storeId: string, keyId: string, key: Buffer, createdAt: string): WrappedDataKey {
    const sealed = seal(this.current, key, wrapAad(storeId, keyId));
    return { keyId, alg: ALG, iv: sealed.iv, wrappedKey: sealed.ciphertext, tag: sealed.tag, createdAt, masterKeyId: this.currentId };
  }

  /**
   * The data key, unwrapped with the master key that wrapped it. A key wrapped before rotation
   * existed (no masterKeyId) needs the victim reference (`victimRef`), and is tried with each key.
   * MasterKeyMismatchError when no master key of the ring opens it.
   */
  unwrap(storeId: string, wrapped: WrappedDataKey, victimRef: string | undefined): Buffer {
    const sealed = { iv: wrapped.iv, ciphertext: wrapped.wrappedKey, tag: wrapped.tag };
    if (wrapped.masterKeyId !== undefined) {
      const key = this.byId.get(wrapped.masterKeyId);
      if (!key) throw new MasterKeyMismatchError(`a data key was wrapped by master key ${wrapped.masterKeyId}, which is neither MASTER_KEY nor in MASTER_KEY_PREVIOUS or MASTER_KEY_NEXT`);
      try {
        return open_(key, sealed, wrapAad(storeId, wrapped.keyId));
      } catch {
        throw new MasterKeyMismatchError(`a data key wrapped by master key ${wrapped.masterKeyId} does not open (altered, or another victim's)`);
      }
    }
    if (victimRef === undefined) throw new MasterKeyMismatchError('a data key wrapped before key rotation existed needs its victim reference');
    for (const key of this.byId.values()) {
      try {
        return open_(key, sealed, aad('dek', victimRef, wrapped.keyId));
      } catch {
        // the next key
      }
    }
    throw new MasterKeyMismatchError(`the data key of victim ${victimRef} cannot be unwrapped with this master key`);
  }
}

function seal(key: Buffer, plaintext: Buffer, additional: Buffer): { iv: string; ciphertext: string; tag: string } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function open_(key: Buffer, sealed: { iv: string; ciphertext: string; tag: string }, additional: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(additional);
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
}

/**
 * Encrypts and decrypts victims' personal data with their data keys, creating a key on a
 * victim's first encryption and erasing it on request.
 */
interface CachedKey {
  keyId: string;
  key: Buffer;
  /** The store's name of the victim's key (victimKeyId), to evict on an erasure elsewhere. */
  storeId: string;
  cachedAt: number;
}

export interface PersonalDataProtectorOptions {
  keyStore: KeyStore;
  /** Wraps the keys created from now on, and unwraps. */
  masterKey: Buffer;
  /** During a rotation (MASTER_KEY_PREVIOUS): the keys the store's keys may still be wrapped with. */
  previousMasterKeys?: readonly Buffer[];
  /** Before a rotation reaches this process (MASTER_KEY_NEXT): the key other processes already wrap with. */
  nextMasterKeys?: readonly Buffer[];
  maxCachedKeys?: number;
  /**
   * How long an unwrapped key may stay cached (default: no limit). On a store shared by several
   * processes this bounds how long a key erased by another process stays usable here if its
   * erasure notice (watchErasures) is missed, e.g. while disconnected.
   */
  maxCacheAgeMs?: number;
}

export class PersonalDataProtector {
  private readonly cache = new Map<string, CachedKey>();
  private stopWatch: (() => void) | undefined;

  private constructor(
    private readonly keyStore: KeyStore,
    private readonly ring: MasterKeyRing,
    private readonly maxCachedKeys: number,
    private readonly maxCacheAgeMs: number,
  ) {}

  /** Set while a read-only store has no check value yet (its writer has not started): checked on use. */
  private pendingCheck = false;

  /**
   * Checks the master keys against the key store (MasterKeyMismatchError if none is the store's,
   * or the ring does not fit it: MasterKeyRing.verify; the first open records the current key's
   * id). Over a read-only store, data keys are not cached, so that an erasure by the writing
   * process takes effect here at once.
   */
  static async open(options: PersonalDataProtectorOptions): Promise<PersonalDataProtector> {
    if (options.masterKey.length !== KEY_BYTES) throw new InvalidMasterKeyError('the master key must be 32 bytes');
    const ring = new MasterKeyRing(options.masterKey, options.previousMasterKeys, options.nextMasterKeys);
    const readOnly = options.keyStore.readOnly === true;
    let stored = await storedMasterKeys(options.keyStore);
    if (stored.current === undefined && !readOnly) {
      await options.keyStore.setMasterKeyCheck(ring.currentId);
      stored = await storedMasterKeys(options.keyStore);
    }
    if (stored.current !== undefined) ring.verify(stored.current, stored.former);
    const maxCachedKeys = readOnly ? 0 : options.maxCachedKeys ?? 10_000;
    const protector = new PersonalDataProtector(options.keyStore, ring, maxCachedKeys, options.maxCacheAgeMs ?? Infinity);
    if (stored.current === undefined) protector.pendingCheck = true;
    if (maxCachedKeys > 0 && options.keyStore.watchErasures) {
      protector.stopWatch = await options.keyStore.watchErasures((id) => protector.evict(id));
    }
    return protector;
  }

  /** Stops following erasures by other processes (the store's connection stays open). */
  close(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  private forget(victimRef: string): void {
    this.cache.get(victimRef)?.key.fill(0);
    this.cache.delete(victimRef);
  }

  /** An erasure by another process: drop the victim's key (rare: a scan of the cache is fine). */
  private evict(storeId: string): void {
    for (const [victimRef, entry] of this.cache) if (entry.storeId === storeId) this.forget(victimRef);
  }

  private remember(victimRef: string, entry: { keyId: string; key: Buffer }): void {
    if (this.maxCachedKeys === 0) return;
    if (this.cache.size >= this.maxCachedKeys) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    // A copy: the caller may be handed the entry while an eviction zeroes the cached one.
    this.cache.set(victimRef, { keyId: entry.keyId, key: Buffer.from(entry.key), storeId: victimKeyId(victimRef), cachedAt: Date.now() });
  }

  private async dataKey(victimRef: string, create: boolean): Promise<{ keyId: string; key: Buffer } | 'erased' | undefined> {
    const cached = this.cache.get(victimRef);
    if (cached && Date.now() - cached.cachedAt <= this.maxCacheAgeMs) return { keyId: cached.keyId, key: cached.key };
    if (cached) this.forget(victimRef);
    if (this.pendingCheck) {
      const stored = await storedMasterKeys(this.keyStore);
      if (stored.current !== undefined) {
        this.ring.verify(stored.current, stored.former);
        this.pendingCheck = false;
      }
    }
    let wrapped = await this.keyStore.get(victimRef);
    if (wrapped === undefined && create) {
      const key = randomBytes(KEY_BYTES);
      wrapped = await this.keyStore.putIfAbsent(victimRef, this.ring.wrap(victimKeyId(victimRef), randomUUID(), key, new Date().toISOString()));
      key.fill(0);
    }
    if (wrapped === undefined || wrapped === 'erased') return wrapped;
    const entry = { keyId: wrapped.keyId, key: this.ring.unwrap(victimKeyId(victimRef), wrapped, victimRef) };
    this.remember(victimRef, entry);
    return entry;
  }

  /** Encrypts a JSON-serialisable value for a victim (creating the victim's key on first use). */
  async encryptPersonalData(victimRef: string, value: unknown): Promise<EncryptedPersonalData> {
    const dataKey = await this.dataKey(victimRef, true);
    if (dataKey === 'erased' || dataKey === undefined) throw new VictimErasedError(victimRef);
    const sealed = seal(dataKey.key, Buffer.from(JSON.stringify(value), 'utf8'), aad('pd', victimRef, dataKey.keyId));
    return { alg: ALG, keyId: dataKey.keyId, ...sealed };
  }

  /** The decrypted value, or `Erased` when the victim's key has been erased. */
  async decryptPersonalData<T = unknown>(victimRef: string, envelope: EncryptedPersonalData): Promise<T | Erased> {
    const dataKey = await this.dataKey(victimRef, false);
    if (dataKey === 'erased') return Erased;
    if (dataKey === undefined) throw new DecryptionError(`no data key for victim ${victimRef}`);
    if (envelope.alg !== ALG || envelope.keyId !== dataKey.keyId) {
      throw new DecryptionError(`the envelope was not encrypted with the current key of victim ${victimRef}`);
    }
    let plaintext: Buffer;
    try {
      plaintext = open_(dataKey.key, envelope, aad('pd', victimRef, envelope.keyId));
    } catch {
      throw new DecryptionError('personal data failed authentication (altered, or another victim\'s)');
    }
    return JSON.parse(plaintext.toString('utf8')) as T;
  }

  /**
   * The key of one of the victim's documents: derived from the victim's data key (HKDF-SHA256,
   * the document id as salt), so erasing the data key makes every document of the victim
   * undecryptable too. `Erased` once erased; DecryptionError if the victim never had a key.
   */
  async documentKey(victimRef: string, documentId: string): Promise<{ keyId: string; key: Buffer } | Erased> {
    const dataKey = await this.dataKey(victimRef, false);
    if (dataKey === 'erased') return Erased;
    if (dataKey === undefined) throw new DecryptionError(`no data key for victim ${victimRef}`);
    const key = Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.from(documentId, 'utf8'), Buffer.from(`cfund-document/v1\0${victimRef}`, 'utf8'), KEY_BYTES));
    return { keyId: dataKey.keyId, key };
  }

  /** Crypto-shredding: erases the victim's data key; every envelope of the victim becomes unreadable. */
  async eraseKey(victimRef: string): Promise<void> {
    this.forget(victimRef);
    await this.keyStore.erase(victimRef);
  }
}
