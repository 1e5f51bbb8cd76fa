import t from 'tap';
import { EventStoreDBClient, jsonEvent, START, type ResolvedEvent } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@cfund/embedded-eventstore';

/** Polls until `check` holds or the time is up; returns whether it held. */
async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

t.test('a read or subscription the client abandons under back-pressure ends on the server', async (t) => {
  const es = await startEmbeddedEventStore({ memDb: true, port: 0 });
  const client = EventStoreDBClient.connectionString(es.connectionString);
  t.teardown(async () => { await client.dispose(); await es.close(); });
  // Enough bytes to fill HTTP/2 flow-control windows, so the server waits for the client.
  const big = 'x'.repeat(2000);
  for (let i = 0; i < 20; i++) {
    await client.appendToStream(`abandon-${i % 3}`, Array.from({ length: 100 }, (_, k) => jsonEvent({ type: 'Big', data: { i, k, big } })));
  }

  const read = client.readAll({ fromPosition: START, maxCount: 1_000_000 });
  let seen = 0;
  await new Promise<void>((resolve) => {
    read.on('data', (_e: ResolvedEvent) => { if (++seen === 10) { read.pause(); resolve(); } });
  });
  t.equal(es.store.openReads, 1, 'the read is being served');
  await read.cancel();
  t.ok(await eventually(() => es.store.openReads === 0), 'the abandoned read ended on the server');

  const sub = client.subscribeToAll({ fromPosition: START });
  let got = 0;
  await new Promise<void>((resolve) => {
    sub.on('data', () => { if (++got === 10) { sub.pause(); resolve(); } });
  });
  t.equal(es.store.openReads, 1, 'the subscription is being served');
  await sub.unsubscribe();
  t.ok(await eventually(() => es.store.openReads === 0), 'the abandoned subscription ended on the server');
});
