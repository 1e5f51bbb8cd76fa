/**
 * Documents through HTTP, against the embedded event store and a real nats-server: uploaded to
 * the command service, downloaded from the projection. The same suite runs on both stores (the
 * file system and the JetStream Object Store, as the services' own NATS users); then a 30 MiB
 * upload streamed through a socket, with the process's memory growth measured.
 */
import { createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { claimStream } from '@cfund/contracts';
import { DocumentIntegrityError, FileDocumentStore, ObjectDocumentStore, decryptDocument, type DocumentStore } from '@cfund/documents';
import { FileKeyStore, PersonalDataProtector, isErased } from '@cfund/eventstore';
import { documentsDir, keyStoreDir } from '@cfund/service-kit';
import type { TestEnvironment } from '@cfund/test-support';
import type { NatsConnection } from 'nats';
import { collect, executable, pdf, pieces } from '../../../packages/documents/test/fixtures.ts';
import { fileClaim, get, readAllEnvelopes, startHarness, startProjection, tokens, upload, type Harness } from './helpers.ts';

const VICTIM = 'Jelena Victimović';

/** Where a document's bytes are stored, as its DocumentAttached event names them. */
async function storageKeyOf(h: Harness, documentId: string): Promise<string> {
  const event = (await readAllEnvelopes(h.env.eventStore)).find((e) => e.type === 'DocumentAttached' && (e.data as { documentId: string }).documentId === documentId);
  return (event!.data as { storageKey: string }).storageKey;
}

async function streamTypes(h: Harness, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of h.env.eventStore.readStream(claimStream(id))) out.push(e.event!.type);
  return out;
}

/** NATS connections of the stores, closed before the environment. */
const opened: NatsConnection[] = [];

interface Backend {
  name: string;
  open(env: TestEnvironment): Promise<{ store: DocumentStore; maxBytes: number }>;
  /** The keys stored. */
  keys(h: Harness): Promise<string[]>;
}

const BACKENDS: Backend[] = [
  {
    name: 'file system',
    open: async () => ({ store: await FileDocumentStore.open(join(await mkdtemp(join(tmpdir(), 'cfund-docs-')), 'documents')), maxBytes: 256 * 1024 }),
    keys: async (h) => readdir((h.documents as FileDocumentStore).dir),
  },
  {
    name: 'JetStream Object Store',
    // As the command service's own NATS user: its permissions are part of what is tested.
    open: async (env) => {
      const nc = await env.connectNats(env.natsOptions('command'));
      opened.push(nc);
      return { store: await ObjectDocumentStore.open(nc, { bucket: 'cfund-documents' }), maxBytes: 256 * 1024 };
    },
    keys: async (h) => {
      const nc = await h.env.connectNats();
      opened.push(nc);
      const os = await nc.jetstream().views.os('cfund-documents');
      return (await os.list()).filter((i) => !i.deleted).map((i) => i.name);
    },
  },
];

async function documentSuite(t: Test, backend: Backend): Promise<void> {
  // Before the harness's teardown: a closed connection is not drained by the environment's close.
  t.teardown(async () => { for (const nc of opened.splice(0)) await nc.close(); });
  const h = await startHarness(t, { environment: { memDb: true }, documents: backend.open });
  const tk = await tokens(h);
  const spec = await h.command.inject('/openapi.json');
  t.equal(spec.statusCode, 200, 'the API description builds with the upload');
  t.ok(spec.json<{ paths: Record<string, unknown> }>().paths['/claims/{id}/documents'], 'and describes it');
  const id = await fileClaim(h, tk.lawyer, { victim: { fullName: VICTIM, dateOfBirth: '1995-04-12' } });
  const content = pdf(Buffer.concat([Buffer.from(`Statement of ${VICTIM}\n`), randomBytes(150_000)]));
  const name = `${VICTIM} ruling.pdf`;

  const first = await upload(h, id, tk.lawyer, { kind: 'ruling' }, { name, bytes: content });
  t.equal(first.statusCode, 201, 'the lead lawyer uploads a PDF', { body: first.body });
  const doc = first.json<{ documentId: string; sha256: string; size: number; contentType: string }>();
  t.match(doc, { size: content.length, contentType: 'application/pdf', sha256: createHash('sha256').update(content).digest('hex') }, 'its size, type and SHA-256');
  t.equal(first.headers.location, `/claims/${id}/documents/${doc.documentId}`);

  const events = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.type === 'DocumentAttached');
  t.equal(events.length, 1, 'one DocumentAttached');
  t.notOk(JSON.stringify(events).includes('Jelena'), 'the event holds neither the file name nor the content in plaintext');
  const storageKey = await storageKeyOf(h, doc.documentId);
  t.match(storageKey, new RegExp(`^${id}\\.${doc.documentId}\\.[0-9a-f]{8}\\.cfd$`), 'stored under the claim\'s and the document\'s ids');
  const stored = await collect((await h.documents!.get(storageKey))!);
  t.notOk(stored.includes(Buffer.from('Jelena')), 'the stored bytes hold no plaintext');

  t.test('refusals change nothing', async (t) => {
    const before = await streamTypes(h, id);
    const keys = (await backend.keys(h)).sort();
    const exe = await upload(h, id, tk.lawyer, { kind: 'ruling' }, { name: 'judgment.pdf', bytes: executable() });
    t.equal(exe.statusCode, 415, 'an executable named .pdf');
    t.equal(exe.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(exe.json(), { code: 'document-type-not-allowed' });
    const big = await upload(h, id, tk.lawyer, { kind: 'ruling' }, { name: 'big.pdf', bytes: pdf(randomBytes(300 * 1024)) });
    t.equal(big.statusCode, 413, 'more than the limit');
    t.match(big.json(), { code: 'document-too-large' });
    const noKind = await upload(h, id, tk.lawyer, {}, { name: 'a.pdf', bytes: pdf('x') });
    t.equal(noKind.statusCode, 400, 'no kind');
    t.match(noKind.json(), { errors: [{ path: 'body.kind' }] });
    t.equal((await upload(h, id, tk.lawyer, { kind: 'love-letter' }, { name: 'a.pdf', bytes: pdf('x') })).statusCode, 400, 'an unknown kind');
    for (const request of ['0', 'one', '1.5']) {
      const bad = await upload(h, id, tk.lawyer, { kind: 'ruling', request }, { name: 'a.pdf', bytes: pdf('x') });
      t.equal(bad.statusCode, 400, `request ${request}: not the number of a request`);
      t.match(bad.json(), { code: 'invalid-upload', errors: [{ path: 'body.request' }] }, 'naming the field');
    }
    t.equal((await upload(h, id, tk.lawyer, { kind: 'ruling' })).statusCode, 400, 'no file');
    t.equal((await upload(h, id, tk.lawyer, { kind: 'ruling' }, { name: 'empty.pdf', bytes: Buffer.alloc(0) })).statusCode, 400, 'an empty file');
    const json = await h.command.inject({ method: 'POST', url: `/claims/${id}/documents`, payload: { kind: 'ruling' }, headers: { authorization: `Bearer ${tk.lawyer}` } });
    t.equal(json.statusCode, 400, 'not multipart');
    t.equal((await upload(h, id, tk.lawyer2, { kind: 'ruling' }, { name: 'a.pdf', bytes: pdf('other') })).statusCode, 404, 'a lawyer not on the claim: no such claim');
    t.equal((await upload(h, id, tk.auditor, { kind: 'ruling' }, { name: 'a.pdf', bytes: pdf('other') })).statusCode, 403, 'an auditor');
    t.equal((await upload(h, id, tk.admin, { kind: 'ruling' }, { name: 'a.pdf', bytes: pdf('other') })).statusCode, 403, 'a fund admin');
    const again = await upload(h, id, tk.assessor, { kind: 'other' }, { name: 'copy.pdf', bytes: content });
    t.equal(again.statusCode, 409, 'the same content again (by someone else)');
    t.match(again.json(), { code: 'document-already-attached', detail: new RegExp(doc.documentId) }, 'naming the document kept');
    t.same(await streamTypes(h, id), before, 'no event written');
    t.same((await backend.keys(h)).sort(), keys, 'no bytes left stored');
  });

  t.test('concurrent uploads of the same content keep one document', async (t) => {
    const same = pdf(randomBytes(100_000));
    const answers = await Promise.all(Array.from({ length: 5 }, () => upload(h, id, tk.lawyer, { kind: 'payslip' }, { name: 'payslip.pdf', bytes: same })));
    const codes = answers.map((a) => a.statusCode).sort();
    t.same(codes, [201, 409, 409, 409, 409], 'one accepted, the others refused');
    const kept = answers.find((a) => a.statusCode === 201)!.json<{ documentId: string }>().documentId;
    for (const a of answers.filter((x) => x.statusCode === 409)) t.match(a.json(), { code: 'document-already-attached', detail: new RegExp(kept) }, 'naming the one kept');
    t.equal((await streamTypes(h, id)).filter((x) => x === 'DocumentAttached').length, 2, 'one more DocumentAttached');
    t.equal((await backend.keys(h)).length, 2, 'and one more stored document');
  });

  t.test('Idempotency-Key and If-Match, as on every command', async (t) => {
    const count = async () => ({ events: (await streamTypes(h, id)).length, keys: (await backend.keys(h)).length });
    const key = { 'idempotency-key': `upload-${randomUUID()}` };
    const letter = pdf(randomBytes(80_000));
    const first = await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'letter.pdf', bytes: letter }, key);
    t.equal(first.statusCode, 201, 'the first upload under a key', { body: first.body });
    const after = await count();
    const retry = await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'letter.pdf', bytes: letter }, key);
    t.equal(retry.statusCode, 201, 'its retry');
    t.equal(retry.headers['idempotency-replayed'], 'true', 'replayed');
    t.same(retry.json(), first.json(), 'with the first answer');
    t.equal(retry.headers.location, first.headers.location);
    t.equal(retry.headers.etag, first.headers.etag);
    const other = await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'letter.pdf', bytes: pdf(randomBytes(1000)) }, key);
    t.equal(other.statusCode, 422, 'the key with another content');
    t.equal(other.headers['content-type'], 'application/problem+json; charset=utf-8');
    const renamed = await upload(h, id, tk.lawyer, { kind: 'other' }, { name: 'letter.pdf', bytes: letter }, key);
    t.equal(renamed.statusCode, 422, 'the key with another kind');
    t.equal((await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'a.pdf', bytes: pdf('y') }, { 'idempotency-key': 'bad key' })).statusCode, 400, 'a malformed key');
    t.same(await count(), after, 'nothing recorded or stored twice');

    const revision = (await streamTypes(h, id)).length - 1;
    const stale = await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'b.pdf', bytes: pdf(randomBytes(1000)) }, { 'if-match': `"${revision - 1}"` });
    t.equal(stale.statusCode, 412, 'a stale If-Match');
    t.match(stale.json(), { code: 'revision-mismatch' });
    t.equal(stale.headers.etag, `"${revision}"`, 'naming the revision');
    t.equal((await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'b.pdf', bytes: pdf('z') }, { 'if-match': 'three' })).statusCode, 400, 'a malformed If-Match');
    t.equal((await upload(h, id, tk.lawyer2, { kind: 'letter' }, { name: 'b.pdf', bytes: pdf('z') }, { 'if-match': `"${revision - 1}"` })).statusCode, 404, 'a stranger learns no revision');
    t.same(await count(), after, 'refused: nothing recorded or stored');
    const current = await upload(h, id, tk.lawyer, { kind: 'letter' }, { name: 'b.pdf', bytes: pdf(randomBytes(1000)) }, { 'if-match': `"${revision}"` });
    t.equal(current.statusCode, 201, 'the current revision');
    t.equal(current.headers.etag, `"${revision + 1}"`);

    const concurrentKey = { 'idempotency-key': `upload-${randomUUID()}` };
    const same = pdf(randomBytes(50_000));
    const before = await count();
    const answers = await Promise.all(Array.from({ length: 4 }, () => upload(h, id, tk.lawyer, { kind: 'payslip' }, { name: 'p.pdf', bytes: same }, concurrentKey)));
    t.same(answers.map((a) => a.statusCode), [201, 201, 201, 201], 'concurrent duplicates under one key all answered');
    t.equal(new Set(answers.map((a) => a.json<{ documentId: string }>().documentId)).size, 1, 'with the same document');
    t.same(await count(), { events: before.events + 1, keys: before.keys + 1 }, 'one event, one stored object');
  });

  t.test('download through the projection', async (t) => {
    await h.catchUp();
    const projection = await startProjection(h);
    t.teardown(() => projection.close());
    const url = `/claims/${id}/documents/${doc.documentId}`;
    const detail = (await get(projection, `/claims/${id}`, tk.lawyer)).json<{ documents: { documentId: string; kind: string; size: number; contentType: string; attachedBy: string }[] }>();
    t.match(detail.documents[0], { documentId: doc.documentId, size: content.length, contentType: 'application/pdf', attachedBy: 'lawyer-1' }, 'the claim lists its documents');
    t.notOk(JSON.stringify(detail).includes(name), 'never under their names');
    const whole = await get(projection, url, tk.assessor);
    t.equal(whole.statusCode, 200, 'an assessor of the jurisdiction downloads it', { body: whole.body.slice(0, 500) });
    t.same(whole.rawPayload, content, 'the same bytes');
    t.equal(whole.headers['content-type'], 'application/pdf');
    t.equal(whole.headers['accept-ranges'], 'bytes');
    t.equal(whole.headers['content-disposition'], `attachment; filename*=UTF-8''${encodeURIComponent(name)}`, 'under its decrypted name');
    const part = await get(projection, url, tk.lawyer, { range: 'bytes=70000-140000' });
    t.equal(part.statusCode, 206, 'a range');
    t.same(part.rawPayload, content.subarray(70000, 140001));
    t.equal(part.headers['content-range'], `bytes 70000-140000/${content.length}`);
    const suffix = await get(projection, url, tk.lawyer, { range: 'bytes=-10' });
    t.same(suffix.rawPayload, content.subarray(-10), 'the last bytes');
    const outside = await get(projection, url, tk.lawyer, { range: `bytes=${content.length}-` });
    t.equal(outside.statusCode, 416, 'a range outside the document');
    t.equal(outside.headers['content-range'], `bytes */${content.length}`);
    t.equal((await get(projection, url, tk.auditor)).statusCode, 403, 'not an auditor');
    t.equal((await get(projection, url, tk.lawyer2)).statusCode, 404, 'not a lawyer off the claim');
    t.equal((await get(projection, `/claims/${id}/documents/${randomUUID()}`, tk.lawyer)).statusCode, 404, 'no such document');
    const log = await get(projection, `/claims/${id}/access-log`, tk.auditor);
    const reads = log.json<{ reads: { purpose: string; accessedBy: string }[] }>().reads.filter((r) => r.purpose === 'claim-document');
    t.same(reads.map((r) => r.accessedBy), ['assessor-1', 'lawyer-1', 'lawyer-1'], 'each download recorded like a read of personal data');

    t.test('after erasure: not downloadable, not decryptable, no new document', async (t) => {
      const erased = await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'the victim asked' });
      t.equal(erased.statusCode, 200);
      await h.catchUp();
      const r = await get(projection, url, tk.lawyer);
      t.equal(r.statusCode, 410, 'gone');
      t.match(r.json(), { code: 'document-erased' });
      t.equal((await upload(h, id, tk.lawyer, { kind: 'ruling' }, { name: 'b.pdf', bytes: pdf('new') })).statusCode, 409, 'no new document for an erased victim');
      // Everything the system keeps: the key store (the victim's key is gone) and the master key.
      const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(keyStoreDir(h.dataDir), { readOnly: true }), masterKey: h.masterKey });
      t.ok(isErased(await protector.documentKey(`vic-${id}`, doc.documentId)), 'the document key cannot be derived');
      const bytes = await collect((await h.documents!.get(storageKey))!);
      const candidates = [h.masterKey, Buffer.from(hkdfSync('sha256', h.masterKey, doc.documentId, `cfund-document/v1\0vic-${id}`, 32))];
      for (const file of await readdir(join(keyStoreDir(h.dataDir), 'keys'))) candidates.push(createHash('sha256').update(await readFile(join(keyStoreDir(h.dataDir), 'keys', file))).digest());
      for (const key of candidates) await t.rejects(collect(decryptDocument(key, doc.documentId, pieces(bytes))), DocumentIntegrityError, 'no key left decrypts the stored bytes');
    });
  });
}

for (const backend of BACKENDS) t.test(`documents on the ${backend.name}`, (t) => documentSuite(t, backend));

t.test('a 30 MiB upload streams: the service grows by less than 64 MiB', async (t) => {
  const h = await startHarness(t, { environment: { memDb: true }, documents: async () => ({ store: await FileDocumentStore.open(documentsDir(await mkdtemp(join(tmpdir(), 'cfund-docs-big-')))), maxBytes: 32 * 1024 * 1024 }) });
  const tk = await tokens(h);
  const id = await fileClaim(h, tk.lawyer);
  await h.command.listen({ port: 0, host: '127.0.0.1' });
  const port = (h.command.server.address() as { port: number }).port;
  const size = 30 * 1024 * 1024;
  const boundary = '----cfundbig';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nmedical-report\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256').update('%PDF-1.7\n');
  const block = randomBytes(64 * 1024);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port, method: 'POST', path: `/claims/${id}/documents`,
      headers: { authorization: `Bearer ${tk.lawyer}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size - 9 + tail.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    let sent = 9;
    const pump = (): void => {
      if (sent === 9) req.write(head);
      while (sent < size) {
        const n = Math.min(block.length, size - sent);
        const piece = Buffer.allocUnsafe(n);
        block.copy(piece, 0, 0, n);
        piece.writeUInt32BE(sent, 0); // each block differs a little
        hash.update(piece);
        sent += n;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
  clearInterval(sampler);
  t.equal(answer.status, 201, 'accepted', { body: answer.body });
  const result = JSON.parse(answer.body) as { size: number; sha256: string };
  t.equal(result.size, size, '30 MiB');
  t.equal(result.sha256, hash.digest('hex'), 'the SHA-256 of what was sent');
  const growth = (peak - baseline) / (1024 * 1024);
  t.comment(`memory growth during the upload: ${growth.toFixed(1)} MiB (rss)`);
  t.ok(growth < 64, `grew by ${growth.toFixed(1)} MiB, under 64 MiB`);
});
