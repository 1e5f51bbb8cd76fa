/**
 * Conformance: appendToStream through the real client, on both of its wire paths.
 *
 * The client uses Streams.BatchAppend when the server advertises it (ServerFeatures) and no
 * per-call credentials are given; passing per-call credentials forces Streams.Append. Every
 * case below runs on both paths.
 */
import t from 'tap';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  binaryEvent,
  jsonEvent,
  MaxAppendSizeExceededError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendToStreamOptions,
  type EventData,
} from '@eventstore/db-client';
import {
  ADMIN, appendLimitsOf, collect, rejection, serverFeatures, startTarget, stringify, testEvents, uniqueStream, rejects,
} from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const ONE_MIB = 1024 * 1024;
// The limit depends on the server's version (test/conformance/limits.test.ts covers both).
const { version } = await serverFeatures(target);
const { maxAppendSize } = appendLimitsOf(version);

const paths: { name: string; options: AppendToStreamOptions }[] = [
  { name: 'BatchAppend path (no per-call credentials)', options: {} },
  { name: 'Append path (per-call credentials)', options: { credentials: ADMIN } },
];

async function readAllOf(stream: string) {
  return (await collect(client.readStream(stream))).map((r) => {
    if (!r.event) throw new Error(`resolved event without event in ${stream}`);
    return r.event;
  });
}

for (const path of paths) {
  const opts = path.options;
  const append = (stream: string, events: EventData | EventData[], extra: AppendToStreamOptions = {}) =>
    client.appendToStream(stream, events, { ...opts, ...extra });

  t.test(path.name, async (t) => {
    t.test('a single JSON event with metadata: result, then read back field by field', async (t) => {
      const stream = uniqueStream('append-json');
      const event = jsonEvent({
        type: 'OrderPlaced',
        data: { orderId: 'o-1', lines: [{ sku: 'a', qty: 2 }], note: 'CC ‐ 1830 ünïcode' },
        metadata: { correlationId: 'c-1', causationId: 'x-1' },
      });
      const before = Date.now();
      const result = await append(stream, event, { expectedRevision: NO_STREAM });
      t.equal(result.success, true, 'success');
      t.equal(result.nextExpectedRevision, 0n, 'nextExpectedRevision is the revision of the event');
      t.ok(result.position, 'a position is returned');

      const [read] = await readAllOf(stream);
      t.ok(read, 'the event is read back');
      if (!read) return;
      t.equal(read.id, event.id, 'id');
      t.equal(read.type, 'OrderPlaced', 'type');
      t.equal(read.streamId, stream, 'streamId');
      t.equal(read.revision, 0n, 'revision');
      t.equal(read.isJson, true, 'isJson');
      t.same(read.data, event.data, 'data');
      t.same(read.metadata, event.metadata, 'metadata');
      t.ok(read.created instanceof Date, 'created is a Date');
      t.ok(
        Math.abs(read.created.getTime() - before) < 60_000,
        `created (${read.created.toISOString()}) is close to now (${new Date(before).toISOString()})`,
      );
      t.ok(read.position, 'the read event carries its position');
      if (read.position && result.position) {
        t.same(read.position, result.position, 'a single-event append returns the position of the event');
        t.equal(read.position.commit, read.position.prepare, 'commit == prepare');
      }
    });

    t.test('several events in one append get consecutive revisions', async (t) => {
      const stream = uniqueStream('append-many');
      const events = testEvents(5);
      const result = await append(stream, events);
      t.equal(result.nextExpectedRevision, 4n, 'nextExpectedRevision = last revision');
      const read = await readAllOf(stream);
      t.same(
        read.map((e) => e.revision),
        [0n, 1n, 2n, 3n, 4n],
        'revisions 0..4',
      );
      t.same(
        read.map((e) => e.id),
        events.map((e) => e.id),
        'ids in append order',
      );
      t.same(
        read.map((e) => e.data),
        events.map((e) => e.data),
        'data in append order',
      );
      const positions = read.map((e) => e.position);
      t.ok(positions.every((p) => p !== undefined), 'every event has a position');
      for (let i = 1; i < read.length; i++) {
        const a = positions[i - 1];
        const b = positions[i];
        if (a && b) t.ok(b.commit > a.commit, `position of revision ${i} is after revision ${i - 1}`);
      }
      const first = positions[0];
      const last = positions[positions.length - 1];
      if (result.position && first && last) {
        t.ok(
          result.position.commit >= first.commit && result.position.commit <= last.commit,
          `append position ${stringify(result.position)} lies within the written events`,
        );
      }

      const second = await append(stream, testEvents(2, 'test-event', 5), { expectedRevision: 4n });
      t.equal(second.nextExpectedRevision, 6n, 'a second append continues the revisions');
      if (second.position && result.position) {
        t.ok(second.position.commit > result.position.commit, 'and has a later position');
      }
    });

    t.test('binary events with binary metadata, and events without metadata', async (t) => {
      const stream = uniqueStream('append-binary');
      const data = Uint8Array.from([0, 1, 2, 250, 255, 10, 13]);
      const meta = Uint8Array.from(Buffer.from('binary-meta'));
      const bin = binaryEvent({ type: 'Blob', data, metadata: meta });
      const binNoMeta = binaryEvent({ type: 'BlobNoMeta', data: Uint8Array.from([42]) });
      const jsonNoMeta = jsonEvent({ type: 'JsonNoMeta', data: { a: 1 } });
      const jsonBinMeta = jsonEvent({ type: 'JsonBinMeta', data: { b: 2 }, metadata: meta });
      await append(stream, [bin, binNoMeta, jsonNoMeta, jsonBinMeta]);
      const [r0, r1, r2, r3] = await readAllOf(stream);
      if (!r0 || !r1 || !r2 || !r3) {
        t.fail('four events expected');
        return;
      }
      t.equal(r0.isJson, false, 'binary event is not JSON');
      t.equal(r0.type, 'Blob');
      t.same(Buffer.from(r0.data as Uint8Array), Buffer.from(data), 'binary data round-trips');
      t.same(Buffer.from(r0.metadata as Uint8Array), Buffer.from(meta), 'binary metadata round-trips');
      t.same(Buffer.from(r1.data as Uint8Array), Buffer.from([42]), 'binary data without metadata');
      t.equal(r1.metadata, undefined, 'no metadata -> undefined');
      t.same(r2.data, { a: 1 }, 'json data');
      t.equal(r2.metadata, undefined, 'json event without metadata -> undefined');
      t.same(r3.data, { b: 2 });
      t.same(Buffer.from(r3.metadata as Uint8Array), Buffer.from(meta), 'binary metadata on a json event');
    });

    t.test('expectedRevision: successes', async (t) => {
      const stream = uniqueStream('append-expected-ok');
      const r1 = await append(stream, testEvents(2), { expectedRevision: NO_STREAM });
      t.equal(r1.nextExpectedRevision, 1n, 'NO_STREAM on a missing stream');
      const r2 = await append(stream, testEvents(1), { expectedRevision: STREAM_EXISTS });
      t.equal(r2.nextExpectedRevision, 2n, 'STREAM_EXISTS on an existing stream');
      const r3 = await append(stream, testEvents(1), { expectedRevision: ANY });
      t.equal(r3.nextExpectedRevision, 3n, 'ANY on an existing stream');
      const r4 = await append(stream, testEvents(3), { expectedRevision: 3n });
      t.equal(r4.nextExpectedRevision, 6n, 'explicit revision equal to the current one');
      const r5 = await append(uniqueStream('append-any-new'), testEvents(1), { expectedRevision: ANY });
      t.equal(r5.nextExpectedRevision, 0n, 'ANY on a missing stream');
      t.equal((await readAllOf(stream)).length, 7, 'all 7 events are stored');
    });

    t.test('expectedRevision: WrongExpectedVersionError with expected and actual values', async (t) => {
      const existing = uniqueStream('append-wev');
      await append(existing, testEvents(2)); // revisions 0, 1

      const cases: {
        name: string;
        stream: string;
        expectedRevision: AppendToStreamOptions['expectedRevision'];
        expected: unknown;
        actual: unknown;
      }[] = [
        { name: 'NO_STREAM on an existing stream', stream: existing, expectedRevision: NO_STREAM, expected: 'no_stream', actual: 1n },
        { name: 'explicit revision ahead of the stream', stream: existing, expectedRevision: 5n, expected: 5n, actual: 1n },
        { name: 'explicit revision behind the stream', stream: existing, expectedRevision: 0n, expected: 0n, actual: 1n },
        {
          name: 'STREAM_EXISTS on a missing stream',
          stream: uniqueStream('append-wev-missing'),
          expectedRevision: STREAM_EXISTS,
          expected: 'stream_exists',
          actual: 'no_stream',
        },
        {
          name: 'explicit revision on a missing stream',
          stream: uniqueStream('append-wev-missing'),
          expectedRevision: 1n,
          expected: 1n,
          actual: 'no_stream',
        },
        {
          name: 'explicit revision 0 on a missing stream',
          stream: uniqueStream('append-wev-missing'),
          expectedRevision: 0n,
          expected: 0n,
          actual: 'no_stream',
        },
      ];
      for (const c of cases) {
        const err = await rejection(
          append(c.stream, testEvents(1), { expectedRevision: c.expectedRevision }),
          WrongExpectedVersionError,
        );
        t.equal(err.streamName, c.stream, `${c.name}: streamName`);
        t.equal(err.expectedVersion, c.expected, `${c.name}: expectedVersion`);
        t.equal(err.actualVersion, c.actual, `${c.name}: actualVersion`);
      }
      t.equal((await readAllOf(existing)).length, 2, 'failed appends wrote nothing');
      await rejects(t, collect(client.readStream(cases[3]?.stream ?? '')), StreamNotFoundError, 'nor created a stream');
    });

    t.test('idempotent appends: same ids at the same expected revision write nothing twice', async (t) => {
      const stream = uniqueStream('append-idempotent');
      const first = testEvents(3);
      const r1 = await append(stream, first, { expectedRevision: NO_STREAM });
      const again = await append(stream, first, { expectedRevision: NO_STREAM });
      t.equal(again.success, true, 'retry with NO_STREAM succeeds');
      t.equal(again.nextExpectedRevision, r1.nextExpectedRevision, 'and reports the same revision');

      const second = testEvents(2, 'test-event', 3);
      const r2 = await append(stream, second, { expectedRevision: 2n });
      t.equal(r2.nextExpectedRevision, 4n);
      const again2 = await append(stream, second, { expectedRevision: 2n });
      t.equal(again2.success, true, 'retry with an explicit revision succeeds');
      t.equal(again2.nextExpectedRevision, 4n, 'and reports the same revision');

      const third = testEvents(1, 'test-event', 5);
      await append(stream, third, { expectedRevision: ANY });
      const again3 = await append(stream, third, { expectedRevision: ANY });
      t.equal(again3.success, true, 'an immediate retry with ANY succeeds');

      const fourth = testEvents(1, 'test-event', 6);
      await append(stream, fourth, { expectedRevision: 5n });
      const late = await append(stream, second, { expectedRevision: 2n });
      t.equal(late.success, true, 'a late retry at an old explicit revision is still idempotent');

      const read = await readAllOf(stream);
      t.same(
        read.map((e) => e.id),
        [...first, ...second, ...third, ...fourth].map((e) => e.id),
        'each event is stored exactly once',
      );
      t.equal(read.length, 7, 'seven events in total');
    });

    t.test(`MaxAppendSizeExceededError above 1 MiB (${version}); nothing is written; just below is accepted`, { skip: maxAppendSize !== ONE_MIB && `server ${version} takes ${maxAppendSize} bytes per append` }, async (t) => {
      const stream = uniqueStream('append-too-big');
      // 12 x 100 KiB = 1.17 MiB in one append; each event on its own is small (a real server
      // also limits single events, so the total must be what exceeds the limit).
      const chunk = () => binaryEvent({ type: 'Big', data: Buffer.alloc(100 * 1024, 7) });
      const tooBig = Array.from({ length: 12 }, chunk);
      const err = await rejection(append(stream, tooBig), MaxAppendSizeExceededError);
      t.equal(err.maxAppendSize, ONE_MIB, 'the error reports the 1 MiB limit');
      await rejects(t, collect(client.readStream(stream)), StreamNotFoundError, 'nothing was written');

      const fits = Array.from({ length: 9 }, chunk); // 900 KiB
      const ok = await append(stream, fits);
      t.equal(ok.nextExpectedRevision, 8n, '900 KiB in one append is accepted');
      const read = await readAllOf(stream);
      t.equal(read.length, 9);
      t.equal((read[0]?.data as Uint8Array | undefined)?.length, 100 * 1024, 'large bodies round-trip');
    });

    t.test('appending to a tombstoned stream: StreamDeletedError', async (t) => {
      const stream = uniqueStream('append-tombstoned');
      await append(stream, testEvents(2));
      await client.tombstoneStream(stream);
      for (const expectedRevision of [ANY, NO_STREAM, 1n] as const) {
        const err = await rejection(append(stream, testEvents(1), { expectedRevision }), StreamDeletedError);
        t.equal(err.streamName, stream, `expectedRevision ${String(expectedRevision)}: StreamDeletedError names the stream`);
      }
    });

    t.test('appending after a soft delete recreates the stream, revisions continue', async (t) => {
      const stream = uniqueStream('append-soft-deleted');
      await append(stream, testEvents(3)); // 0..2
      await client.deleteStream(stream);
      await rejects(t, collect(client.readStream(stream)), StreamNotFoundError, 'deleted stream is not found');
      const events = testEvents(2, 'test-event', 3);
      const result = await append(stream, events, { expectedRevision: ANY });
      t.equal(result.nextExpectedRevision, 4n, 'revisions continue after the deleted ones');
      const read = await readAllOf(stream);
      t.same(
        read.map((e) => e.revision),
        [3n, 4n],
        'only the new events are visible',
      );
      t.same(
        read.map((e) => e.id),
        events.map((e) => e.id),
      );
    });

    // A soft-deleted stream keeps its last revision for expected-version checks (EventStoreDB's
    // IndexWriter.CheckCommit): NO_STREAM and the last revision re-create it, STREAM_EXISTS is
    // refused as deleted, and a wrong revision reports the real current revision.
    t.test('expected revisions against a soft-deleted stream', async (t) => {
      const deleted = async () => {
        const s = uniqueStream('append-soft-deleted-expected');
        await append(s, testEvents(3)); // 0..2
        await client.deleteStream(s);
        return s;
      };

      const byNoStream = await deleted();
      const r1 = await append(byNoStream, testEvents(1, 'test-event', 3), { expectedRevision: NO_STREAM });
      t.equal(r1.nextExpectedRevision, 3n, 'NO_STREAM re-creates it, revisions continue');

      const byLastRevision = await deleted();
      try {
        const r2 = await append(byLastRevision, testEvents(1, 'test-event', 3), { expectedRevision: 2n });
        t.equal(r2.nextExpectedRevision, 3n, 'the last revision before the delete re-creates it');
      } catch (error) {
        t.fail(`the last revision before the delete re-creates it: ${String(error)} ${stringify(error)}`);
      }
      const visible = await readAllOf(byLastRevision).then(
        (events) => events.map((e) => e.revision),
        (error: unknown) => (error as Error).constructor.name,
      );
      t.same(visible, [3n], 'only the new event is visible');

      const byWrongRevision = await deleted();
      const wev = await rejects(
        t,
        append(byWrongRevision, testEvents(1), { expectedRevision: 0n }),
        WrongExpectedVersionError,
        'a wrong revision: WrongExpectedVersionError',
      );
      t.equal(wev?.actualVersion, 2n, 'reporting the last revision before the delete');

      const byStreamExists = await deleted();
      await rejects(
        t,
        append(byStreamExists, testEvents(1), { expectedRevision: STREAM_EXISTS }),
        StreamDeletedError,
        'STREAM_EXISTS: StreamDeletedError',
      );
    });
  });
}

t.test('BatchAppend: an append split into many chunks (batchAppendSize) is one atomic append', async (t) => {
  const payload = (i: number) => jsonEvent({ type: 'chunked', data: { i, pad: 'x'.repeat(300) } });
  const a = uniqueStream('append-chunked-a');
  const b = uniqueStream('append-chunked-b');
  const eventsA = Array.from({ length: 40 }, (_, i) => payload(i));
  const eventsB = Array.from({ length: 30 }, (_, i) => payload(i));
  // Two chunked appends in flight on the same BatchAppend call, plus a failing one.
  const [ra, rb, failed] = await Promise.all([
    client.appendToStream(a, eventsA, { expectedRevision: NO_STREAM, batchAppendSize: 2048 }),
    client.appendToStream(b, eventsB, { batchAppendSize: 1500 }),
    client
      .appendToStream(uniqueStream('append-chunked-wev'), Array.from({ length: 20 }, (_, i) => payload(i)), {
        expectedRevision: 7n,
        batchAppendSize: 1024,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      ),
  ]);
  t.equal(ra.nextExpectedRevision, 39n, 'stream a: 40 events, one result');
  t.equal(rb.nextExpectedRevision, 29n, 'stream b: 30 events, one result');
  t.ok(failed instanceof WrongExpectedVersionError, 'a chunked append with a wrong revision fails as a whole');
  if (failed instanceof WrongExpectedVersionError) {
    t.equal(failed.expectedVersion, 7n);
    t.equal(failed.actualVersion, 'no_stream');
  }
  t.same(
    (await readAllOf(a)).map((e) => e.id),
    eventsA.map((e) => e.id),
    'stream a holds the events in order',
  );
  t.same(
    (await readAllOf(b)).map((e) => e.id),
    eventsB.map((e) => e.id),
    'stream b holds the events in order',
  );

  if (maxAppendSize !== ONE_MIB) return;
  const big = uniqueStream('append-chunked-too-big');
  const bigEvents = Array.from({ length: 12 }, () => binaryEvent({ type: 'Big', data: Buffer.alloc(100 * 1024, 3) }));
  const err = await rejects(
    t,
    client.appendToStream(big, bigEvents, { batchAppendSize: 256 * 1024 }),
    MaxAppendSizeExceededError,
    'the size limit applies to the whole append, across chunks',
  );
  t.equal(err?.maxAppendSize, ONE_MIB);
  await rejects(t, collect(client.readStream(big)), StreamNotFoundError, 'nothing was written');
  const after = await client.appendToStream(big, testEvents(1));
  t.equal(after.nextExpectedRevision, 0n, 'the BatchAppend call keeps working afterwards');
});

t.test('both paths write to the same stream consistently', async (t) => {
  const stream = uniqueStream('append-mixed-paths');
  let expected: bigint | 'no_stream' = NO_STREAM;
  for (let i = 0; i < 6; i++) {
    const options: AppendToStreamOptions = i % 2 === 0 ? { expectedRevision: expected } : { expectedRevision: expected, credentials: ADMIN };
    const r = await client.appendToStream(stream, testEvents(1, 'test-event', i), options);
    t.equal(r.nextExpectedRevision, BigInt(i), `append ${i} (${i % 2 === 0 ? 'batch' : 'append'} path)`);
    expected = r.nextExpectedRevision;
  }
  const read = await readAllOf(stream);
  t.same(
    read.map((e) => (e.data as { index: number }).index),
    [0, 1, 2, 3, 4, 5],
  );
});
