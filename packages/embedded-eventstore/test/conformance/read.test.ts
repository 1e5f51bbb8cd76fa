/**
 * Conformance: readStream and readAll through the real client.
 *
 * `$all` is never assumed to be empty: reads start at positions this file wrote, and
 * assertions about content are restricted to this file's own streams.
 */
import t from 'tap';
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  excludeSystemEvents,
  jsonEvent,
  StreamNotFoundError,
  type AllStreamRecordedEvent,
  type Position,
  type ReadAllOptions,
} from '@eventstore/db-client';
import { collect, comparePositions, rejection, startTarget, stringify, testEvents, uniqueStream } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const stream = uniqueStream('read');
const events = testEvents(10, 'read-test');
const before = Date.now();
await client.appendToStream(stream, events);

const indexes = async (options: Parameters<typeof client.readStream>[1]) =>
  (await collect(client.readStream(stream, options))).map((r) => r.event?.revision);

t.test('readStream', async (t) => {
  t.test('forwards from START returns every event in order with all fields', async (t) => {
    const read = await collect(client.readStream(stream, { fromRevision: START, direction: FORWARDS }));
    t.equal(read.length, 10);
    read.forEach((r, i) => {
      const e = r.event;
      const sent = events[i];
      if (!e || !sent) {
        t.fail(`event ${i} missing`);
        return;
      }
      t.equal(e.revision, BigInt(i), `revision ${i}`);
      t.equal(e.id, sent.id, `id ${i}`);
      t.equal(e.streamId, stream, `streamId ${i}`);
      t.equal(e.type, 'read-test', `type ${i}`);
      t.same(e.data, sent.data, `data ${i}`);
      t.same(e.metadata, sent.metadata, `metadata ${i}`);
      t.ok(Math.abs(e.created.getTime() - before) < 60_000, `created ${i} near now`);
    });
    t.equal(read[0]?.link, undefined, 'no link on a plain event');
  });

  t.test('forwards from an explicit revision, with maxCount', async (t) => {
    t.same(await indexes({ fromRevision: 3n, maxCount: 4 }), [3n, 4n, 5n, 6n], 'from 3, 4 events');
    t.same(await indexes({ fromRevision: 8n }), [8n, 9n], 'from 8 to the end');
    t.same(await indexes({ fromRevision: 9n, maxCount: 100 }), [9n], 'maxCount larger than what is left');
    t.same(await indexes({ maxCount: 1 }), [0n], 'maxCount 1 from START');
    t.same(await indexes({ fromRevision: 10n }), [], 'from just past the end: nothing');
    t.same(await indexes({ fromRevision: 50n }), [], 'from far past the end: nothing');
  });

  t.test('forwards from END returns nothing', async (t) => {
    t.same(await indexes({ fromRevision: END, direction: FORWARDS }), []);
  });

  t.test('backwards from END, from an explicit revision, with maxCount', async (t) => {
    t.same(
      await indexes({ fromRevision: END, direction: BACKWARDS }),
      [9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n, 0n],
      'all, newest first',
    );
    t.same(await indexes({ fromRevision: END, direction: BACKWARDS, maxCount: 2 }), [9n, 8n], 'last two');
    t.same(await indexes({ fromRevision: 5n, direction: BACKWARDS, maxCount: 3 }), [5n, 4n, 3n], 'from 5 (inclusive)');
    t.same(await indexes({ fromRevision: 1n, direction: BACKWARDS }), [1n, 0n], 'to the start');
    t.same(await indexes({ fromRevision: 0n, direction: BACKWARDS }), [0n], 'just the first');
  });

  t.test('a missing stream: StreamNotFoundError naming the stream', async (t) => {
    const missing = uniqueStream('read-missing');
    for (const direction of [FORWARDS, BACKWARDS] as const) {
      const err = await rejection(collect(client.readStream(missing, { direction, fromRevision: direction === FORWARDS ? START : END })), StreamNotFoundError);
      t.equal(err.streamName, missing, `${direction}: streamName`);
    }
    const err = await rejection(collect(client.readStream(missing, { fromRevision: 5n, maxCount: 1 })), StreamNotFoundError);
    t.equal(err.streamName, missing, 'from a revision: streamName');
  });

  t.test('a long stream (3,000 events) reads completely in both directions', async (t) => {
    const long = uniqueStream('read-long');
    for (let i = 0; i < 10; i++) await client.appendToStream(long, testEvents(300, 'long', i * 300));
    const fwd = await collect(client.readStream(long));
    t.equal(fwd.length, 3000, 'forwards: all');
    t.ok(fwd.every((r, i) => r.event?.revision === BigInt(i)), 'forwards: in order');
    const bwd = await collect(client.readStream(long, { direction: BACKWARDS, fromRevision: END }));
    t.equal(bwd.length, 3000, 'backwards: all');
    t.ok(bwd.every((r, i) => r.event?.revision === BigInt(2999 - i)), 'backwards: in order');
    const page = await collect(client.readStream(long, { fromRevision: 1234n, maxCount: 700 }));
    t.ok(page.length === 700 && page.every((r, i) => r.event?.revision === BigInt(1234 + i)), 'a page from the middle');
    const first = fwd[0]?.event?.position;
    if (first) {
      const all = await collect(client.readAll({ fromPosition: first, maxCount: 10_000 }));
      t.equal(all.filter((r) => r.event?.streamId === long).length, 3000, '$all from its first position holds all 3,000');
    }
  });

  t.test('stream event positions are increasing, commit == prepare', async (t) => {
    const read = await collect(client.readStream(stream));
    const positions = read.map((r) => r.event?.position);
    t.ok(positions.every((p) => p !== undefined), 'positions present');
    for (let i = 1; i < positions.length; i++) {
      const a = positions[i - 1];
      const b = positions[i];
      if (a && b) t.ok(comparePositions(a, b) < 0, `position ${i} > position ${i - 1}`);
    }
    t.ok(
      positions.every((p) => p && p.commit === p.prepare),
      'commit == prepare for every event',
    );
  });
});

t.test('readAll', async (t) => {
  // Three single-event appends, so each append result is the exact position of its event.
  const allStream = uniqueStream('read-all');
  const sent = [0, 1, 2].map((i) => jsonEvent({ type: 'read-all-test', data: { i }, metadata: { m: i } }));
  const positions: Position[] = [];
  for (const e of sent) {
    const r = await client.appendToStream(allStream, e);
    if (!r.position) throw new Error('append returned no position');
    positions.push(r.position);
  }
  const [p0, p1, p2] = positions as [Position, Position, Position];
  const mine = (list: { event?: AllStreamRecordedEvent | undefined }[]) =>
    list.map((r) => r.event).filter((e): e is AllStreamRecordedEvent => e?.streamId === allStream);

  t.test('append positions increase', async (t) => {
    t.ok(comparePositions(p0, p1) < 0 && comparePositions(p1, p2) < 0, stringify(positions));
  });

  t.test('forwards from a position includes the event at that position', async (t) => {
    const [first] = await collect(client.readAll({ fromPosition: p0, maxCount: 1 }));
    t.equal(first?.event?.id, sent[0]?.id, 'the first event read is the one at the position');
    t.same(first?.event?.position, p0, 'with that position');
    const [second] = await collect(client.readAll({ fromPosition: p1, maxCount: 1 }));
    t.equal(second?.event?.id, sent[1]?.id, 'also from the middle one');
  });

  t.test('forwards: all fields, order and positions', async (t) => {
    const read = await collect(client.readAll({ fromPosition: p0, maxCount: 500 }));
    const own = mine(read);
    t.same(
      own.map((e) => e.id),
      sent.map((e) => e.id),
      'own events in append order',
    );
    own.forEach((e, i) => {
      t.equal(e.streamId, allStream, `streamId ${i}`);
      t.equal(e.type, 'read-all-test', `type ${i}`);
      t.equal(e.revision, BigInt(i), `revision ${i}`);
      t.same(e.data, { i }, `data ${i}`);
      t.same(e.metadata, { m: i }, `metadata ${i}`);
      t.equal(e.isJson, true, `isJson ${i}`);
      t.ok(e.created instanceof Date && Math.abs(e.created.getTime() - Date.now()) < 60_000, `created ${i} near now`);
      t.same(e.position, positions[i], `position ${i} equals the append result`);
      t.equal(e.position.commit, e.position.prepare, `commit == prepare ${i}`);
    });
    const all = read.map((r) => r.event?.position).filter((p): p is Position => p !== undefined);
    t.equal(all.length, read.length, 'every $all event has a position');
    let increasing = true;
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1];
      const b = all[i];
      if (a && b && comparePositions(a, b) >= 0) increasing = false;
    }
    t.ok(increasing, 'positions strictly increase across $all');
  });

  t.test('maxCount', async (t) => {
    t.equal((await collect(client.readAll({ fromPosition: p0, maxCount: 2 }))).length, 2, 'forwards');
    t.equal((await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 2 }))).length, 2, 'backwards');
    t.equal((await collect(client.readAll({ maxCount: 3 }))).length, 3, 'forwards from START');
  });

  t.test('backwards from a position excludes the event at that position', async (t) => {
    const [prev] = await collect(client.readAll({ fromPosition: p2, direction: BACKWARDS, maxCount: 1 }));
    t.ok(prev?.event, 'an event precedes it');
    if (prev?.event) {
      t.ok(comparePositions(prev.event.position, p2) < 0, `${stringify(prev.event.position)} < ${stringify(p2)}`);
      t.not(prev.event.id, sent[2]?.id, 'not the event at the position');
    }
    const read = await collect(client.readAll({ fromPosition: p2, direction: BACKWARDS, maxCount: 500 }));
    t.same(
      mine(read).map((e) => e.id),
      [sent[1]?.id, sent[0]?.id],
      'own events before it, newest first',
    );
    let decreasing = true;
    for (let i = 1; i < read.length; i++) {
      const a = read[i - 1]?.event?.position;
      const b = read[i]?.event?.position;
      if (a && b && comparePositions(a, b) <= 0) decreasing = false;
    }
    t.ok(decreasing, 'positions strictly decrease');
  });

  t.test('backwards from END starts with the newest events', async (t) => {
    const marker = jsonEvent({ type: 'read-all-newest', data: {} });
    const r = await client.appendToStream(uniqueStream('read-all-newest'), marker);
    const read = await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 200 }));
    t.ok(read.length > 0, 'events read');
    const found = read.find((e) => e.event?.id === marker.id);
    t.ok(found, 'the event just written is among the newest');
    if (found?.event && r.position) t.same(found.event.position, r.position, 'with its append position');
    const first = read[0]?.event?.position;
    if (first && r.position) t.ok(comparePositions(first, r.position) >= 0, 'nothing newer is skipped');
  });

  t.test('forwards from START begins at the oldest event', async (t) => {
    const read = await collect(client.readAll({ fromPosition: START, maxCount: 5 }));
    t.equal(read.length, 5);
    const first = read[0]?.event?.position;
    if (first) t.ok(comparePositions(first, p0) < 0, 'before anything this test wrote');
  });

  t.test('readAll has no server-side filter in client 6.2.1: system events stay in', async (t) => {
    // The 6.2.1 client sends `no_filter` on readAll whatever options it gets, so consumers of
    // readAll must filter system events themselves (only subscribeToAll sends a filter).
    const s = uniqueStream('read-all-nofilter');
    const meta = await client.setStreamMetadata(s, { maxCount: 10 });
    if (!meta.position) throw new Error('setStreamMetadata returned no position');
    const options = { fromPosition: meta.position, maxCount: 1, filter: excludeSystemEvents() } as ReadAllOptions;
    const [first] = await collect(client.readAll(options));
    t.equal(first?.event?.type, '$metadata', 'the $metadata event is returned despite the filter option');
    t.equal(first?.event?.streamId, `$$${s}`);
  });
});
