/**
 * The most recent event ids and where they were written, for idempotent retries with
 * `any`/`stream_exists` (EventStoreDB keeps such a bounded cache too). A ring of ids evicts the
 * oldest in O(1); evicting through a Map's insertion order instead degrades as deletions pile up.
 */
export class RecentIds {
  private readonly byId = new Map<string, { stream: string; revision: number; slot: number }>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  get(id: string): { stream: string; revision: number } | undefined {
    const found = this.byId.get(id);
    return found && { stream: found.stream, revision: found.revision };
  }

  add(id: string, stream: string, revision: number): void {
    const evicted = this.ring[this.next];
    // An id seen again since lives in a newer slot: only its record from this slot goes.
    if (evicted !== undefined && this.byId.get(evicted)?.slot === this.next) this.byId.delete(evicted);
    this.ring[this.next] = id;
    this.byId.set(id, { stream, revision, slot: this.next });
    this.next = (this.next + 1) % this.capacity;
  }
}
