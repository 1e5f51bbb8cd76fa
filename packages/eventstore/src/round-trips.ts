/**
 * The event store client with its round trips counted: every read (a stream or `$all`) and every
 * append is one request to the store, and the cost of a command is mostly how many it makes.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';

export type RoundTripKind = 'read' | 'append';

const COUNTED: Readonly<Record<string, RoundTripKind>> = { readStream: 'read', readAll: 'read', appendToStream: 'append' };

/** `client` with `onRoundTrip` called for each read and append it starts (everything else passes through). */
export function countRoundTrips(client: EventStoreDBClient, onRoundTrip: (kind: RoundTripKind) => void): EventStoreDBClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const kind = typeof property === 'string' ? COUNTED[property] : undefined;
      if (kind === undefined || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        onRoundTrip(kind);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
