/**
 * Conformance: catch-up subscriptions (subscribeToStream, subscribeToAll) through the real client.
 *
 * Order on the wire for servers >= 23.10: confirmation, catch-up events, caughtUp, live events.
 * `fromRevision` / `fromPosition` are exclusive. Checkpoints come only on filtered `$all`
 * subscriptions, every checkpointInterval x window (default 32) events scanned.
 */
import t, { type Test } from 'tap';
import {
  END,
  START,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  StreamDeletedError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  SubscriptionRecorder,
  collect,
  comparePositions,
  sleep,
  startTarget,
  stringify,
  testEvents,
  uniqueStream,
  waitFor,
} from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const revisions = (r: SubscriptionRecorder<ResolvedEvent>) => r.events.map((e) => e.event?.revision);
const ids = (r: SubscriptionRecorder<AllStreamResolvedEvent>) => r.events.map((e) => e.event?.id);

/** The confirmation must be the first thing the subscription reports, exactly once. */
function checkConfirmation(t: Test, rec: SubscriptionRecorder<ResolvedEvent | AllStreamResolvedEvent>) {
  t.equal(rec.count('confirmation'), 1, 'one confirmation');
  t.equal(rec.log[0]?.kind, 'confirmation', 'confirmation comes first');
}

t.test('subscribeToStream', async (t) => {
  t.test('from START: history, caughtUp, then live events in order', async (t) => {
    const stream = uniqueStream('sub-start');
    await client.appendToStream(stream, testEvents(4));
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream, { fromRevision: START }));
    await rec.waitForCaughtUp();
    t.equal(rec.caughtUpAfter, 4, 'caughtUp after the 4 historical events');
    await client.appendToStream(stream, testEvents(3, 'test-event', 4));
    await rec.waitForEvents(7);
    t.same(revisions(rec), [0n, 1n, 2n, 3n, 4n, 5n, 6n], 'revisions 0..6 in order');
    t.same(
      rec.events.map((e) => (e.event?.data as { index: number }).index),
      [0, 1, 2, 3, 4, 5, 6],
    );
    checkConfirmation(t, rec);
    t.equal(rec.count('caughtUp'), 1, 'one caughtUp');
    await rec.unsubscribe();
    t.same(rec.errors, [], 'no errors');
  });

  t.test('the default start is START', async (t) => {
    const stream = uniqueStream('sub-default');
    await client.appendToStream(stream, testEvents(2));
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitForCaughtUp();
    t.same(revisions(rec), [0n, 1n]);
    await rec.unsubscribe();
  });

  t.test('from END: nothing historical, then live events', async (t) => {
    const stream = uniqueStream('sub-end');
    await client.appendToStream(stream, testEvents(4));
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream, { fromRevision: END }));
    await rec.waitForCaughtUp();
    t.equal(rec.caughtUpAfter, 0, 'caughtUp before any event');
    await client.appendToStream(stream, testEvents(3, 'test-event', 4));
    await rec.waitForEvents(3);
    await sleep(200);
    t.same(revisions(rec), [4n, 5n, 6n], 'only the live events');
    checkConfirmation(t, rec);
    await rec.unsubscribe();
    t.same(rec.errors, []);
  });

  t.test('from a revision (exclusive)', async (t) => {
    const stream = uniqueStream('sub-revision');
    await client.appendToStream(stream, testEvents(4)); // 0..3
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream, { fromRevision: 1n }));
    await rec.waitForCaughtUp();
    t.equal(rec.caughtUpAfter, 2, 'caughtUp after revisions 2 and 3');
    await client.appendToStream(stream, testEvents(2, 'test-event', 4));
    await rec.waitForEvents(4);
    await sleep(200);
    t.same(revisions(rec), [2n, 3n, 4n, 5n], 'starts after revision 1');
    checkConfirmation(t, rec);
    await rec.unsubscribe();
  });

  t.test('to a stream that does not exist yet', async (t) => {
    const stream = uniqueStream('sub-missing');
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitFor((r) => r.count('confirmation') > 0, 10_000, 'confirmation');
    await sleep(100);
    await client.appendToStream(stream, testEvents(2));
    await rec.waitForEvents(2);
    t.same(revisions(rec), [0n, 1n], 'events appended after subscribing arrive');
    t.same(rec.errors, [], 'no error for the missing stream');
    await rec.unsubscribe();
  });

  t.test('only the subscribed stream is delivered; events of other streams are not', async (t) => {
    const stream = uniqueStream('sub-only');
    const other = uniqueStream('sub-only-other');
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitForCaughtUp();
    await client.appendToStream(other, testEvents(3));
    await client.appendToStream(stream, testEvents(1));
    await rec.waitForEvents(1);
    await sleep(200);
    t.equal(rec.events.length, 1);
    t.equal(rec.events[0]?.event?.streamId, stream);
    await rec.unsubscribe();
  });

  t.test('many live events arrive complete and in order', async (t) => {
    const stream = uniqueStream('sub-live-many');
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream, { fromRevision: END }));
    await rec.waitForCaughtUp();
    for (let i = 0; i < 10; i++) await client.appendToStream(stream, testEvents(20, 'test-event', i * 20));
    await rec.waitForEvents(200);
    t.same(
      revisions(rec),
      Array.from({ length: 200 }, (_, i) => BigInt(i)),
      '200 events, revisions 0..199',
    );
    await rec.unsubscribe();
  });

  t.test('unsubscribe ends the subscription cleanly; nothing more is delivered', async (t) => {
    const stream = uniqueStream('sub-unsubscribe');
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await client.appendToStream(stream, testEvents(1));
    await rec.waitForEvents(1);
    await rec.unsubscribe();
    t.ok(rec.ended || rec.closed, 'the readable ended');
    await client.appendToStream(stream, testEvents(2));
    await sleep(300);
    t.equal(rec.events.length, 1, 'no events after unsubscribe');
    t.same(rec.errors, [], 'no error emitted');
  });

  t.test('a long history (2,000 events) is delivered completely and in order', async (t) => {
    const stream = uniqueStream('sub-long');
    for (let i = 0; i < 10; i++) await client.appendToStream(stream, testEvents(200, 'test-event', i * 200));
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitForCaughtUp(30_000);
    t.equal(rec.caughtUpAfter, 2000, 'caughtUp after all 2,000');
    t.ok(
      revisions(rec).every((r, i) => r === BigInt(i)),
      'revisions 0..1999 without gaps or duplicates',
    );
    await rec.unsubscribe();
  });

  t.test('appends racing with the catch-up: no gap and no duplicate at the switch to live', async (t) => {
    const stream = uniqueStream('sub-race');
    for (let i = 0; i < 5; i++) await client.appendToStream(stream, testEvents(100, 'test-event', i * 100));
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    // Keep appending while the subscription catches up and goes live.
    for (let i = 0; i < 50; i++) await client.appendToStream(stream, testEvents(10, 'test-event', 500 + i * 10));
    await rec.waitForEvents(1000, 30_000);
    await sleep(200);
    t.equal(rec.events.length, 1000, 'exactly 1,000 events');
    t.ok(
      revisions(rec).every((r, i) => r === BigInt(i)),
      'revisions 0..999 in order',
    );
    t.equal(rec.count('caughtUp'), 1, 'caughtUp once');
    await rec.unsubscribe();
  });

  t.test('to a tombstoned stream: the subscription fails with StreamDeletedError', async (t) => {
    const stream = uniqueStream('sub-tombstoned');
    await client.appendToStream(stream, testEvents(2));
    await client.tombstoneStream(stream);
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await waitFor(() => rec.errors.length > 0, 10_000, 'an error');
    t.ok(rec.errors[0] instanceof StreamDeletedError, `StreamDeletedError (got ${rec.errors[0]?.constructor.name})`);
    t.equal(rec.events.length, 0, 'no events');
  });

  t.test('to a soft-deleted stream: waits, then delivers the re-created stream', async (t) => {
    const stream = uniqueStream('sub-soft-deleted');
    await client.appendToStream(stream, testEvents(3)); // 0..2
    await client.deleteStream(stream);
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitForCaughtUp();
    t.equal(rec.caughtUpAfter, 0, 'nothing to catch up with');
    await client.appendToStream(stream, testEvents(1, 'test-event', 3));
    await rec.waitForEvents(1);
    await sleep(200);
    t.same(revisions(rec), [3n], 'the new event, with the continued revision');
    t.same(rec.errors, []);
    await rec.unsubscribe();
  });

  t.test('unusual stream names (unicode, spaces, slashes) work end to end', async (t) => {
    const stream = `ünïcødé stream/with spaces:${randomUUID()} ✓`;
    const rec = new SubscriptionRecorder<ResolvedEvent>(client.subscribeToStream(stream));
    await rec.waitForCaughtUp();
    await client.appendToStream(stream, testEvents(2));
    await rec.waitForEvents(2);
    t.ok(rec.events.every((e) => e.event?.streamId === stream), 'streamId round-trips');
    t.equal((await collect(client.readStream(stream))).length, 2, 'readable');
    await rec.unsubscribe();
  });

  t.test('async iteration with break', async (t) => {
    const stream = uniqueStream('sub-iterate');
    await client.appendToStream(stream, [...testEvents(3), jsonEvent({ type: 'finish', data: {} })]);
    const seen: string[] = [];
    for await (const e of client.subscribeToStream(stream)) {
      seen.push(e.event?.type ?? '?');
      if (e.event?.type === 'finish') break;
    }
    t.same(seen, ['test-event', 'test-event', 'test-event', 'finish']);
  });
});

t.test('subscribeToAll', async (t) => {
  /** A single-event append whose result position is exactly the event's position. */
  async function marker(stream: string): Promise<Position> {
    const r = await client.appendToStream(stream, jsonEvent({ type: 'marker', data: {} }));
    if (!r.position) throw new Error('no position');
    return r.position;
  }

  t.test('from a position (exclusive) with a stream-name prefix filter: history then live', async (t) => {
    const prefix = `suball-${randomUUID()}-`;
    const a = `${prefix}a`;
    const b = `${prefix}b`;
    const outside = uniqueStream('suball-outside');
    const from = await marker(a); // must not be delivered: fromPosition is exclusive
    const hist = testEvents(3);
    await client.appendToStream(a, hist);
    await client.appendToStream(outside, testEvents(2));

    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: streamNameFilter({ prefixes: [prefix] }) }),
    );
    await rec.waitForCaughtUp();
    t.same(ids(rec), hist.map((e) => e.id), 'the historical events after the position, not the marker');
    t.equal(rec.caughtUpAfter, 3, 'caughtUp after them');

    const live = testEvents(2, 'test-event', 10);
    await client.appendToStream(outside, testEvents(1));
    await client.appendToStream(b, live);
    await rec.waitForEvents(5);
    await sleep(200);
    t.same(ids(rec), [...hist, ...live].map((e) => e.id), 'then the live events of the other matching stream');
    t.ok(rec.events.every((e) => e.event?.streamId.startsWith(prefix)), 'only matching streams');
    const positions = rec.events.map((e) => e.event?.position).filter((p): p is Position => !!p);
    t.equal(positions.length, 5, 'every event has a position');
    t.ok(
      positions.every((p, i) => i === 0 || comparePositions(positions[i - 1] as Position, p) < 0),
      'positions increase',
    );
    t.ok(comparePositions(from, positions[0] as Position) < 0, 'all after the start position');
    checkConfirmation(t, rec);
    await rec.unsubscribe();
    t.same(rec.errors, []);
  });

  t.test('stream-name regex filter', async (t) => {
    const tag = randomUUID().replace(/-/g, '');
    const from = await marker(uniqueStream('suball-rx-marker'));
    await client.appendToStream(`rx${tag}-one`, testEvents(2));
    await client.appendToStream(`nomatch-rx${tag}-two`, testEvents(2));
    await client.appendToStream(`rx${tag}-three`, testEvents(1));
    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: streamNameFilter({ regex: `^rx${tag}-` }) }),
    );
    await rec.waitForCaughtUp();
    t.same(
      rec.events.map((e) => e.event?.streamId),
      [`rx${tag}-one`, `rx${tag}-one`, `rx${tag}-three`],
    );
    await rec.unsubscribe();
  });

  t.test('event-type filters: prefixes and regex', async (t) => {
    const tag = randomUUID().replace(/-/g, '');
    const from = await marker(uniqueStream('suball-type-marker'));
    const s = uniqueStream('suball-types');
    await client.appendToStream(s, [
      jsonEvent({ type: `pt${tag}-Created`, data: {} }),
      jsonEvent({ type: `other${tag}`, data: {} }),
      jsonEvent({ type: `pt${tag}-Updated`, data: {} }),
      jsonEvent({ type: `rx${tag}-a`, data: {} }),
      jsonEvent({ type: `rx${tag}-b`, data: {} }),
      jsonEvent({ type: `rx${tag}-c`, data: {} }),
    ]);

    const byPrefix = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: eventTypeFilter({ prefixes: [`pt${tag}-`, `nothing${tag}`] }) }),
    );
    await byPrefix.waitForCaughtUp();
    t.same(
      byPrefix.events.map((e) => e.event?.type),
      [`pt${tag}-Created`, `pt${tag}-Updated`],
      'prefixes',
    );
    await byPrefix.unsubscribe();

    const byRegex = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: eventTypeFilter({ regex: `^rx${tag}-(a|c)$` }) }),
    );
    await byRegex.waitForCaughtUp();
    t.same(
      byRegex.events.map((e) => e.event?.type),
      [`rx${tag}-a`, `rx${tag}-c`],
      'regex',
    );
    // live
    await client.appendToStream(s, [jsonEvent({ type: `rx${tag}-b`, data: {} }), jsonEvent({ type: `rx${tag}-c`, data: {} })]);
    await byRegex.waitForEvents(3);
    await sleep(200);
    t.same(
      byRegex.events.map((e) => e.event?.type),
      [`rx${tag}-a`, `rx${tag}-c`, `rx${tag}-c`],
      'regex, live',
    );
    await byRegex.unsubscribe();
  });

  t.test('excludeSystemEvents drops $-events such as $metadata; without a filter they arrive', async (t) => {
    const s = uniqueStream('suball-nosys');
    const from = await marker(s);
    await client.appendToStream(s, jsonEvent({ type: 'before-meta', data: {} }));
    await client.setStreamMetadata(s, { maxCount: 1000 });
    const finish = jsonEvent({ type: 'after-meta', data: {} });
    await client.appendToStream(s, finish);

    const filtered = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: excludeSystemEvents() }),
    );
    await filtered.waitFor((r) => r.events.some((e) => e.event?.id === finish.id), 20_000, 'the finish event');
    t.ok(
      filtered.events.every((e) => !e.event?.type.startsWith('$')),
      'no system event types',
    );
    t.same(
      filtered.events.filter((e) => e.event?.streamId === s).map((e) => e.event?.type),
      ['before-meta', 'after-meta'],
      'own events delivered',
    );
    await filtered.unsubscribe();

    const unfiltered = new SubscriptionRecorder<AllStreamResolvedEvent>(client.subscribeToAll({ fromPosition: from }));
    await unfiltered.waitFor((r) => r.events.some((e) => e.event?.id === finish.id), 20_000, 'the finish event');
    t.same(
      unfiltered.events
        .filter((e) => e.event?.streamId === s || e.event?.streamId === `$$${s}`)
        .map((e) => `${e.event?.streamId === s ? 's' : '$$s'}:${e.event?.type}`),
      ['s:before-meta', '$$s:$metadata', 's:after-meta'],
      'without a filter the $metadata event of $$stream is delivered in between',
    );
    await unfiltered.unsubscribe();
  });

  t.test('from START with a filter finds the history; from END sees only live events', async (t) => {
    const prefix = `suball-startend-${randomUUID()}-`;
    const hist = testEvents(2);
    await client.appendToStream(`${prefix}x`, hist);
    const fromStart = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: START, filter: streamNameFilter({ prefixes: [prefix] }) }),
    );
    const fromEnd = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: [prefix] }) }),
    );
    await fromStart.waitForCaughtUp(30_000);
    await fromEnd.waitForCaughtUp();
    t.same(ids(fromStart), hist.map((e) => e.id), 'START: history');
    t.equal(fromEnd.events.length, 0, 'END: nothing historical');
    const live = testEvents(1);
    await client.appendToStream(`${prefix}y`, live);
    await fromStart.waitForEvents(3);
    await fromEnd.waitForEvents(1);
    t.same(ids(fromEnd), live.map((e) => e.id), 'END: the live event');
    t.same(ids(fromStart), [...hist, ...live].map((e) => e.id), 'START: history + live');
    await fromStart.unsubscribe();
    await fromEnd.unsubscribe();
  });

  t.test('an unfiltered subscription from END delivers live events of any stream', async (t) => {
    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(client.subscribeToAll({ fromPosition: END }));
    await rec.waitForCaughtUp();
    const e = jsonEvent({ type: 'suball-live-any', data: {} });
    await client.appendToStream(uniqueStream('suball-live-any'), e);
    await rec.waitFor((r) => r.events.some((x) => x.event?.id === e.id), 10_000, 'the live event');
    t.pass('received');
    await rec.unsubscribe();
  });

  t.test('checkpoints: reported while scanning filtered-out events, in catch-up and live', async (t) => {
    const prefix = `suball-ckpt-${randomUUID()}-`;
    const noise = uniqueStream('suball-ckpt-noise');
    const from = await marker(noise);
    // 100 filtered-out events to scan during catch-up, then one matching event.
    for (let i = 0; i < 5; i++) await client.appendToStream(noise, testEvents(20));
    const first = jsonEvent({ type: 'ckpt-first', data: {} });
    const firstResult = await client.appendToStream(`${prefix}a`, first);

    const checkpoints: Position[] = [];
    let subscriptionArg: AllStreamSubscription | undefined;
    const sub = client.subscribeToAll({
      fromPosition: from,
      filter: streamNameFilter({
        prefixes: [prefix],
        checkpointInterval: 1,
        checkpointReached: (s, position) => {
          subscriptionArg = s;
          checkpoints.push(position);
        },
      }),
    });
    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(sub);
    await rec.waitForEvents(1, 20_000);
    await rec.waitForCaughtUp();
    t.equal(rec.events[0]?.event?.id, first.id, 'the matching event is delivered');
    t.ok(checkpoints.length >= 1, `at least one checkpoint while catching up over 100 filtered events (got ${checkpoints.length})`);
    t.equal(subscriptionArg, sub, 'checkpointReached receives the subscription');

    // Live: 200 more filtered-out events, then a matching one.
    const catchUpCheckpoints = checkpoints.length;
    for (let i = 0; i < 10; i++) await client.appendToStream(noise, testEvents(20));
    const last = jsonEvent({ type: 'ckpt-last', data: {} });
    const lastResult = await client.appendToStream(`${prefix}b`, last);
    await rec.waitForEvents(2, 20_000);
    await sleep(300);
    t.ok(
      checkpoints.length > catchUpCheckpoints,
      `checkpoints while live over 200 filtered events (got ${checkpoints.length - catchUpCheckpoints})`,
    );
    t.ok(
      checkpoints.every((p) => typeof p.commit === 'bigint' && typeof p.prepare === 'bigint'),
      'checkpoint positions are bigints',
    );
    t.ok(
      checkpoints.every((p, i) => i === 0 || comparePositions(checkpoints[i - 1] as Position, p) <= 0),
      `checkpoints never go backwards: ${stringify(checkpoints)}`,
    );
    t.ok(
      checkpoints.every((p) => comparePositions(from, p) <= 0),
      'checkpoints are not before the start position',
    );
    if (firstResult.position && lastResult.position) {
      t.ok(
        checkpoints.some((p) => comparePositions(p, firstResult.position as Position) > 0),
        'some checkpoint lies beyond the first matching event (live progress)',
      );
    }
    t.same(rec.errors, []);
    await rec.unsubscribe();
  });

  t.test('appends racing with a filtered $all catch-up: no gap and no duplicate', async (t) => {
    const prefix = `suball-race-${randomUUID()}-`;
    const from = await marker(uniqueStream('suball-race-marker'));
    const sent: string[] = [];
    const appendBatch = async (stream: string, n: number) => {
      const events = testEvents(n);
      await client.appendToStream(stream, events);
      sent.push(...events.map((e) => e.id));
    };
    for (let i = 0; i < 4; i++) await appendBatch(`${prefix}${i % 2}`, 100);
    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: from, filter: streamNameFilter({ prefixes: [prefix] }) }),
    );
    for (let i = 0; i < 40; i++) await appendBatch(`${prefix}${i % 3}`, 5);
    await rec.waitForEvents(sent.length, 30_000);
    await sleep(200);
    t.equal(rec.events.length, sent.length, `exactly ${sent.length} events`);
    t.same(ids(rec), sent, 'in append order');
    await rec.unsubscribe();
  });

  t.test('several subscriptions see the same live events', async (t) => {
    const prefix = `suball-multi-${randomUUID()}-`;
    const recs = [0, 1, 2].map(
      () =>
        new SubscriptionRecorder<AllStreamResolvedEvent>(
          client.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: [prefix] }) }),
        ),
    );
    await Promise.all(recs.map((r) => r.waitForCaughtUp()));
    const sent = testEvents(5);
    await client.appendToStream(`${prefix}s`, sent);
    await Promise.all(recs.map((r) => r.waitForEvents(5)));
    for (const [i, r] of recs.entries()) t.same(ids(r), sent.map((e) => e.id), `subscription ${i}`);
    await Promise.all(recs.map((r) => r.unsubscribe()));
  });
});
