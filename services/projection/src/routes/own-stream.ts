/**
 * A stream of its own (a payment run, a bank statement) folded from the event store on request:
 * these are read where they are needed, not kept in the read model. A stream that does not exist
 * folds to the initial state.
 */
import { StreamNotFoundError } from '@eventstore/db-client';
import { parseEvent } from '@cfund/contracts';
import type { QueryContext } from './context.js';

export async function foldStream<S, E>(ctx: QueryContext, stream: string, decider: { evolve(s: S, e: E): S; initialState(): S }): Promise<S> {
  let state = decider.initialState();
  try {
    for await (const resolved of ctx.client.readStream(stream)) {
      const e = resolved.event;
      if (e) state = decider.evolve(state, parseEvent(e.type, e.data) as E);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return state;
}
