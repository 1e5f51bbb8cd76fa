/**
 * Conformance: deleteStream (soft), tombstoneStream (hard), stream metadata round trips, and
 * `$maxCount`, `$maxAge`, `$tb` enforced on reads.
 */
import t from 'tap';
import {
  BACKWARDS,
  END,
  NO_STREAM,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type ReadStreamOptions,
  type StreamMetadata,
} from '@eventstore/db-client';
import { collect, comparePositions, rejection, rejects, sleep, startTarget, stringify, testEvents, uniqueStream } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const revisions = async (stream: string, options: ReadStreamOptions = {}) =>
  (await collect(client.readStream(stream, options))).map((r) => r.event?.revision);

t.test('deleteStream (soft delete)', async (t) => {
  t.test('then reading: StreamNotFoundError, forwards and backwards', async (t) => {
    const stream = uniqueStream('del-soft');
    await client.appendToStream(stream, testEvents(4));
    const result = await client.deleteStream(stream);
    t.ok(result.position, 'delete returns a position');
    const err = await rejection(collect(client.readStream(stream)), StreamNotFoundError);
    t.equal(err.streamName, stream, 'forwards: streamName');
    await rejects(
      t,
      collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END })),
      StreamNotFoundError,
      'backwards',
    );
  });

  t.test('with a wrong expected revision: WrongExpectedVersionError; with the right one: deleted', async (t) => {
    const stream = uniqueStream('del-wev');
    await client.appendToStream(stream, testEvents(4)); // 0..3
    const err = await rejection(client.deleteStream(stream, { expectedRevision: 2n }), WrongExpectedVersionError);
    t.equal(err.streamName, stream, 'streamName');
    t.equal(err.expectedVersion, 2n, 'expectedVersion');
    t.equal(err.actualVersion, 3n, 'actualVersion');
    t.same(await revisions(stream), [0n, 1n, 2n, 3n], 'nothing deleted');

    const noStream = await rejection(client.deleteStream(stream, { expectedRevision: NO_STREAM }), WrongExpectedVersionError);
    t.equal(noStream.streamName, stream, 'NO_STREAM on an existing stream fails too');

    await client.deleteStream(stream, { expectedRevision: 3n });
    await rejects(t, collect(client.readStream(stream)), StreamNotFoundError, 'deleted with the right revision');
  });

  t.test('the deleted stream can be re-created; revisions continue, old events stay hidden', async (t) => {
    const stream = uniqueStream('del-recreate');
    await client.appendToStream(stream, testEvents(3)); // 0..2
    await client.deleteStream(stream);
    const r = await client.appendToStream(stream, testEvents(1, 'test-event', 3));
    t.equal(r.nextExpectedRevision, 3n, 'the next revision after the deleted ones');
    t.same(await revisions(stream), [3n], 'only the new event is visible');
    t.same(await revisions(stream, { direction: BACKWARDS, fromRevision: END }), [3n], 'also backwards');
  });
});

t.test('a soft delete hides every event committed before it, also under concurrent load', async (t) => {
  // Background writers keep the store busy so that appends and deletes get committed together.
  let stop = false;
  const load = Promise.all(
    Array.from({ length: 16 }, async () => {
      const s = uniqueStream('del-load');
      while (!stop) await client.appendToStream(s, testEvents(1));
    }),
  );
  let appendFirst = 0;
  const violations: string[] = [];
  try {
    for (let i = 0; i < 60; i++) {
      const stream = uniqueStream('del-race');
      await client.appendToStream(stream, testEvents(3));
      const appending = client.appendToStream(stream, testEvents(2));
      await new Promise((resolve) => setTimeout(resolve, i % 3)); // vary which one reaches the server first
      const [appended, deleted] = await Promise.all([appending, client.deleteStream(stream)]);
      if (!appended.position || !deleted.position || comparePositions(appended.position, deleted.position) > 0) continue;
      appendFirst++;
      const visible = await collect(client.readStream(stream)).then(
        (events) => events.map((e) => e.event?.revision),
        () => [],
      );
      if (visible.length > 0) violations.push(`${stream}: revisions ${stringify(visible)} still visible after the delete`);
    }
  } finally {
    stop = true;
    await load;
  }
  t.comment(`${appendFirst} of 60 appends committed before their concurrent delete`);
  t.same(violations, [], 'no event committed before a delete is visible after it');
});

t.test('tombstoneStream (hard delete)', async (t) => {
  t.test('then reading and appending: StreamDeletedError', async (t) => {
    const stream = uniqueStream('del-hard');
    await client.appendToStream(stream, testEvents(3));
    const result = await client.tombstoneStream(stream);
    t.ok(result.position, 'tombstone returns a position');
    const readErr = await rejection(collect(client.readStream(stream)), StreamDeletedError);
    t.equal(readErr.streamName, stream, 'read: streamName');
    await rejects(
      t,
      collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END })),
      StreamDeletedError,
      'read backwards',
    );
    const appendErr = await rejection(client.appendToStream(stream, testEvents(1)), StreamDeletedError);
    t.equal(appendErr.streamName, stream, 'append: streamName');
  });

  t.test('deleting or tombstoning a tombstoned stream: StreamDeletedError', async (t) => {
    const stream = uniqueStream('del-hard-twice');
    await client.appendToStream(stream, testEvents(1));
    await client.tombstoneStream(stream);
    await rejects(t, client.tombstoneStream(stream), StreamDeletedError, 'tombstone again');
    await rejects(t, client.deleteStream(stream), StreamDeletedError, 'soft delete');
  });

  t.test('expected revision: wrong -> WrongExpectedVersionError; NO_STREAM on a missing stream -> tombstoned', async (t) => {
    const stream = uniqueStream('del-hard-wev');
    await client.appendToStream(stream, testEvents(4)); // 0..3
    const err = await rejection(client.tombstoneStream(stream, { expectedRevision: 2n }), WrongExpectedVersionError);
    t.equal(err.streamName, stream);
    t.equal(err.expectedVersion, 2n, 'expectedVersion');
    t.equal(err.actualVersion, 3n, 'actualVersion');
    await rejection(client.tombstoneStream(stream, { expectedRevision: NO_STREAM }), WrongExpectedVersionError);
    t.same(await revisions(stream), [0n, 1n, 2n, 3n], 'still readable');
    await client.tombstoneStream(stream, { expectedRevision: 3n });
    await rejects(t, collect(client.readStream(stream)), StreamDeletedError, 'tombstoned with the right revision');

    const missing = uniqueStream('del-hard-missing');
    await client.tombstoneStream(missing, { expectedRevision: NO_STREAM });
    await rejects(t, collect(client.readStream(missing)), StreamDeletedError, 'a never-written stream can be tombstoned');
    await rejects(t, client.appendToStream(missing, testEvents(1)), StreamDeletedError, 'and not written afterwards');
  });

  t.test('a soft-deleted stream can still be tombstoned', async (t) => {
    const stream = uniqueStream('del-soft-then-hard');
    await client.appendToStream(stream, testEvents(2));
    await client.deleteStream(stream);
    await client.tombstoneStream(stream);
    await rejects(t, collect(client.readStream(stream)), StreamDeletedError, 'reading it: StreamDeletedError');
  });
});

t.test('stream metadata', async (t) => {
  t.test('a stream without metadata: only the stream name', async (t) => {
    const stream = uniqueStream('meta-none');
    t.same(await client.getStreamMetadata(stream), { streamName: stream }, 'missing stream');
    await client.appendToStream(stream, testEvents(1));
    t.same(await client.getStreamMetadata(stream), { streamName: stream }, 'existing stream');
  });

  t.test('set/get round trip of every system key and custom keys; a second set replaces it', async (t) => {
    const stream = uniqueStream('meta-roundtrip');
    const metadata: StreamMetadata = {
      maxAge: 3600,
      maxCount: 12,
      truncateBefore: 1,
      cacheControl: 15,
      acl: {
        readRoles: ['$admins'],
        writeRoles: ['$admins'],
        deleteRoles: ['$admins'],
        metaReadRoles: ['$admins'],
        metaWriteRoles: ['$admins'],
      },
      turkey: '🦃',
      nested: { a: [1, 2, 3] },
    };
    const r1 = await client.setStreamMetadata(stream, metadata);
    t.equal(r1.nextExpectedRevision, 0n, 'first metastream revision');
    const got = await client.getStreamMetadata(stream);
    t.equal(got.streamName, stream);
    t.same(got.metadata, metadata, 'round trip');

    const metadata2: StreamMetadata = { maxCount: 11, turkey: '🍗' };
    const r2 = await client.setStreamMetadata(stream, metadata2);
    t.equal(r2.nextExpectedRevision, 1n, 'second metastream revision');
    t.same((await client.getStreamMetadata(stream)).metadata, metadata2, 'replaced, not merged');
  });

  t.test('setStreamMetadata honours expectedRevision of the metastream', async (t) => {
    const stream = uniqueStream('meta-expected');
    await client.setStreamMetadata(stream, { maxCount: 5 }, { expectedRevision: NO_STREAM });
    const err = await rejection(
      client.setStreamMetadata(stream, { maxCount: 6 }, { expectedRevision: NO_STREAM }),
      WrongExpectedVersionError,
    );
    t.equal(err.streamName, `$$${stream}`, 'the metastream is named');
    t.equal(err.expectedVersion, 'no_stream');
    t.equal(err.actualVersion, 0n);
    const ok = await client.setStreamMetadata(stream, { maxCount: 7 }, { expectedRevision: 0n });
    t.equal(ok.nextExpectedRevision, 1n);
    t.same((await client.getStreamMetadata(stream)).metadata, { maxCount: 7 });
  });

  t.test('$maxCount: only the last N events are returned', async (t) => {
    const stream = uniqueStream('meta-maxcount');
    await client.appendToStream(stream, testEvents(5)); // 0..4
    await client.setStreamMetadata(stream, { maxCount: 3 });
    t.same(await revisions(stream), [2n, 3n, 4n], 'forwards');
    t.same(await revisions(stream, { direction: BACKWARDS, fromRevision: END }), [4n, 3n, 2n], 'backwards');
    t.same(await revisions(stream, { maxCount: 1 }), [2n], 'forwards, maxCount 1: the oldest visible');
    t.same(await revisions(stream, { fromRevision: 0n, maxCount: 2 }), [2n, 3n], 'from a hidden revision');
    await client.appendToStream(stream, testEvents(2, 'test-event', 5)); // 5, 6
    t.same(await revisions(stream), [4n, 5n, 6n], 'the window moves with new events');

    const before = uniqueStream('meta-maxcount-first');
    await client.setStreamMetadata(before, { maxCount: 2 });
    await client.appendToStream(before, testEvents(4));
    t.same(await revisions(before), [2n, 3n], 'metadata set before the stream exists');
  });

  t.test('$maxCount raised again: events not yet scavenged become visible again', async (t) => {
    const stream = uniqueStream('meta-maxcount-raise');
    await client.appendToStream(stream, testEvents(4));
    await client.setStreamMetadata(stream, { maxCount: 1 });
    t.same(await revisions(stream), [3n]);
    await client.setStreamMetadata(stream, { maxCount: 10 });
    t.same(await revisions(stream), [0n, 1n, 2n, 3n]);
  });

  t.test('$tb (truncateBefore): events before it are hidden', async (t) => {
    const stream = uniqueStream('meta-tb');
    await client.appendToStream(stream, testEvents(5)); // 0..4
    await client.setStreamMetadata(stream, { truncateBefore: 3 });
    t.same(await revisions(stream), [3n, 4n], 'forwards');
    t.same(await revisions(stream, { fromRevision: 1n }), [3n, 4n], 'forwards from a truncated revision');
    t.same(await revisions(stream, { direction: BACKWARDS, fromRevision: END }), [4n, 3n], 'backwards');
    t.same(await revisions(stream, { direction: BACKWARDS, fromRevision: 2n }), [], 'backwards from a truncated revision');
    const r = await client.appendToStream(stream, testEvents(1, 'test-event', 5));
    t.equal(r.nextExpectedRevision, 5n, 'appends continue after the existing revisions');
  });

  t.test('$tb beyond the last event hides every event but does not delete the stream', async (t) => {
    // Only a soft delete marks a stream deleted (EventStoreDB sets $tb to its DeletedStream
    // sentinel); a user's $tb past the end just leaves nothing to read.
    const stream = uniqueStream('meta-tb-beyond');
    await client.appendToStream(stream, testEvents(3)); // 0..2
    await client.setStreamMetadata(stream, { truncateBefore: 10 });
    try {
      t.same(await revisions(stream), [], 'reading returns no events (not StreamNotFoundError)');
    } catch (error) {
      t.fail(`reading returns no events (not StreamNotFoundError): ${String(error)}`);
    }
    const wev = await rejects(
      t,
      client.appendToStream(stream, testEvents(1), { expectedRevision: NO_STREAM }),
      WrongExpectedVersionError,
      'NO_STREAM is refused: the stream exists',
    );
    t.equal(wev?.actualVersion, 2n, 'at its last revision');
    const r = await client.appendToStream(stream, testEvents(1, 'test-event', 3), { expectedRevision: 2n });
    t.equal(r.nextExpectedRevision, 3n, 'appending at the last revision continues it');
  });

  t.test('$maxAge: events older than maxAge seconds are not returned', async (t) => {
    const stream = uniqueStream('meta-maxage');
    const control = uniqueStream('meta-maxage-control');
    await client.setStreamMetadata(stream, { maxAge: 1 });
    await client.appendToStream(stream, testEvents(2)); // 0, 1
    await client.appendToStream(control, testEvents(2));
    await sleep(2_500);
    t.same(await revisions(stream), [], 'forwards: expired events are gone');
    t.same(await revisions(stream, { direction: BACKWARDS, fromRevision: END }), [], 'backwards too');
    t.same(await revisions(control), [0n, 1n], 'a stream without maxAge keeps its events');
    const r = await client.appendToStream(stream, testEvents(1, 'test-event', 2));
    t.equal(r.nextExpectedRevision, 2n, 'revisions continue');
    t.same(await revisions(stream), [2n], 'a fresh event is visible');
  });
});
