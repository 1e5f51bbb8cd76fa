/**
 * The sweep of orphaned bytes. The command service stores a document's bytes before it appends
 * DocumentAttached (write, then record), so a crash between the two leaves bytes that no event
 * names. The sweep removes those, and only those: bytes older than a grace period whose claim's
 * stream, read from the event store itself (never a read model, which may lag), has no
 * DocumentAttached naming their storage key. Within the grace period an upload's event may still
 * be on its way (a slow append, retries), so younger bytes are never touched.
 */
import { randomBytes } from 'node:crypto';
import type { DocumentStore } from './store.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const STORAGE_KEY = new RegExp(`^(${UUID})\\.(${UUID})\\.[0-9a-f]{8}\\.cfd$`);

/**
 * A new storage key for one upload attempt of a document: the claim's id first, so the sweep
 * reads only that claim's stream; a random part, so a retried upload (the same document id under
 * an Idempotency-Key) never writes where the first attempt's bytes are.
 */
export function newStorageKey(claimId: string, documentId: string): string {
  return `${claimId}.${documentId}.${randomBytes(4).toString('hex')}.cfd`;
}

/** The claim a storage key belongs to, or undefined for a key not made by `newStorageKey`. */
export function claimOfStorageKey(key: string): string | undefined {
  return STORAGE_KEY.exec(key)?.[1];
}

export interface OrphanSweepOptions {
  /** Bytes younger than this are left alone, whatever the event store says. */
  graceMs: number;
  /** The storage keys the claim's DocumentAttached events name, as the event store has them now. */
  recordedKeys(claimId: string): Promise<ReadonlySet<string>>;
  now?: () => Date;
}

export interface OrphanSweepResult {
  /** Stored keys looked at. */
  examined: number;
  /** Orphans removed. */
  removed: string[];
  /** Keys that name no claim (stored before keys carried the claim's id): never removed. */
  unattributed: number;
  /** What puts that never completed left under no key, older than the grace period, removed. */
  incomplete: string[];
}

/** Removes the stored bytes that no claim event references, once older than the grace period. */
export async function sweepOrphans(store: DocumentStore, options: OrphanSweepOptions): Promise<OrphanSweepResult> {
  const cutoff = (options.now?.() ?? new Date()).getTime() - options.graceMs;
  const result: OrphanSweepResult = { examined: 0, removed: [], unattributed: 0, incomplete: [] };
  const old = new Map<string, string[]>(); // claim id -> its keys older than the grace period
  for await (const stored of store.list()) {
    result.examined++;
    const claimId = claimOfStorageKey(stored.key);
    if (claimId === undefined) {
      result.unattributed++;
      continue;
    }
    if (stored.storedAt.getTime() > cutoff) continue;
    old.set(claimId, [...(old.get(claimId) ?? []), stored.key]);
  }
  // Read after listing: an event appended meanwhile is seen, so its bytes stay.
  for (const [claimId, keys] of old) {
    const recorded = await options.recordedKeys(claimId);
    for (const key of keys) {
      if (recorded.has(key)) continue;
      await store.delete(key);
      result.removed.push(key);
    }
  }
  result.incomplete = await store.removeIncomplete(new Date(cutoff));
  return result;
}
