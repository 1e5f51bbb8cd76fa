/**
 * Conformance: retries with `any` and `stream_exists`, and `stream_exists` itself, as
 * IndexWriter.CheckCommit decides them (src/KurrentDB.Core/Services/Storage/ReaderIndex/IndexWriter.cs;
 * the failures it reports are mapped in StorageWriterService.cs and RequestManagerBase.cs: corrupted
 * idempotency is a wrong expected version; a tombstoned stream, or a soft-deleted one expected to
 * exist, is a deleted stream). Every case runs on both of the client's wire paths.
 */
import t from 'tap';
import {
  ANY,
  STREAM_EXISTS,
  StreamDeletedError,
  WrongExpectedVersionError,
  type AppendToStreamOptions,
  type EventData,
} from '@eventstore/db-client';
import { ADMIN, collect, rejects, startTarget, testEvents, uniqueStream } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const paths: { name: string; options: AppendToStreamOptions }[] = [
  { name: 'BatchAppend path', options: {} },
  { name: 'Append path (per-call credentials)', options: { credentials: ADMIN } },
];

const ids = async (stream: string) => (await collect(client.readStream(stream))).map((r) => r.event?.id);

for (const path of paths) {
  const append = (stream: string, events: EventData[], extra: AppendToStreamOptions = {}) =>
    client.appendToStream(stream, events, { ...path.options, ...extra });

  t.test(path.name, async (t) => {
    t.test('any: a retry that partly overlaps the last write is a wrong expected version (CorruptedIdempotency)', async (t) => {
      const stream = uniqueStream('idem-partial');
      const [e0, e1, e2] = testEvents(3);
      await append(stream, [e0!, e1!, e2!], { expectedRevision: ANY });
      const [fresh] = testEvents(1, 'test-event', 3);
      const err = await rejects(t, append(stream, [e1!, e2!, fresh!], { expectedRevision: ANY }), WrongExpectedVersionError, 'refused');
      t.equal(err?.expectedVersion, 'any', 'expected: any');
      t.equal(err?.actualVersion, 2n, 'actual: the last revision');
      t.same(await ids(stream), [e0!.id, e1!.id, e2!.id], 'nothing written');
    });

    t.test('any: a non-contiguous subset of written events is idempotent, never written twice', async (t) => {
      const stream = uniqueStream('idem-subset');
      const [e0, e1, e2] = testEvents(3);
      await append(stream, [e0!, e1!, e2!], { expectedRevision: ANY });
      const r = await append(stream, [e0!, e2!], { expectedRevision: ANY });
      t.equal(r.nextExpectedRevision, 2n, 'reports the revision of the last event named');
      const again = await append(stream, [e1!], { expectedRevision: STREAM_EXISTS });
      t.equal(again.nextExpectedRevision, 1n, 'stream_exists retries are weakly idempotent too');
      t.same(await ids(stream), [e0!.id, e1!.id, e2!.id], 'each event stored once');
    });

    t.test('any: a retry after a hard delete is a deleted stream, not a success', async (t) => {
      const stream = uniqueStream('idem-tombstoned');
      const events = testEvents(2);
      await append(stream, events, { expectedRevision: ANY });
      await client.tombstoneStream(stream);
      await rejects(t, append(stream, events, { expectedRevision: ANY }), StreamDeletedError, 'StreamDeletedError');
    });

    t.test('stream_exists after a soft delete: a deleted stream, for a retry as for new events', async (t) => {
      const stream = uniqueStream('idem-soft');
      const events = testEvents(2);
      await append(stream, events, { expectedRevision: ANY });
      await client.deleteStream(stream);
      await rejects(t, append(stream, events, { expectedRevision: STREAM_EXISTS }), StreamDeletedError, 'the retry');
      await rejects(t, append(stream, testEvents(1), { expectedRevision: STREAM_EXISTS }), StreamDeletedError, 'new events');
    });

    t.test('stream_exists on a stream with only metadata is accepted', async (t) => {
      const stream = uniqueStream('idem-meta-only');
      await client.setStreamMetadata(stream, { maxAge: 3600 });
      const r = await append(stream, testEvents(1), { expectedRevision: STREAM_EXISTS });
      t.equal(r.nextExpectedRevision, 0n, 'written at revision 0');
      await rejects(t, append(uniqueStream('idem-none'), testEvents(1), { expectedRevision: STREAM_EXISTS }), WrongExpectedVersionError, 'a stream without metadata either is not');
    });
  });
}
