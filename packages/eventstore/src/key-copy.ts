/**
 * Copies a key store into the NATS key store: how a deployment that kept the victims' wrapped
 * keys in files (one host) moves to KEY_STORE=nats (several hosts). The wrapped keys are copied
 * as they are (no master key is needed or used: the store never sees a plain key), every erasure
 * marker becomes an erasure in the target, and the store's master-key check (with the keys a
 * rotation retired) goes first, so a target that belongs to another master key is refused before
 * anything is written.
 *
 * Resumable and idempotent: each key is created only where the target has none (first writer
 * wins), an erasure is idempotent, so a run after a crash, or a second run, completes the copy.
 * Run it while no service writes to either store (an erasure made meanwhile in the source would
 * not reach the target: run it again before the services start on the target).
 */
import type { NatsKeyStore } from './nats-key-store.js';
import type { KeyStoreMeta, RewrappableKeyStore } from './personal-data.js';

/** What a copy needs of its target: the NATS store's writes by the store's name of the victim. */
export type KeyCopyTarget = Pick<NatsKeyStore, 'getById' | 'putByIdIfAbsent' | 'eraseById' | 'getMasterKeyMeta' | 'moveMasterKeyCheck'>;

export interface KeyCopyReport {
  /** Victims in the source (keys and erasure markers). */
  total: number;
  copied: number;
  /** The same wrapped key was already in the target (an earlier run). */
  alreadyThere: number;
  /** Erased in the source: erased in the target too (no key copied). */
  erased: number;
  /** The target held another key for the victim, or had erased it: left as the target has it, and named here. */
  conflicts: string[];
}

export class KeyCopyRefusedError extends Error {
  override readonly name = 'KeyCopyRefusedError';
}

export interface KeyCopyOptions {
  from: RewrappableKeyStore;
  to: KeyCopyTarget;
  onProgress?: (progress: { done: number; total: number }) => void;
}

async function metaOf(store: RewrappableKeyStore): Promise<KeyStoreMeta | undefined> {
  if (store.getMasterKeyMeta) return store.getMasterKeyMeta();
  const check = await store.getMasterKeyCheck();
  return check === undefined ? undefined : { version: 1, masterKeyCheck: check };
}

export async function copyKeyStore({ from, to, onProgress }: KeyCopyOptions): Promise<KeyCopyReport> {
  const source = await metaOf(from);
  const target = await to.getMasterKeyMeta();
  if (source && target && target.masterKeyCheck !== source.masterKeyCheck) {
    throw new KeyCopyRefusedError(`the target key store belongs to another master key (${target.masterKeyCheck}, the source's is ${source.masterKeyCheck}): nothing copied`);
  }
  if (!source && target) {
    throw new KeyCopyRefusedError(`the source key store has no master key yet, the target has one (${target.masterKeyCheck}): nothing copied`);
  }
  if (source) await to.moveMasterKeyCheck(source.masterKeyCheck, source.formerMasterKeyChecks ?? []);

  const ids = await from.victimKeyIds();
  const report: KeyCopyReport = { total: ids.length, copied: 0, alreadyThere: 0, erased: 0, conflicts: [] };
  for (const [index, id] of ids.entries()) {
    const key = await from.getById(id);
    if (key === 'erased') {
      await to.eraseById(id);
      report.erased++;
    } else if (key !== undefined) {
      const before = await to.getById(id);
      const stored = before ?? await to.putByIdIfAbsent(id, key);
      if (stored !== 'erased' && stored.wrappedKey === key.wrappedKey) {
        if (before === undefined) report.copied++;
        else report.alreadyThere++;
      } else {
        report.conflicts.push(id);
      }
    }
    onProgress?.({ done: index + 1, total: ids.length });
  }
  return report;
}
