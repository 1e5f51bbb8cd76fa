/**
 * A stream read of `maxCount` events loads that many from the log, not a whole batch of 512:
 * the projection's state as of an early revision reads a few events of a long stream, and each
 * event loaded is a read of the log and a JSON decode. The answer itself is checked too.
 */
import t from 'tap';
import { BACKWARDS, END, EventStoreDBClient, FORWARDS, jsonEvent, START } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@cfund/embedded-eventstore';

t.test('a stream read loads only the events it may send', async (t) => {
  const es = await startEmbeddedEventStore({ memDb: true, port: 0 });
  const client = EventStoreDBClient.connectionString(es.connectionString);
  t.teardown(async () => { await client.dispose(); await es.close(); });
  await client.appendToStream('long', Array.from({ length: 600 }, (_, i) => jsonEvent({ type: 'Counted', data: { i } })));

  let loaded = 0;
  const readByIndex = es.store.readByIndex.bind(es.store);
  es.store.readByIndex = (indices: number[]) => { loaded += indices.length; return readByIndex(indices); };
  const read = async (options: Parameters<EventStoreDBClient['readStream']>[1]) => {
    loaded = 0;
    const revisions: number[] = [];
    for await (const e of client.readStream('long', options)) revisions.push(Number(e.event!.revision));
    return { revisions, loaded };
  };

  t.same(await read({ fromRevision: START, direction: FORWARDS, maxCount: 4 }), { revisions: [0, 1, 2, 3], loaded: 4 }, 'the first four, forwards');
  t.same(await read({ fromRevision: END, direction: BACKWARDS, maxCount: 2 }), { revisions: [599, 598], loaded: 2 }, 'the last two, backwards');
  t.same(await read({ fromRevision: 590n, direction: FORWARDS, maxCount: 3 }), { revisions: [590, 591, 592], loaded: 3 }, 'three from a revision');
  const all = await read({ fromRevision: START, direction: FORWARDS });
  t.equal(all.revisions.length, 600, 'an unbounded read still sends every event');
  t.equal(all.loaded, 600, 'and loads each once');
});
