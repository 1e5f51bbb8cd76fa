/**
 * /ready's probe against the embedded store, through the real client: a service that answered it
 * many times still shuts down, also when the probe stream has events (the probe leaves its read
 * at the first event; see leavableRead in @cfund/eventstore).
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@cfund/embedded-eventstore';
import { READINESS_PROBE_STREAM, eventStoreReachable } from '../src/health.ts';

const store = await startEmbeddedEventStore({ memDb: true, port: 0, insecure: true });
t.teardown(() => store.close());

t.test('probes of a stream with events: reachable each time, and dispose() settles', async (t) => {
  const client = EventStoreDBClient.connectionString(store.connectionString);
  await client.appendToStream(READINESS_PROBE_STREAM, [jsonEvent({ type: 'probe', data: {} })]);
  for (let i = 0; i < 5; i++) {
    t.same(await eventStoreReachable(client), { ok: true }, `probe ${i + 1}`);
    // Let the read's OK status arrive after the probe left it: what left dispose() waiting.
    await sleep(100);
  }
  const settled = await Promise.race([client.dispose().then(() => true), sleep(1000).then(() => false)]);
  t.ok(settled, 'dispose() settles within a second');
});
