/**
 * Monitoring figures computed once per state of the read model: a year's tables cost little after
 * a change (aggregates.ts), but their suppression, the fund years' ledgers and the indicators (every
 * claim of the years, queries/monitoring.ts) are still more than a request should pay each time
 * it is asked the same. An answer is kept until the read
 * model changes: the connection's `total_changes()` counts every row the projector writes (or a
 * rebuild in place), and a rebuild into a new file opens a new connection. Only published
 * aggregates are kept, never a claim's data; at most MAX_ENTRIES, the least recently used
 * dropped first.
 */
import type { ReadModelStore } from '../read-model/store.js';

const MAX_ENTRIES = 64;

interface Entry { db: unknown; changes: number; value: Promise<unknown> }
const memos = new WeakMap<ReadModelStore, Map<string, Entry>>();

/** `compute()`'s answer for `key`, computed again only when the read model changed since. */
export function memoized<T>(store: ReadModelStore, key: string, compute: () => Promise<T>): Promise<T> {
  const db = store.db;
  const changes = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  let entries = memos.get(store);
  if (!entries) memos.set(store, entries = new Map());
  const hit = entries.get(key);
  entries.delete(key);
  if (hit && hit.db === db && hit.changes === changes) {
    entries.set(key, hit);
    return hit.value as Promise<T>;
  }
  const value = compute();
  const entry: Entry = { db, changes, value };
  entries.set(key, entry);
  // A failure is not kept: the next request computes again.
  value.catch(() => { if (entries.get(key) === entry) entries.delete(key); });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return value;
}
