/**
 * Applies events to a consumer's state strictly in revision order per stream, whatever order
 * they arrive in: a revision at or below the last one applied is a duplicate (redelivery, a
 * relay failover, a replay) and changes nothing; one beyond the next means events are missing
 * here (lost in a machine crash, or still waiting for a redelivery), which are read from
 * EventStoreDB and applied first. So a consumer may take several messages in flight: a nak'd
 * message that comes back after later ones of its stream finds itself applied already.
 */
import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import type { StoredEvent } from '../envelope.js';
import { storedEventOf } from '../relay/event-envelope.js';

export type OrderedOutcome = 'applied' | 'duplicate';

export interface OrderedApplierOptions {
  /** Reads a stream's missing events. */
  client: EventStoreDBClient;
  /** The last revision of the stream applied to the consumer's state, -1 for none. */
  lastApplied(streamId: string): number;
  /** Applies an event whose revision is the next of its stream; it must record that revision with it. */
  apply(event: StoredEvent): void | Promise<void>;
  logger?: Logger;
  /** After events missing before `revision` were read and applied. */
  onGapRepaired?(streamId: string, events: number): void;
}

export class OrderedApplier {
  constructor(private readonly o: OrderedApplierOptions) {}

  async handle(event: StoredEvent): Promise<OrderedOutcome> {
    const last = this.o.lastApplied(event.streamId);
    if (event.revision <= last) return 'duplicate';
    if (event.revision > last + 1) await this.repairGap(event.streamId, last, event.revision);
    await this.o.apply(event);
    return 'applied';
  }

  /** Applies the events after `last` and before `revision` from the event store. */
  private async repairGap(streamId: string, last: number, revision: number): Promise<void> {
    this.o.logger?.warn({ stream: streamId, lastApplied: last, revision }, 'events missing before this one: reading them from the event store');
    let repaired = 0;
    try {
      // Read to the end of the range (never break out of the client's iterator: see @cfund/eventstore README).
      for await (const resolved of this.o.client.readStream(streamId, { fromRevision: BigInt(last + 1), maxCount: revision - last - 1 })) {
        const e = storedEventOf(resolved);
        if (!e || e.revision >= revision || e.revision <= this.o.lastApplied(streamId)) continue;
        await this.o.apply(e);
        repaired += 1;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    this.o.onGapRepaired?.(streamId, repaired);
  }
}
