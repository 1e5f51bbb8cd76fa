/**
 * The malware scan against a real clamd (Debian's clamav-daemon, started by @cfund/test-support
 * with its own EICAR signature: no freshclam), through the command service process configured by
 * CLAMD_SOCKET as an operator would: a clean PDF is accepted; a PDF carrying the EICAR test string
 * is a 422 document-infected and nothing is stored; clamd killed while an upload streams to it,
 * and clamd not running, are 503 document-not-scanned (the scan fails closed) and nothing is
 * stored; once clamd is back, uploads are accepted again. Skipped, with the reason, without clamd.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import t from 'tap';
import { claimStream } from '@cfund/contracts';
import { documentsDir } from '@cfund/service-kit';
import { EICAR, startClamd } from '@cfund/test-support';
import { pdf } from '../../../packages/documents/test/fixtures.ts';
import { claimBody, serviceProcesses, tokens } from './helpers.ts';

t.test('uploads scanned by a real clamd', async (t) => {
  const clamd = await startClamd();
  if ('skipped' in clamd) return t.plan(0, clamd.skipped);
  t.teardown(() => clamd.close());
  const system = await serviceProcesses(t, 'clamd');
  if (!system) return;
  const { env, client, base, dataDir } = system;
  await system.start({ CLAMD_SOCKET: clamd.socket, RECONCILER_ENABLED: 'false' });
  const tk = await tokens(client);
  const filed = await client.post('/claims', tk.lawyer, claimBody());
  t.equal(filed.statusCode, 201, filed.body);
  const id = filed.json<{ claimId: string }>().claimId;

  /** The multipart body, its file part's bytes handed over as `file` yields them. */
  const upload = async (file: AsyncIterable<Buffer>) => {
    const boundary = `----cfund${randomUUID()}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nruling\r\n`
      + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ruling.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(head);
        for await (const chunk of file) controller.enqueue(chunk);
        controller.enqueue(tail);
        controller.close();
      },
    });
    const r = await fetch(`${base}/claims/${id}/documents`, {
      method: 'POST', body, duplex: 'half',
      headers: { authorization: `Bearer ${tk.lawyer}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    } as RequestInit);
    return { status: r.status, type: r.headers.get('content-type') ?? '', retryAfter: r.headers.get('retry-after'), body: await r.json() as { code?: string; detail?: string; documentId?: string } };
  };
  const whole = async function* (bytes: Buffer) { yield bytes; };
  /** What is stored (DATA_DIR/documents, temporary files included) and what the claim records. */
  const stored = async () => ({
    files: (await readdir(documentsDir(dataDir)).catch(() => [] as string[])).sort(),
    attached: await (async () => {
      let n = 0;
      for await (const e of env.eventStore.readStream(claimStream(id))) if (e.event!.type === 'DocumentAttached') n += 1;
      return n;
    })(),
  });

  await t.test('a clean PDF is scanned and accepted', async (t) => {
    const r = await upload(whole(pdf(randomBytes(100_000))));
    t.equal(r.status, 201, JSON.stringify(r.body));
    t.match(await stored(), { files: [/\.cfd$/], attached: 1 });
  });

  await t.test('a PDF carrying the EICAR test string is refused as infected; nothing is stored', async (t) => {
    const before = await stored();
    const r = await upload(whole(pdf(Buffer.concat([randomBytes(50_000), EICAR, randomBytes(50_000)]))));
    t.equal(r.status, 422, JSON.stringify(r.body));
    t.match(r.type, /^application\/problem\+json/);
    t.equal(r.body.code, 'document-infected');
    t.match(r.body.detail, /Cfund\.Test\.Eicar/, 'the problem names clamd\'s signature');
    t.same(await stored(), before, 'no bytes stored, no DocumentAttached');
  });

  await t.test('clamd killed while an upload streams to it: refused as not scanned (fail closed); nothing is stored', async (t) => {
    const before = await stored();
    // 4 MiB in 64 KiB pieces; clamd is killed once the first MiB has gone, the rest follows.
    const r = await upload((async function* () {
      yield Buffer.from('%PDF-1.7\n');
      for (let sent = 0; sent < 4 << 20; sent += 1 << 16) {
        if (sent === 1 << 20) await clamd.stop('SIGKILL');
        yield randomBytes(1 << 16);
      }
    })());
    t.equal(r.status, 503, JSON.stringify(r.body));
    t.match(r.type, /^application\/problem\+json/);
    t.equal(r.body.code, 'document-not-scanned');
    t.equal(r.retryAfter, '5', 'Retry-After tells the client when to try again');
    t.same(await stored(), before, 'no bytes stored, no DocumentAttached');
  });

  await t.test('clamd not running: refused as not scanned; nothing is stored', async (t) => {
    const before = await stored();
    const r = await upload(whole(pdf('another ruling')));
    t.equal(r.status, 503, JSON.stringify(r.body));
    t.equal(r.body.code, 'document-not-scanned');
    t.same(await stored(), before);
  });

  await t.test('clamd back: uploads are scanned and accepted again', async (t) => {
    await clamd.restart();
    const r = await upload(whole(pdf('a ruling sent again once clamd is back')));
    t.equal(r.status, 201, JSON.stringify(r.body));
    t.equal((await stored()).attached, 2);
    const infected = await upload(whole(pdf(EICAR)));
    t.equal(infected.body.code, 'document-infected', 'and the EICAR string is found again');
  });
});
