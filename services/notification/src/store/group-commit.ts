/**
 * Group commit for writes that may wait a few milliseconds: changes queued within `windowMs`
 * run in one SQLite transaction, so concurrent delivery lanes share one commit instead of paying
 * one each (SQLite has one writer; with synchronous=FULL every commit is an fsync). Each
 * caller's promise settles once the transaction holding its change is committed (or rolled back).
 */
import type { NotificationStore } from './store.js';

export class GroupCommit {
  private queue: { fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: NotificationStore, private readonly windowMs = 2) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.queue.splice(0);
    let results: unknown[];
    try {
      results = this.store.transaction(() => batch.map((b) => b.fn()));
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]));
  }
}
