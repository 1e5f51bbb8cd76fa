/**
 * The same-origin proxy against the real command service (on the embedded event store, over
 * HTTP): the session's token reaches it, CSRF refusals reach nothing, answers come back as sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { START } from '@eventstore/db-client';
import { ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { FileDocumentStore } from '@cfund/documents';
import { createLogger } from '@cfund/service-kit';
import { buildApp as buildCommandApp } from '@cfund/command-service';
import { startTestEnvironment } from '@cfund/test-support';
import { NOWHERE, signIn, startConsole } from './helpers.ts';

const claim = {
  jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Proxy Test Victim', dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: '2025-01-10',
  damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 120_000_000, currency: 'RSD' } }],
};

t.test('proxies to the command service with the session\'s token, and only with its CSRF token', async (t) => {
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const keyDir = await mkdtemp(join(tmpdir(), 'cfund-console-keys-'));
  const masterKey = randomBytes(32);
  const jwtSecret = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(keyDir), masterKey });
  const documents = await FileDocumentStore.open(join(keyDir, 'documents'));
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner: ChainSigner.generate(), protector, jwtSecret, fingerprintSecret: masterKey, logger: createLogger({ level: 'silent' }),
    documents: { store: documents, maxBytes: 4 * 1024 * 1024 },
  });
  t.teardown(async () => {
    await command.close();
    await env.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  const commandUrl = await command.listen({ port: 0, host: '127.0.0.1' });
  const app = await startConsole(t, { jwtSecret, upstreams: { ...NOWHERE, commands: commandUrl } });
  const lawyer = await signIn(app, 'lawyer-1');
  const claimStreams = async () => {
    const ids: string[] = [];
    for await (const e of env.eventStore.readAll({ fromPosition: START })) {
      if (e.event?.streamId.startsWith('claim-')) ids.push(e.event.streamId);
    }
    return ids;
  };

  await t.test('a state-changing call without the CSRF token is refused and reaches no service', async (t) => {
    for (const headers of [{ cookie: lawyer.cookie }, { cookie: lawyer.cookie, 'x-csrf-token': 'x'.repeat(43) }]) {
      const r = await app.inject({ method: 'POST', url: '/api/commands/claims', payload: claim, headers });
      t.equal(r.statusCode, 403);
      t.match(r.headers['content-type'], /^application\/problem\+json/);
    }
    const other = await signIn(app, 'assessor-1');
    const crossed = await app.inject({ method: 'POST', url: '/api/commands/claims', payload: claim, headers: { cookie: lawyer.cookie, 'x-csrf-token': other.csrfToken } });
    t.equal(crossed.statusCode, 403, 'another session\'s token does not do');
    t.same(await claimStreams(), [], 'nothing written');
  });

  await t.test('without a session nothing is forwarded', async (t) => {
    const r = await app.inject({ method: 'GET', url: '/api/commands/health' });
    t.equal(r.statusCode, 401);
  });

  await t.test('with both, the command runs as the signed-in user', async (t) => {
    const r = await app.inject({
      method: 'POST', url: '/api/commands/claims', payload: claim,
      headers: { cookie: lawyer.cookie, 'x-csrf-token': lawyer.csrfToken, 'idempotency-key': randomBytes(8).toString('hex') },
    });
    t.equal(r.statusCode, 201, r.body);
    const { claimId } = r.json<{ claimId: string }>();
    t.equal(r.headers.location, `/api/commands/claims/${claimId}`, 'the service\'s Location under the console\'s mount');
    t.equal(r.headers.etag, '"0"');
    t.equal(r.headers['set-cookie'], undefined);
    const [first] = await (async () => { const out = []; for await (const e of env.eventStore.readStream(`claim-${claimId}`)) out.push(e); return out; })();
    t.match(first?.event?.data, { filedBy: 'lawyer-1' }, 'the token the service saw was the lawyer\'s');

    const refused = await app.inject({
      method: 'POST', url: '/api/commands/claims', payload: { ...claim, damagesClaimed: [] },
      headers: { cookie: lawyer.cookie, 'x-csrf-token': lawyer.csrfToken },
    });
    t.equal(refused.statusCode, 400, 'the service\'s own answer');
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(refused.json(), { errors: [{ path: 'body.damagesClaimed' }] });
  });

  await t.test('a document\'s upload streams through, larger than the console\'s body limit, and only with the CSRF token', async (t) => {
    const filed = await app.inject({
      method: 'POST', url: '/api/commands/claims', payload: claim, headers: { cookie: lawyer.cookie, 'x-csrf-token': lawyer.csrfToken },
    });
    const { claimId } = filed.json<{ claimId: string }>();
    // 1 MiB: four times what the console takes into memory (BODY_LIMIT), so it cannot have been buffered.
    const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1024 * 1024), Buffer.from('\n%%EOF\n')]);
    const boundary = `----cfund${randomBytes(8).toString('hex')}`;
    const multipart = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nruling\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ruling.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      content, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = (headers: Record<string, string>) => app.inject({
      method: 'POST', url: `/api/commands/claims/${claimId}/documents`, payload: Readable.from([multipart]),
      headers: { cookie: lawyer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers },
    });
    const refused = await upload({});
    t.equal(refused.statusCode, 403, 'no CSRF token: refused');
    t.same(await readdir(join(keyDir, 'documents')).catch(() => []), [], 'and nothing stored');
    const r = await upload({ 'x-csrf-token': lawyer.csrfToken });
    t.equal(r.statusCode, 201, r.body.slice(0, 300));
    t.match(r.json(), { size: content.length, contentType: 'application/pdf', sha256: createHash('sha256').update(content).digest('hex') }, 'the service took every byte');
    t.match(r.headers.location, new RegExp(`^/api/commands/claims/${claimId}/documents/`));
  });

  await t.test('a service that cannot be reached is a 502 problem', async (t) => {
    const r = await app.inject({ method: 'GET', url: '/api/queries/claims', headers: { cookie: lawyer.cookie } });
    t.equal(r.statusCode, 502);
    t.match(r.json(), { code: 'upstream-unreachable' });
  });
});
