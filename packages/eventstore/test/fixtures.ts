/**
 * A toy account decider and client wrappers for the event-stream tests. Deliberately not the
 * claim domain: the package is generic over its events.
 */
import { randomUUID } from 'node:crypto';
import { jsonEvent, type AppendResult, type EventStoreDBClient } from '@eventstore/db-client';
import type { CommandMetadata, Decider, EventCodec } from '../src/index.ts';

export type AccountEvent =
  | { type: 'Deposited'; amount: number }
  | { type: 'Withdrawn'; amount: number };

export type AccountCommand = { type: 'deposit'; amount: number } | { type: 'withdraw'; amount: number };

export interface AccountState {
  balance: number;
  transactions: number;
}

export class InsufficientFunds extends Error {
  override readonly name = 'InsufficientFunds';
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ balance: 0, transactions: 0 }),
  evolve(state, event) {
    switch (event.type) {
      case 'Deposited':
        return { balance: state.balance + event.amount, transactions: state.transactions + 1 };
      case 'Withdrawn':
        return { balance: state.balance - event.amount, transactions: state.transactions + 1 };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'deposit':
        return command.amount === 0 ? [] : [{ type: 'Deposited', amount: command.amount }];
      case 'withdraw':
        if (command.amount > state.balance) throw new InsufficientFunds(`balance ${state.balance} < ${command.amount}`);
        return [{ type: 'Withdrawn', amount: command.amount }];
    }
  },
};

export const accountCodec: EventCodec<AccountEvent> = {
  encode(event) {
    return { type: event.type, data: { amount: event.amount }, schemaVersion: 1 };
  },
  decode(stored) {
    const amount = (stored.data as { amount: number }).amount;
    if (stored.type === 'Deposited' || stored.type === 'Withdrawn') return { type: stored.type, amount };
    return undefined;
  },
};

export function metadata(actor = 'user-1'): CommandMetadata {
  return { actor, occurredAt: '2025-03-01T10:00:00.000Z', correlationId: randomUUID(), causationId: randomUUID() };
}

export function uniqueStream(prefix = 'account'): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * A client whose first `parties` appends wait until all of them have been called: concurrent
 * handles then load the same revision and collide for sure.
 */
export function gatedClient(client: EventStoreDBClient, parties: number): EventStoreDBClient {
  let waiting = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'appendToStream') {
        return async (...args: Parameters<EventStoreDBClient['appendToStream']>): Promise<AppendResult> => {
          if (waiting < parties) {
            waiting += 1;
            if (waiting === parties) open();
            await gate;
          }
          return target.appendToStream(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A client that, before each append, lets another writer append to the same stream first. */
export function interferingClient(client: EventStoreDBClient): { client: EventStoreDBClient; appends: () => number } {
  let appends = 0;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'appendToStream') {
        return async (...args: Parameters<EventStoreDBClient['appendToStream']>): Promise<AppendResult> => {
          appends += 1;
          await target.appendToStream(args[0], jsonEvent({ type: 'Interference', data: { n: appends } }));
          return target.appendToStream(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client: proxy, appends: () => appends };
}

export async function readEvents(client: EventStoreDBClient, stream: string) {
  const events = [];
  for await (const resolved of client.readStream(stream)) {
    if (resolved.event) events.push(resolved.event);
  }
  return events;
}
