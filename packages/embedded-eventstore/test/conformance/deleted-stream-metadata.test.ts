/**
 * Conformance: what deleting a stream does to its metadata, and what metadata does to a deleted
 * stream. Each rule names the file (under src/ of kurrent-io/KurrentDB, the same at v24.10 and
 * v26.1) that it follows.
 */
import t from 'tap';
import {
  ANY,
  NO_STREAM,
  StreamDeletedError,
  WrongExpectedVersionError,
  type ReadStreamOptions,
} from '@eventstore/db-client';
import { collect, rejects, startTarget, testEvents, uniqueStream } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const revisions = async (stream: string, options: ReadStreamOptions = {}) =>
  (await collect(client.readStream(stream, options))).map((r) => r.event?.revision);

t.test('soft delete writes {"$tb": long.MaxValue} alone (StorageWriterService.cs, WriteDelete)', async (t) => {
  const stream = uniqueStream('sd-meta-replaced');
  await client.setStreamMetadata(stream, { maxCount: 5, custom: 'kept before the delete' });
  await client.appendToStream(stream, testEvents(3)); // 0..2
  await client.deleteStream(stream);
  const { metadata } = await client.getStreamMetadata(stream);
  t.same(Object.keys(metadata ?? {}), ['truncateBefore'], 'only $tb: the earlier keys are gone');
  t.ok(Number(metadata?.truncateBefore) > Number.MAX_SAFE_INTEGER, 'at the deleted-stream marker');

  // Recreating it sets $tb to the next revision in that metadata (SoftUndeleteStream), so the
  // earlier keys do not come back either.
  const r = await client.appendToStream(stream, testEvents(1, 'test-event', 3));
  t.equal(r.nextExpectedRevision, 3n, 'revisions continue');
  t.same((await client.getStreamMetadata(stream)).metadata, { truncateBefore: 3 }, 'metadata after recreating: {"$tb": 3} only');
  t.same(await revisions(stream), [3n], 'and no $maxCount of 5 applies any more (one event visible)');
});

t.test('setting metadata on a soft-deleted stream undeletes it with $tb = last + 1 (SoftUndeleteMetastream)', async (t) => {
  const stream = uniqueStream('sd-set-meta');
  await client.appendToStream(stream, testEvents(3)); // 0..2
  await client.deleteStream(stream);
  await client.setStreamMetadata(stream, { maxCount: 10 });
  t.same(await revisions(stream), [], 'the old events stay hidden');
  t.same((await client.getStreamMetadata(stream)).metadata, { maxCount: 10, truncateBefore: 3 }, 'the metadata set, with $tb at the next revision');
  const r = await client.appendToStream(stream, testEvents(1, 'test-event', 3), { expectedRevision: 2n });
  t.equal(r.nextExpectedRevision, 3n, 'the stream continues at its revision');
  t.same(await revisions(stream), [3n], 'only the new event is visible');
});

t.test('soft delete of a stream that never existed: WrongExpectedVersionError (StorageWriterService.cs)', async (t) => {
  for (const expectedRevision of [ANY, NO_STREAM] as const) {
    const stream = uniqueStream('sd-never');
    const err = await rejects(t, client.deleteStream(stream, { expectedRevision }), WrongExpectedVersionError, `expected ${expectedRevision}`);
    t.equal(err?.streamName, stream, 'names the stream');
    t.same((await client.getStreamMetadata(stream)).metadata, undefined, 'no metadata was written');
  }
  // A stream with metadata only has existed: it can be deleted.
  const metaOnly = uniqueStream('sd-meta-only');
  await client.setStreamMetadata(metaOnly, { maxAge: 60 });
  await client.deleteStream(metaOnly);
  t.pass('a stream with only metadata can be soft-deleted');
});

t.test('metadata of a hard-deleted stream: StreamDeletedError (IndexReader.GetStreamLastEventNumberCached)', async (t) => {
  const stream = uniqueStream('hd-meta');
  await client.setStreamMetadata(stream, { maxCount: 3 });
  await client.appendToStream(stream, testEvents(2));
  await client.tombstoneStream(stream);
  await rejects(t, client.getStreamMetadata(stream), StreamDeletedError, 'get');
  await rejects(t, client.setStreamMetadata(stream, { maxCount: 4 }), StreamDeletedError, 'set');
  await rejects(t, collect(client.readStream(`$$${stream}`)), StreamDeletedError, 'reading the metastream');
});

t.test('the $streamDeleted event in $all is not JSON (LogRecord.DeleteTombstone sets no IsJson flag)', async (t) => {
  const stream = uniqueStream('hd-all');
  const written = await client.appendToStream(stream, testEvents(1));
  await client.tombstoneStream(stream);
  // Read from the stream's own event, so that a reader of $all meets the tombstone without failing.
  const read = await collect(client.readAll({ fromPosition: written.position!, maxCount: 50 }));
  const tombstone = read.map((r) => r.event).find((e) => e?.streamId === stream && e.type === '$streamDeleted');
  t.ok(tombstone, 'the tombstone is in $all');
  t.equal(tombstone?.isJson, false, 'content type application/octet-stream');
  t.equal((tombstone?.data as Uint8Array | undefined)?.length, 0, 'with empty data');
});
