/**
 * The document mechanisms: types by content, the chunked encryption (round trip, ranges,
 * tampering, reordering, truncation), the ingest pipeline's refusals, and one store suite run
 * against both backends (the file system and a JetStream Object Store on a real nats-server).
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { EICAR as eicar, startClamd, startTestEnvironment } from '@cfund/test-support';
import {
  CHUNK_BYTES, DOCX, DocumentInfectedError, DocumentIntegrityError, ScanFailedError, type ClamdAddress, DocumentTooLargeError, EmptyDocumentError, FileDocumentStore, ODT, ObjectDocumentStore,
  UnsupportedDocumentTypeError, decryptDocument, encryptDocument, ingestDocument, storedOffsetOfChunk, storedSize, type DocumentStore,
} from '../src/index.ts';
import { collect, docx, executable, jpeg, odt, pdf, pieces, png, tiff, zip } from './fixtures.ts';

const key = randomBytes(32);

t.test('chunked encryption', async (t) => {
  const id = randomUUID();
  for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17]) {
    const plain = randomBytes(size);
    const stored = await collect(encryptDocument(key, id, pieces(plain)));
    t.equal(stored.length, storedSize(size), `${size} bytes: the stored size is as computed`);
    t.same(await collect(decryptDocument(key, id, pieces(stored, 1000))), plain, `${size} bytes: round trip`);
  }
  const plain = randomBytes(3 * CHUNK_BYTES + 100);
  const stored = await collect(encryptDocument(key, id, pieces(plain)));
  t.same(await collect(decryptDocument(key, id, pieces(stored.subarray(storedOffsetOfChunk(2))), 2)), plain.subarray(2 * CHUNK_BYTES), 'decrypts from a chunk on (ranges)');
  t.notOk(stored.includes(plain.subarray(0, 32)), 'no plaintext in the stored form');

  const refused = async (bytes: Buffer, message: string, options: { key?: Buffer; id?: string; from?: number } = {}) =>
    t.rejects(collect(decryptDocument(options.key ?? key, options.id ?? id, pieces(bytes), options.from ?? 0)), DocumentIntegrityError, message);
  const flipped = Buffer.from(stored);
  flipped.writeUInt8(flipped.readUInt8(storedOffsetOfChunk(1) + 40) ^ 1, storedOffsetOfChunk(1) + 40);
  await refused(flipped, 'an altered byte');
  await refused(stored, 'another key', { key: randomBytes(32) });
  await refused(stored, 'another document id (records cannot move between documents)', { id: randomUUID() });
  const rec = (i: number) => stored.subarray(storedOffsetOfChunk(i), storedOffsetOfChunk(i + 1));
  await refused(Buffer.concat([stored.subarray(0, storedOffsetOfChunk(0)), rec(1), rec(0), stored.subarray(storedOffsetOfChunk(2))]), 'two records swapped');
  await refused(stored.subarray(0, storedOffsetOfChunk(3)), 'cut after a full record (no last record)');
  await refused(stored.subarray(0, stored.length - 5), 'cut inside the last record');
  await refused(Buffer.concat([stored, rec(0)]), 'a record after the last');
  await refused(Buffer.concat([stored.subarray(0, storedOffsetOfChunk(1)), stored.subarray(storedOffsetOfChunk(2))]), 'a record dropped from the middle');
});

t.test('types are told by content, never by name', async (t) => {
  const stores: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'cfund-docs-types-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await FileDocumentStore.open(dir);
  const ingest = (bytes: Buffer, maxBytes = 1 << 20) => {
    const storageKey = `${randomUUID()}.cfd`;
    stores.push(storageKey);
    return ingestDocument(pieces(bytes, 50), { store, storageKey, key, documentId: randomUUID(), maxBytes });
  };
  for (const [bytes, type] of [
    [pdf(), 'application/pdf'], [png(), 'image/png'], [jpeg(), 'image/jpeg'], [tiff(), 'image/tiff'], [docx(), DOCX], [odt(), ODT],
  ] as const) {
    const r = await ingest(bytes);
    t.equal(r.contentType, type, `${type}`);
    t.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'), `${type}: the SHA-256 of the plaintext`);
    t.equal(r.size, bytes.length);
  }
  await t.rejects(ingest(executable()), UnsupportedDocumentTypeError, 'an executable');
  await t.rejects(ingest(Buffer.from('just text, of any name')), UnsupportedDocumentTypeError, 'plain text');
  await t.rejects(ingest(zip([{ name: 'evil.exe', data: executable() }])), UnsupportedDocumentTypeError, 'a ZIP that is neither DOCX nor ODT');
  await t.rejects(ingest(zip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'xl/workbook.xml', data: '<w/>' }])), UnsupportedDocumentTypeError, 'an XLSX');
  await t.rejects(ingest(docx().subarray(0, 120)), UnsupportedDocumentTypeError, 'a cut DOCX (no central directory)');
  await t.rejects(ingest(Buffer.alloc(0)), EmptyDocumentError, 'an empty file');
  await t.rejects(ingest(pdf(randomBytes(5000)), 4096), DocumentTooLargeError, 'more than the limit');
  t.same((await readdir(dir)).sort(), stores.slice(0, 6).sort(), 'only the accepted documents stay stored');
});

/** The same suite for each backend. */
async function storeSuite(t: Test, store: DocumentStore): Promise<void> {
  const plain = randomBytes(2 * CHUNK_BYTES + 999);
  const documentId = randomUUID();
  const storageKey = `${documentId}.cfd`;
  await store.put(storageKey, encryptDocument(key, documentId, pieces(plain, 10_000)));
  const whole = await store.get(storageKey);
  t.ok(whole, 'stored');
  t.same(await collect(decryptDocument(key, documentId, whole!)), plain, 'read back whole');
  const from = await store.get(storageKey, storedOffsetOfChunk(1));
  t.same(await collect(decryptDocument(key, documentId, from!, 1)), plain.subarray(CHUNK_BYTES), 'read from an offset');
  t.equal(await store.get('no-such-document.cfd'), undefined, 'nothing under an unknown key');
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(100_000, 1);
    throw new Error('the upload broke off');
  }
  await t.rejects(store.put('broken.cfd', failing()), /broke off/, 'a broken upload fails');
  t.equal(await store.get('broken.cfd'), undefined, 'and leaves nothing under its key');
  await store.delete(storageKey);
  t.equal(await store.get(storageKey), undefined, 'deleted');
  await store.delete(storageKey);
  t.pass('deleting twice is fine');
  await t.rejects(store.put('../escape', pieces(Buffer.from('x'))), /invalid document storage key/, 'keys are names, not paths');
}

t.test('the file system store', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-docs-fs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await storeSuite(t, await FileDocumentStore.open(dir));
  t.same((await readdir(dir)).filter((n) => n.endsWith('.tmp')), [], 'no temporary files left');
});

t.test('the JetStream Object Store', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  t.teardown(() => env.close());
  const nc = await env.connectNats();
  const bucket = `docs-${randomUUID().slice(0, 8)}`;
  await storeSuite(t, await ObjectDocumentStore.open(nc, { bucket }));
  await t.rejects(ObjectDocumentStore.open(nc, { bucket, replicas: 3 }), /OBJ_docs-\w+: 3 replicas were asked for \(NATS_STREAM_REPLICAS\), but NATS is a single server/,
    'an existing bucket is scaled to NATS_STREAM_REPLICAS: more than one on a single server is refused');
});

t.test('the malware scan hook (clamd INSTREAM)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-docs-scan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await FileDocumentStore.open(join(dir, 'documents'));
  const ingest = (bytes: Buffer, clamd?: ClamdAddress) =>
    ingestDocument(pieces(bytes, 1000), { store, storageKey: `${randomUUID()}.cfd`, key, documentId: randomUUID(), maxBytes: 1 << 20, clamd });

  t.test('not configured: nothing is scanned, the upload is accepted', async (t) => {
    t.equal((await ingest(pdf(eicar))).contentType, 'application/pdf');
  });

  t.test('a real clamd, where one is installed (started with its own EICAR signature)', async (t) => {
    const clamd = await startClamd();
    if ('skipped' in clamd) return t.plan(0, clamd.skipped);
    t.teardown(() => clamd.close());
    const { socket } = clamd;
    await t.rejects(ingest(pdf(eicar), { socket }), { name: 'DocumentInfectedError', signature: 'Cfund.Test.Eicar.UNOFFICIAL' }, 'the EICAR test file is refused, naming the signature');
    t.equal((await ingest(pdf('clean'), { socket })).contentType, 'application/pdf', 'a clean one is accepted');
  });

  t.test('the protocol, against a stand-in that speaks INSTREAM', async (t) => {
    // Reads `zINSTREAM\0` and length-prefixed chunks up to the zero length, as clamd does, then answers.
    const path = join(dir, 'clamd.sock');
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      let buffered = Buffer.alloc(0);
      let stage: 'command' | 'chunks' = 'command';
      const body: Buffer[] = [];
      socket.on('data', (data: Buffer) => {
        buffered = Buffer.concat([buffered, data]);
        if (stage === 'command') {
          const end = buffered.indexOf(0);
          if (end < 0) return;
          if (buffered.subarray(0, end).toString() !== 'zINSTREAM') return void socket.end('UNKNOWN COMMAND\0');
          buffered = buffered.subarray(end + 1);
          stage = 'chunks';
        }
        while (buffered.length >= 4) {
          const n = buffered.readUInt32BE(0);
          if (n === 0) {
            const all = Buffer.concat(body);
            received.push(all);
            return void socket.end(all.includes(eicar) ? 'stream: Eicar-Test-Signature FOUND\0' : 'stream: OK\0');
          }
          if (buffered.length < 4 + n) return;
          body.push(buffered.subarray(4, 4 + n));
          buffered = buffered.subarray(4 + n);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const before = (await readdir(join(dir, 'documents'))).length;
    await t.rejects(ingest(pdf(eicar), { socket: path }), DocumentInfectedError, 'infected: refused');
    t.equal((await readdir(join(dir, 'documents'))).length, before, 'and nothing stored');
    const clean = pdf(randomBytes(5000));
    t.equal((await ingest(clean, { socket: path })).size, clean.length, 'clean: accepted');
    t.same(received.at(-1), clean, 'clamd was sent the whole file');
    await t.rejects(ingest(pdf('x'), { socket: join(dir, 'nobody.sock') }), ScanFailedError, 'no clamd there: refused (fail closed)');
  });
});
