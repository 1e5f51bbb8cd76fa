/**
 * Rotation of the master key: rewraps every victim's data key in a key store under the new
 * master key, keeping each data key itself (the envelopes name it by its keyId), then moves the
 * store's master-key check to the new key and records the old one as retired.
 *
 * Resumable: each key is replaced atomically (RewrappableKeyStore.replaceWrapped) and the check
 * moves only once every key is under the new master key, so a crash at any point leaves every
 * key readable with the ring (new key and previous ones) and a new run finishes the work. An
 * erased victim is never touched: no key comes back, the marker stays.
 */
import { MasterKeyRing, storedMasterKeys, victimKeyId, type RewrappableKeyStore, type WrappedDataKey } from './personal-data.js';

export interface RewrapProgress {
  done: number;
  total: number;
}

export interface RewrapReport {
  /** Victims in the store (keys and erasure markers). */
  total: number;
  rewrapped: number;
  /** Already under the new master key (a previous run, or created during the rotation). */
  alreadyCurrent: number;
  /** Erased victims, left as they are. */
  erased: number;
  /**
   * Keys wrapped before rotation existed whose victim reference is unknown (see victimRefs):
   * left under the old master key. While there are any, the check does not move.
   */
  unresolved: number;
  /** Whether the store's master key is now the new one. */
  checkMoved: boolean;
}

export interface RewrapOptions {
  keyStore: RewrappableKeyStore;
  /** The new master key. */
  masterKey: Buffer;
  /** The old one(s): the store's current master key must be among them. */
  previousMasterKeys: readonly Buffer[];
  /**
   * The victim references known to the system (e.g. from the event store): needed only for keys
   * wrapped before rotation existed, whose wrapping binds the reference itself. Read once, on
   * the first such key.
   */
  victimRefs?: () => AsyncIterable<string>;
  onProgress?: (progress: RewrapProgress) => void;
  /** Testing: called after each key is handled (a fault injected here is a crash mid-run). */
  afterKey?: (done: number) => void | Promise<void>;
}

export async function rewrapKeyStore(options: RewrapOptions): Promise<RewrapReport> {
  const { keyStore } = options;
  const ring = new MasterKeyRing(options.masterKey, options.previousMasterKeys);
  const { current: stored, former } = await storedMasterKeys(keyStore);
  if (stored !== undefined) ring.verify(stored, former);
  let refs: Map<string, string> | undefined;
  const victimRefOf = async (id: string): Promise<string | undefined> => {
    if (!refs) {
      refs = new Map();
      if (options.victimRefs) for await (const ref of options.victimRefs()) refs.set(victimKeyId(ref), ref);
    }
    return refs.get(id);
  };

  const ids = await keyStore.victimKeyIds();
  const report: RewrapReport = { total: ids.length, rewrapped: 0, alreadyCurrent: 0, erased: 0, unresolved: 0, checkMoved: false };
  let done = 0;
  for (const id of ids) {
    // Another writer may change a key under us only by erasing it: a retry sees the erasure.
    for (let attempt = 0; ; attempt++) {
      const wrapped = await keyStore.getById(id);
      if (wrapped === 'erased' || wrapped === undefined) {
        report.erased++;
        break;
      }
      if (wrapped.masterKeyId === ring.currentId) {
        report.alreadyCurrent++;
        break;
      }
      const victimRef = wrapped.masterKeyId === undefined ? await victimRefOf(id) : undefined;
      if (wrapped.masterKeyId === undefined && victimRef === undefined) {
        report.unresolved++;
        break;
      }
      const outcome = await keyStore.replaceWrapped(id, wrapped, rewrap(ring, id, wrapped, victimRef));
      if (outcome === 'replaced') report.rewrapped++;
      else if (outcome === 'erased') report.erased++;
      else if (attempt < 3) continue;
      else throw new Error(`the key of victim ${id} keeps changing during the rotation: is another rotation running?`);
      break;
    }
    done++;
    options.onProgress?.({ done, total: ids.length });
    await options.afterKey?.(done);
  }
  if (report.unresolved === 0) {
    if (stored !== ring.currentId) {
      const retired = [...new Set([...former, ...(stored === undefined ? [] : [stored])])].filter((id) => id !== ring.currentId);
      await keyStore.moveMasterKeyCheck(ring.currentId, retired);
    }
    report.checkMoved = true;
  }
  return report;
}

function rewrap(ring: MasterKeyRing, id: string, wrapped: WrappedDataKey, victimRef: string | undefined): WrappedDataKey {
  const key = ring.unwrap(id, wrapped, victimRef);
  try {
    return ring.wrap(id, wrapped.keyId, key, wrapped.createdAt);
  } finally {
    key.fill(0);
  }
}
