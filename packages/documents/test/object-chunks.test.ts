/**
 * ObjectChunks (the Object Store writer and reader of ObjectDocumentStore) against a real
 * nats-server with JetStream: what it writes is the Object Store's format (nats.js's own `get` and
 * `info` read it, digest checked, and it reads what nats.js writes); a failed put leaves no object
 * and no chunks, and the same put again works; and memory is bounded both ways: with the server's
 * answers held back by a TCP proxy (so no chunk is acknowledged and no requested chunk arrives),
 * a put reads no more of its input than the window of chunks in flight, and a get receives no more
 * than the chunks it has asked for. nats.js's `ObjectStore.put` and `get` (the old code) fail both.
 * Puts at once share a room of chunks in flight: held back, 8 puts send no more than it, and time
 * out (purged) rather than wait for ever for their turn; the room is whole again after.
 * The chunks a killed put leaves are purged by the orphan sweep after its grace period.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { JSONCodec, connect, headers, type StoredMsg } from 'nats';
import { eventually, startTestEnvironment } from '@cfund/test-support';
import { CHUNK_BYTES, CHUNK_SEQUENCES, DocumentIntegrityError, DEFAULT_CHUNKS_IN_FLIGHT, DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS, DEFAULT_DIRECT_READ_MAX_CHUNKS, ObjectChunks, ObjectDocumentStore, chunkSequences, decryptDocument, encryptDocument, storedOffsetOfChunk, sweepOrphans, type ChunkOptions } from '../src/index.ts';
import { collect, pieces } from './fixtures.ts';

const env = await startTestEnvironment({ memDb: true });
if (env.skipped !== undefined) {
  t.plan(0, env.skipped);
  process.exit(0);
}
t.teardown(() => env.close());
const nc = await env.connectNats();
const jsm = await nc.jetstreamManager();
const newBucket = (): string => `docs-${randomUUID().slice(0, 8)}`;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url');
/** A store of 128 KiB chunks in a new bucket, its NATS connection through a `heldProxy` (both closed after the test). */
const storeBehindProxy = async (t: Test, options: { ackTimeoutMs?: number } = {}) => {
  const proxy = await heldProxy(env.natsUrl);
  t.teardown(() => proxy.close());
  const held = await connect({ ...env.natsOptions(), servers: proxy.url });
  t.teardown(() => held.close());
  const bucket = newBucket();
  const chunkBytes = 128 * 1024;
  const store = await ObjectDocumentStore.open(held, { bucket, chunkBytes, ...options });
  return { proxy, held, bucket, chunkBytes, store };
};
/** The chunk messages the bucket's stream holds, of every object. */
const chunkMessages = async (bucket: string): Promise<number> => {
  const { state } = await jsm.streams.info(`OBJ_${bucket}`, { subjects_filter: `$O.${bucket}.C.>` });
  return Object.values(state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
};

/** An ObjectChunks of `bucket` on a connection of its own, and the bytes that connection has received (its reads' chunks and answers). */
const measuredChunks = async (bucket: string, options: ChunkOptions = {}): Promise<{ chunks: ObjectChunks; received: () => number }> => {
  const reader = await env.connectNats();
  t.teardown(() => reader.close());
  return { chunks: new ObjectChunks(reader, await reader.jetstreamManager(), bucket, options), received: () => reader.stats().inBytes };
};
/** Reads through a consumer whatever the count of chunks, or by direct gets whatever the count. */
const READERS = [['a consumer', { directReadMaxChunks: 0 }], ['direct gets', { directReadMaxChunks: Number.MAX_SAFE_INTEGER }]] as const;

t.test('the Object Store format: nats.js reads what is written here, and the other way round', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024 });
  const bytes = randomBytes(17 * 64 * 1024 + 123); // 18 chunks, the last one short
  await store.put('a.cfd', pieces(bytes, 10_007));

  const os = await nc.jetstream().views.os(bucket);
  const info = await os.info('a.cfd');
  t.ok(info, 'nats.js finds the object');
  t.equal(info!.size, bytes.length, 'its size');
  t.equal(info!.chunks, 18, 'its chunks');
  t.equal(info!.options?.max_chunk_size, 64 * 1024, 'its chunk size');
  t.equal(info!.digest, `SHA-256=${createHash('sha256').update(bytes).digest('base64url')}=`, 'its digest, padded base64url as nats.js writes it');
  t.equal(info!.bucket, bucket);
  t.notOk(info!.deleted);
  const found = await os.get('a.cfd');
  const read = await collect(found!.data as unknown as AsyncIterable<Uint8Array>);
  t.notOk(await found!.error, 'nats.js checks the digest and finds no error');
  t.equal(sha256(read), sha256(bytes), 'nats.js reads the bytes written');

  const theirs = randomBytes(300_001);
  await os.put({ name: 'b.cfd' }, ReadableStream.from(pieces(theirs)) as unknown as ReadableStream<Uint8Array>);
  t.equal(sha256(await collect((await store.get('b.cfd'))!)), sha256(theirs), 'an object nats.js wrote is read here');
  t.equal(sha256(await collect((await store.get('a.cfd', 200_000))!)), sha256(bytes.subarray(200_000)), 'from an offset inside a chunk');
  t.equal(sha256(await collect((await store.get('a.cfd', bytes.length))!)), sha256(Buffer.alloc(0)), 'from the end: nothing');
  t.same((await collectKeys(store)).sort(), ['a.cfd', 'b.cfd'], 'both listed');

  await store.delete('a.cfd');
  t.equal(await store.get('a.cfd'), undefined, 'deleted');
  t.equal((await os.info('a.cfd'))?.deleted, true, 'nats.js sees it deleted');
  t.equal(await chunkMessages(bucket), 3, 'the deleted object\'s chunks are purged (b.cfd\'s 3 remain)');

  const chunks = new ObjectChunks(nc, jsm, bucket);
  const meta = await chunks.meta('b.cfd');
  await jsm.streams.purge(`OBJ_${bucket}`, { filter: `$O.${bucket}.C.${meta!.nuid}`, keep: 1 });
  await t.rejects(collect((await store.get('b.cfd'))!), /fewer chunks stored than its 3/, 'a chunk missing fails the read');
});

t.test('a put whose input fails leaves no object and no chunks; the same put again works', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024, maxChunksInFlight: 2 });
  const bytes = randomBytes(1024 * 1024);
  async function* breaking(): AsyncGenerator<Uint8Array> {
    yield bytes.subarray(0, 600_000); // 9 chunks sent, some still in flight
    throw new Error('the upload broke off');
  }
  await t.rejects(store.put('c.cfd', breaking()), /broke off/, 'the put fails with the input\'s error');
  t.equal(await store.get('c.cfd'), undefined, 'nothing under the name');
  t.equal(await (await nc.jetstream().views.os(bucket)).info('c.cfd'), null, 'nats.js finds nothing either');
  t.equal(await chunkMessages(bucket), 0, 'the chunks written are purged');

  await store.put('c.cfd', pieces(bytes));
  t.equal(sha256(await collect((await store.get('c.cfd'))!)), sha256(bytes), 'the retry stores the whole document');
  t.equal(await chunkMessages(bucket), 16, 'and only its own chunks are left');
});

t.test('the chunks of a put that was killed are purged by the orphan sweep once older than its grace period', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024 });
  const kept = randomBytes(200_000);
  await store.put('kept.cfd', pieces(kept));
  // What a writer killed mid-put leaves: chunks under a nuid no meta names.
  const abandoned = 'KILLEDPUT0123456789ABC';
  for (let i = 0; i < 3; i += 1) await nc.jetstream().publish(`$O.${bucket}.C.${abandoned}`, randomBytes(64 * 1024));
  const recordedKeys = async (): Promise<ReadonlySet<string>> => new Set<string>();

  const young = await sweepOrphans(store, { graceMs: 3_600_000, recordedKeys });
  t.same(young.incomplete, [], 'younger than the grace period (a put may still be running): left alone');
  t.equal(await chunkMessages(bucket), 4 + 3, 'every chunk still there');

  const later = await sweepOrphans(store, { graceMs: 3_600_000, recordedKeys, now: () => new Date(Date.now() + 3_600_000 + 1000) });
  t.same(later.incomplete, [`$O.${bucket}.C.${abandoned}`], 'older: purged, named by their subject');
  t.equal(later.unattributed, 1, 'the complete object (a key naming no claim) is not touched');
  t.equal(await chunkMessages(bucket), 4, 'only the complete object\'s chunks are left');
  t.equal(sha256(await collect((await store.get('kept.cfd'))!)), sha256(kept), 'and it reads whole');
});

t.test('the service users: the command user writes, the projection user reads (nats-auth permissions)', async (t) => {
  if (!env.natsOptions('command').user) return t.plan(0, 'an external NATS without the service users');
  const writer = await env.connectNats(env.natsOptions('command'));
  const reader = await env.connectNats(env.natsOptions('projection'));
  const key = `${randomUUID()}.cfd`;
  const bytes = randomBytes(400_000);
  await (await ObjectDocumentStore.open(writer)).put(key, pieces(bytes));
  const store = await ObjectDocumentStore.open(reader);
  t.equal(sha256(await collect((await store.get(key))!)), sha256(bytes), 'read through a pull consumer (its chunks placed by direct gets)');
  await (await ObjectDocumentStore.open(writer)).delete(key);
});

t.test('a range starts at the Object Store chunk holding the encrypted record of its first byte', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket });
  const key = randomBytes(32);
  const documentId = randomUUID();
  const plaintext = randomBytes(3 * 1024 * 1024 + 4321); // 49 records of 64 KiB, stored as 25 chunks of 128 KiB
  await store.put('big.cfd', encryptDocument(key, documentId, pieces(plaintext, 50_000)));
  const { chunks, received } = await measuredChunks(bucket);
  const meta = (await chunks.meta('big.cfd'))!;
  const chunkBytes = meta.options!.max_chunk_size!;
  /** What receiving `n` chunks costs at most: their bytes, and their headers and the answers besides (far below 16 KiB). */
  const chunksWorth = (n: number): number => n * chunkBytes + 16 * 1024;

  /** The bytes first..last as the projection service reads them: from the record holding `first`. */
  const range = async (first: number, last: number): Promise<Buffer> => {
    const record = Math.floor(first / CHUNK_BYTES);
    const stored = chunks.read(meta, record === 0 ? 0 : storedOffsetOfChunk(record));
    return (await collect(decryptDocument(key, documentId, stored, record))).subarray(first - record * CHUNK_BYTES, last - record * CHUNK_BYTES + 1);
  };
  const end = plaintext.length - 1;
  for (const first of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, 31 * CHUNK_BYTES - 1, 31 * CHUNK_BYTES, 48 * CHUNK_BYTES - 1, 48 * CHUNK_BYTES, end - 1, end]) {
    const before = received();
    const read = await range(first, end);
    t.ok(read.equals(plaintext.subarray(first)), `bytes ${first}-${end}: the plaintext's`);
    // The chunks from the one holding the record's first stored byte to the end, found by its recorded sequence (the code before also read the object's first and last chunk to place it).
    const needed = meta.chunks - Math.floor((first < CHUNK_BYTES ? 0 : storedOffsetOfChunk(Math.floor(first / CHUNK_BYTES))) / chunkBytes);
    const got = received() - before;
    t.ok(got <= chunksWorth(needed), `bytes ${first}-${end}: ${got} bytes received for ${needed} of the ${meta.chunks} chunks`);
  }
  const before = received();
  t.ok((await range(end - 100, end)).equals(plaintext.subarray(end - 100)), 'the last 101 bytes');
  const got = received() - before;
  t.ok(got <= chunksWorth(1), `read with ${got} bytes received (the one chunk it is in), not the ${meta.chunks} chunks`);
  t.ok((await range(5 * CHUNK_BYTES + 7, 9 * CHUNK_BYTES + 3)).equals(plaintext.subarray(5 * CHUNK_BYTES + 7, 9 * CHUNK_BYTES + 4)), 'a range inside the document');
});

t.test('the document store reads without the digest: a changed stored byte is still refused, by the document\'s records', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket });
  const key = randomBytes(32);
  const documentId = randomUUID();
  const plaintext = randomBytes(600_000); // 10 records, 5 chunks
  await store.put('doc.cfd', encryptDocument(key, documentId, pieces(plaintext)));
  const meta = (await store.chunks.meta('doc.cfd'))!;
  // A byte of record 3 changed in storage, the meta (and its digest) left as it was: the object's chunks written again under another nuid.
  const stored = await collect((await store.get('doc.cfd'))!);
  stored[storedOffsetOfChunk(3) + 100]! ^= 1;
  const nuid = 'CHANGEDBYTE0123456789A';
  for (let at = 0; at < stored.length; at += meta.options!.max_chunk_size!) await nc.jetstream().publish(store.chunks.chunkSubject(nuid), stored.subarray(at, at + meta.options!.max_chunk_size!));
  const h = headers();
  h.set('Nats-Rollup', 'sub');
  await nc.jetstream().publish(store.chunks.metaSubject('doc.cfd'), JSONCodec().encode({ ...meta, nuid, metadata: undefined }), { headers: h });

  await t.rejects(collect(decryptDocument(key, documentId, (await store.get('doc.cfd'))!)), DocumentIntegrityError, 'the whole document: refused');
  await t.rejects(collect(decryptDocument(key, documentId, (await store.get('doc.cfd', storedOffsetOfChunk(2)))!, 2)), DocumentIntegrityError, 'a range over the changed record: refused');
  const after = await collect(decryptDocument(key, documentId, (await store.get('doc.cfd', storedOffsetOfChunk(4)))!, 4));
  t.ok(after.equals(plaintext.subarray(4 * CHUNK_BYTES)), 'a range after it reads (each record authenticates itself)');
  await t.rejects(collect(new ObjectChunks(nc, jsm, bucket).read((await store.chunks.meta('doc.cfd'))!)), /do not match its size and digest/, 'ObjectChunks with its digest check (the default) refuses the bytes themselves');
});

t.test('objects written at the same time (their chunks interleaved): read whole, and ranges from their chunk, by either reader', async (t) => {
  const bucket = newBucket();
  // One chunk in flight each: the two puts take turns, so their chunks alternate in the stream.
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024, maxChunksInFlight: 1 });
  const a = randomBytes(20 * 64 * 1024 + 99); // 21 chunks, the last one 99 bytes
  const b = randomBytes(20 * 64 * 1024 + 7);
  await Promise.all([store.put('a.cfd', pieces(a, 64 * 1024)), store.put('b.cfd', pieces(b, 64 * 1024))]);
  const meta = (await store.chunks.meta('a.cfd'))!;
  const direct = (jsm as unknown as { direct: { getMessage(stream: string, query: object): Promise<StoredMsg> } }).direct;
  const first = await direct.getMessage(`OBJ_${bucket}`, { seq: 1, next_by_subj: store.chunks.chunkSubject(meta.nuid) });
  const last = await direct.getMessage(`OBJ_${bucket}`, { last_by_subj: store.chunks.chunkSubject(meta.nuid) });
  t.ok(last.seq - first.seq + 1 > meta.chunks, `a's ${meta.chunks} chunks are spread over sequences ${first.seq}-${last.seq}`);
  const recorded = chunkSequences(meta);
  t.equal(recorded?.length, meta.chunks, `the put recorded the sequence of each chunk: ${meta.metadata?.[CHUNK_SEQUENCES]}`);
  t.equal(recorded?.[0], first.seq, 'the first chunk\'s');
  t.equal(recorded?.at(-1), last.seq, 'the last chunk\'s');

  const offsets = [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 10 * 64 * 1024 - 1, 10 * 64 * 1024, 10 * 64 * 1024 + 5, 19 * 64 * 1024 + 1, 20 * 64 * 1024 - 1, 20 * 64 * 1024, a.length - 1, a.length];
  for (const [reader, options] of READERS) {
    const { chunks, received } = await measuredChunks(bucket, { ...options, checkDigest: true });
    let before = received();
    t.equal(sha256(await collect(chunks.read(meta))), sha256(a), `${reader}: read whole, digest checked`);
    t.ok(received() - before < (meta.chunks + 1) * 64 * 1024, `${reader}: its chunks received once: ${received() - before} bytes for ${a.length}, none of b's`);
    for (const offset of offsets) {
      before = received();
      t.equal(sha256(await collect(chunks.read(meta, offset))), sha256(a.subarray(offset)), `${reader}: from ${offset}, the right bytes`);
      // The chunks from the one holding the offset on, their headers and the answers (far below 16 KiB); the code before read from the first chunk.
      const needed = meta.chunks - Math.min(Math.floor(offset / (64 * 1024)), meta.chunks - 1);
      const got = received() - before;
      t.ok(got <= needed * 64 * 1024 + 16 * 1024, `${reader}: from ${offset}, ${got} bytes received for ${needed} of the ${meta.chunks} chunks`);
    }
  }
  t.equal(sha256(await collect((await store.get('b.cfd', 300_000))!)), sha256(b.subarray(300_000)), 'the other object too');
});

t.test('a small object comes by direct gets, alone or with the window\'s count of reads at once; many chunks through a consumer', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024 });
  const small = randomBytes(DEFAULT_DIRECT_READ_MAX_CHUNKS * 64 * 1024); // as many chunks as direct gets take
  const large = randomBytes(DEFAULT_DIRECT_READ_MAX_CHUNKS * 64 * 1024 + 1);
  await store.put('small.cfd', pieces(small));
  await store.put('large.cfd', pieces(large));
  const consumers = async (): Promise<number> => (await jsm.streams.info(`OBJ_${bucket}`)).state.consumer_count;
  /** Starts reads of `names` at once, each taken to its first chunk; the consumers of the stream then; the reads finished. */
  const consumersWhileReading = async (...names: string[]): Promise<number> => {
    const reads = await Promise.all(names.map(async (name) => (await store.get(name))![Symbol.asyncIterator]()));
    await Promise.all(reads.map((read) => read.next()));
    const count = await consumers();
    await Promise.all(reads.map(async (read) => { while (!(await read.next()).done); }));
    return count;
  };
  t.equal(await consumersWhileReading('small.cfd'), 0, 'one read of a small object: no consumer');
  // The code before took a consumer for every read past the second running at once.
  t.equal(await consumersWhileReading(...Array.from({ length: DEFAULT_CHUNKS_IN_FLIGHT }, () => 'small.cfd')), 0, `${DEFAULT_CHUNKS_IN_FLIGHT} at once: none either`);
  t.equal(await consumersWhileReading('large.cfd'), 1, `one read of ${DEFAULT_DIRECT_READ_MAX_CHUNKS + 1} chunks: a consumer`);
  t.equal(await consumers(), 0, 'every read\'s consumer deleted at its end');
  t.equal(sha256(await collect((await store.get('small.cfd', 100_000))!)), sha256(small.subarray(100_000)), 'a range of the small one by direct gets');
});

t.test('a record of chunk sequences that does not match the stream is not trusted; a missing chunk fails either reader', async (t) => {
  const bucket = newBucket();
  const store = await ObjectDocumentStore.open(nc, { bucket, chunkBytes: 64 * 1024 });
  const a = randomBytes(5 * 64 * 1024 + 1);
  const b = randomBytes(5 * 64 * 1024 + 2);
  await store.put('a.cfd', pieces(a));
  await store.put('b.cfd', pieces(b));
  const metaA = (await store.chunks.meta('a.cfd'))!;
  const metaB = (await store.chunks.meta('b.cfd'))!;
  // As if the stream had been copied into another one with other sequences: a's record names b's chunks, or sequences past the stream's end.
  const elsewhere = [
    ['another object\'s chunks', { ...metaA, metadata: { ...metaB.metadata } }],
    ['sequences past the end', { ...metaA, metadata: { [CHUNK_SEQUENCES]: '1000+6' } }],
  ] as const;
  for (const [reader, options] of READERS) {
    const chunks = new ObjectChunks(nc, jsm, bucket, { ...options, checkDigest: true });
    for (const [what, stale] of elsewhere) {
      t.equal(sha256(await collect(chunks.read(stale))), sha256(a), `${reader}, ${what}: read whole, as if nothing were recorded`);
      t.equal(sha256(await collect(chunks.read(stale, 3 * 64 * 1024 + 5))), sha256(a.subarray(3 * 64 * 1024 + 5)), `${reader}, ${what}: a range too`);
    }
  }
  await jsm.streams.purge(`OBJ_${bucket}`, { filter: store.chunks.chunkSubject(metaA.nuid), keep: 4 });
  for (const [reader, options] of READERS) {
    const chunks = new ObjectChunks(nc, jsm, bucket, options);
    await t.rejects(collect(chunks.read(metaA)), /fewer chunks stored than its 6/, `${reader}: a chunk missing fails the read`);
    await t.rejects(collect(chunks.read(metaA, 64 * 1024)), /fewer chunks stored than its 6/, `${reader}: a range from the missing chunk too`);
  }
});

t.test('memory is bounded: a put waits for acknowledgements, a get for the chunks it asks for', async (t) => {
  const { proxy, held, bucket, chunkBytes, store } = await storeBehindProxy(t);
  const bytes = randomBytes(20 * 1024 * 1024);

  // The put: from its first chunk on no acknowledgement reaches the client (the hold starts as the
  // proxy forwards the first chunk), so no more than the window is read and sent.
  proxy.holdFrom(`$O.${bucket}.C.`);
  let read = 0;
  let exhausted!: () => void;
  const whole = new Promise<'the whole input'>((resolve) => { exhausted = () => resolve('the whole input'); });
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const piece of pieces(bytes, 64 * 1024)) {
      read += piece.length;
      yield piece;
    }
    exhausted();
  }
  const put = store.put('big.cfd', counted());
  put.catch(() => undefined);
  await eventually('the window of chunks stored', async () => (await chunkMessages(bucket)) >= DEFAULT_CHUNKS_IN_FLIGHT, 30_000);
  // Old code reads the whole input at once; this code stops at the window: wait for either.
  const settled = await Promise.race([whole, new Promise<'settled'>((resolve) => setTimeout(() => resolve('settled'), 1500))]);
  t.equal(settled, 'settled', 'the input is not read to its end while no chunk is acknowledged');
  t.equal(await chunkMessages(bucket), DEFAULT_CHUNKS_IN_FLIGHT, `${DEFAULT_CHUNKS_IN_FLIGHT} chunks sent unacknowledged, no more`);
  t.ok(read <= (DEFAULT_CHUNKS_IN_FLIGHT + 1) * chunkBytes, `input read: ${read} bytes, at most the window and the chunk being filled`);
  t.ok(proxy.sentSinceHold < (DEFAULT_CHUNKS_IN_FLIGHT + 1) * chunkBytes, `bytes sent: ${proxy.sentSinceHold}`);
  proxy.release();
  await put;
  t.equal(read, bytes.length, 'released: the put completes');

  // The get: once the reader has its first chunk, the server's answers are held back; what the
  // server sent towards the reader (the meta, the first chunk, the window asked for ahead) stays
  // below the window and two chunks (nats.js's get: 2.1 MB of the 20 MiB).
  // Each reader in turn: it takes its first chunk, the proxy holds the server back, and what was
  // sent towards it meanwhile must stay under the window and two chunks; released, the rest comes.
  const heldRead = async (label: string, chunks: AsyncIterable<Uint8Array>) => {
    const sentBefore = proxy.serverToClient;
    const reader = chunks[Symbol.asyncIterator]();
    const first = await reader.next();
    t.equal(first.value?.length, chunkBytes, `${label}: the first chunk`);
    proxy.hold();
    const allSent = eventually('the whole object sent', async () => proxy.serverToClient + proxy.heldBytes - sentBefore >= bytes.length, 1500, 50)
      .then(() => 'the whole object' as const, () => 'settled' as const);
    t.equal(await allSent, 'settled', `${label}: the server is not sending the whole object to a reader that has read one chunk`);
    const sent = proxy.serverToClient + proxy.heldBytes - sentBefore;
    t.ok(sent < (DEFAULT_CHUNKS_IN_FLIGHT + 2) * chunkBytes, `${label}: sent towards the reader meanwhile: ${sent} bytes`);
    proxy.release();
    const rest = await collect({ [Symbol.asyncIterator]: () => reader });
    t.equal(sha256(Buffer.concat([first.value!, rest])), sha256(bytes), `${label}, released: the rest is read, digest checked`);
  };
  await heldRead('store.get (a consumer)', (await store.get('big.cfd'))!);
  // The same by direct gets (as a read of few chunks goes): no more than the window asked for ahead.
  const direct = new ObjectChunks(held, await held.jetstreamManager(), bucket, { directReadMaxChunks: Number.MAX_SAFE_INTEGER, checkDigest: true });
  await heldRead('direct gets', direct.read((await direct.meta('big.cfd'))!));
});

t.test('puts at once: no more chunks in flight over all of them than the shared room; released, nats.js reads every object, digest checked', async (t) => {
  const { proxy, held, bucket, chunkBytes, store } = await storeBehindProxy(t);
  // 8 puts of 16 chunks each: their windows together (8 × 8) are twice the shared room.
  const documents = Array.from({ length: 8 }, () => randomBytes(16 * chunkBytes));
  proxy.holdFrom(`$O.${bucket}.C.`);
  const puts = documents.map((bytes, i) => store.put(`${i}.cfd`, pieces(bytes, 64 * 1024)));
  for (const put of puts) put.catch(() => undefined);
  await eventually('the shared room of chunks stored', async () => (await chunkMessages(bucket)) >= DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // old code sends each put's whole window meanwhile
  t.equal(await chunkMessages(bucket), DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS, `${DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS} chunks sent unacknowledged over the 8 puts, not 8 windows of ${DEFAULT_CHUNKS_IN_FLIGHT}`);
  t.ok(proxy.sentSinceHold < (DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS + 1) * chunkBytes, `bytes sent: ${proxy.sentSinceHold}`);
  proxy.release();
  await Promise.all(puts);
  // Each put fills a chunk's buffer again once the chunk is acknowledged: every object must still read back exactly, by nats.js's own reader.
  const os = await held.jetstream().views.os(bucket);
  for (const [i, bytes] of documents.entries()) {
    const found = await os.get(`${i}.cfd`);
    const read = await collect(found!.data as unknown as AsyncIterable<Uint8Array>);
    t.notOk(await found!.error, `${i}.cfd: nats.js's reader checked its digest`);
    t.equal(sha256(read), sha256(bytes), `${i}.cfd: its bytes`);
  }
  t.equal(await chunkMessages(bucket), 8 * 16, 'every chunk stored once');
});

t.test('puts held past the ack timeout, waiting for an acknowledgement or for room, fail and leave no chunks; the room is whole again after', async (t) => {
  const { proxy, bucket, chunkBytes, store } = await storeBehindProxy(t, { ackTimeoutMs: 1000 });
  const documents = Array.from({ length: 8 }, () => randomBytes(16 * chunkBytes));
  proxy.holdFrom(`$O.${bucket}.C.`);
  const failed = Promise.allSettled(documents.map((bytes, i) => store.put(`${i}.cfd`, pieces(bytes, 64 * 1024))));
  await new Promise((resolve) => setTimeout(resolve, 2500)); // every put's wait has timed out
  proxy.release(); // the held acknowledgements come late (dropped), the purges' answers through
  const results = await failed;
  t.equal(results.filter((r) => r.status === 'rejected').length, 8, 'all 8 puts failed');
  const reasons = results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : ''));
  t.ok(reasons.every((m) => /no acknowledgement within 1000 ms|no room among the puts' chunks in flight within 1000 ms/.test(m)), `each timed out: ${reasons.join(' | ')}`);
  t.ok(reasons.some((m) => /no room among the puts' chunks in flight/.test(m)), 'a put waiting its turn for room times out too, not waiting for ever');
  await eventually('every failed put\'s chunks purged', async () => (await chunkMessages(bucket)) === 0, 10_000);
  t.same(await collectKeys(store), [], 'no object');
  // Room taken by the failed puts was given back: 8 puts at once complete.
  await Promise.all(documents.map((bytes, i) => store.put(`${i}.cfd`, pieces(bytes, 64 * 1024))));
  t.equal(await chunkMessages(bucket), 8 * 16, 'then 8 puts at once complete');
  t.equal(sha256(await collect((await store.get('7.cfd'))!)), sha256(documents[7]!), 'and read back');
});

async function collectKeys(store: ObjectDocumentStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of store.list()) keys.push(key);
  return keys;
}

/** A TCP proxy to NATS that can hold back what the server sends (its acks, its answers) and counts the bytes both ways. */
async function heldProxy(natsUrl: string): Promise<{
  url: string; sentSinceHold: number; serverToClient: number; heldBytes: number;
  hold(): void; holdFrom(marker: string): void; release(): void; close(): Promise<void>;
}> {
  const upstream = new URL(natsUrl);
  const sockets = new Set<Socket>();
  const pending: Array<() => void> = [];
  const state = {
    url: '', sentSinceHold: 0, serverToClient: 0, heldBytes: 0, holding: false, marker: undefined as Buffer | undefined,
    hold() { state.holding = true; state.sentSinceHold = 0; },
    /** Holds from the moment the client sends `marker` (before it is forwarded, so no answer to it gets through). */
    holdFrom(marker: string) { state.marker = Buffer.from(marker); },
    release() {
      state.holding = false;
      for (const flush of pending.splice(0)) flush();
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((client) => {
    const nats = tcpConnect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(nats);
    client.on('data', (b) => {
      if (state.marker && b.includes(state.marker)) {
        state.marker = undefined;
        state.hold();
      }
      state.sentSinceHold += b.length;
      nats.write(b);
    });
    nats.on('data', (b) => {
      if (!state.holding) {
        state.serverToClient += b.length;
        client.write(b);
        return;
      }
      state.heldBytes += b.length;
      pending.push(() => { state.heldBytes -= b.length; state.serverToClient += b.length; client.write(b); });
    });
    const end = (): void => { client.destroy(); nats.destroy(); };
    client.on('close', end).on('error', end);
    nats.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  state.url = `nats://127.0.0.1:${address.port}`;
  return state;
}
