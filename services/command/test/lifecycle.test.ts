import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import t from 'tap';
import { encodeEnvelope, ensureEventsStream, eventHeaders, startRelayHost, subjectForEvent, type RelayHost } from '@cfund/messaging';
import { EXAMPLES, buildApp } from '../src/index.ts';
import { RSD, claimBody, rsYear, startService, tokens } from './helpers.ts';

t.test('service shell and the whole happy path of a claim', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);

  t.test('health, ready, docs, metrics, auth', async (t) => {
    t.equal((await h.app.inject('/health')).statusCode, 200);
    const ready = await h.app.inject('/ready');
    t.equal(ready.statusCode, 200, ready.body);
    const spec = (await h.app.inject('/openapi.json')).json<{ paths: Record<string, { post?: { requestBody?: { content: Record<string, { example?: unknown }> } } }> }>();
    const posts = Object.entries(spec.paths).filter(([, v]) => v.post);
    t.equal(posts.length, 45, 'every command endpoint is documented');
    for (const [path, v] of posts) {
      const content = v.post!.requestBody?.content;
      t.ok(content?.['application/json']?.example ?? content?.['application/xml']?.example, `${path} has an example body`);
    }
    t.equal((await h.app.inject('/docs')).statusCode, 200, '/docs serves the UI');
    const unauth = await h.post('/claims', undefined, claimBody());
    t.equal(unauth.statusCode, 401);
    t.match(unauth.headers['content-type'], /application\/problem\+json/);
    t.equal((await h.post('/claims', 'not.a.token', claimBody())).statusCode, 401);
    const metrics = await h.app.inject('/metrics');
    t.match(metrics.body, /cfund_http_requests_total\{method="POST",route="\/claims",status="401"\} 2/);
  });

  t.test('RS256 tokens through a JWKS URL', async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwks = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ keys: [jwk] })); });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => { jwks.close(() => resolve()); }));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const app = await buildApp({
      client: h.env.eventStore, chainSigner: h.chainSigner, protector: h.protector, jwksUrl: url, jwtIssuer: 'https://idp.example', jwtAudience: 'cfund',
      fingerprintSecret: randomBytes(32), logLevel: 'silent',
    });
    t.teardown(() => app.close());
    const rs256 = (audience: string) => new SignJWT({ name: 'L', roles: ['lawyer'], jurisdictions: ['RS'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('lawyer-jwks').setIssuer('https://idp.example').setAudience(audience)
      .setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const ok = await app.inject({ method: 'POST', url: '/claims', payload: claimBody(), headers: { authorization: `Bearer ${await rs256('cfund')}` } });
    t.equal(ok.statusCode, 201, ok.body);
    const elsewhere = await app.inject({ method: 'POST', url: '/claims', payload: claimBody(), headers: { authorization: `Bearer ${await rs256('another-app')}` } });
    t.equal(elsewhere.statusCode, 401, 'a token the identity provider issued for another audience is refused');
    const hs = await app.inject({ method: 'POST', url: '/claims', payload: claimBody(), headers: { authorization: `Bearer ${tk.lawyer}` } });
    t.equal(hs.statusCode, 401, 'an HS256 token is refused when JWKS is configured');
  });

  t.test('file, court track, fund track, two approvals, notice, schedule, every disbursement, closure', async (t) => {
    const year = rsYear();
    const budget = await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(10_000_000_000) });
    t.equal(budget.statusCode, 200, budget.body);
    t.same(budget.json(), { claimId: `fund-RS-${year}`, revision: 0, events: ['FundBudgetAllocated'] });

    const filed = await h.post('/claims', tk.lawyer, EXAMPLES.fileClaim);
    t.equal(filed.statusCode, 201, filed.body);
    const { claimId, revision, events } = filed.json<{ claimId: string; revision: number; events: string[] }>();
    t.same({ revision, events }, { revision: 0, events: ['ClaimFiled'] });
    t.equal(filed.headers.etag, '"0"');
    t.equal(filed.headers.location, `/claims/${claimId}`);

    const steps: [string, string, unknown, string[]][] = [
      ['evidence', tk.lawyer, EXAMPLES.attachEvidence, ['EvidenceAttached']],
      ['criminal-proceedings', tk.lawyer, EXAMPLES.recordCriminalProceedings, ['CriminalProceedingsRecorded']],
      ['court-rulings', tk.lawyer, EXAMPLES.recordCourtRuling, ['CourtRulingRecorded']],
      ['ruling-finality', tk.lawyer, EXAMPLES.recordRulingFinality, ['RulingBecameFinal']],
      ['enforcement-failures', tk.lawyer, EXAMPLES.recordEnforcementFailure, ['EnforcementFailed']],
      ['fund-application', tk.lawyer, EXAMPLES.submitFundApplication, ['FundApplicationSubmitted']],
      ['assessment', tk.assessor, EXAMPLES.assessClaim, ['ClaimAssessed']],
      ['approvals', tk.approver1, {}, ['AwardApprovalGiven']],
      ['approvals', tk.approver2, {}, ['AwardApprovalGiven', 'AwardApproved']],
      ['decision-notice', tk.approver1, { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, ['DecisionNotified']],
      ['payout-schedule', tk.finance, EXAMPLES.schedulePayout, ['PayoutScheduled']],
      ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-1' }, ['PayoutDisbursed']],
      ['payouts/2/disbursement', tk.finance, { paymentReference: 'PAY-2' }, ['PayoutDisbursed']],
      ['payouts/3/disbursement', tk.finance, { paymentReference: 'PAY-3' }, ['PayoutDisbursed']],
      ['closure', tk.finance, EXAMPLES.closeClaim, ['ClaimClosed']],
    ];
    let expected = 0;
    for (const [path, token, body, types] of steps) {
      const r = await h.post(`/claims/${claimId}/${path}`, token, body, { 'if-match': `"${expected}"` });
      t.equal(r.statusCode, 200, `${path}: ${r.body}`);
      expected += types.length;
      t.same(r.json(), { claimId, revision: expected, events: types }, path);
      t.equal(r.headers.etag, `"${expected}"`);
    }

    const ledger = await h.app.commandService.loadLedger('RS', year);
    t.same(ledger.claims[claimId], { committed: 90_000_000, released: 0, disbursed: 90_000_000, instalments: [1, 2, 3], advances: [], recovered: 0, recoveries: [] }, 'ledger committed and paid the award');
    const metrics = (await h.app.inject('/metrics')).body;
    t.match(metrics, /cfund_eventstore_appends_total\{category="fund"\} 5/);
  });
});

t.test('configuration is validated and names the wrong variable', async (t) => {
  const { loadConfig } = await import('../src/config.ts');
  const c = loadConfig({});
  t.match(c, { PORT: 4001, HOST: '127.0.0.1', ESDB_CONNECTION_STRING: 'esdb://127.0.0.1:2113?tls=false', DATA_DIR: '.data', LOG_LEVEL: 'info', BODY_LIMIT: 65536, embedded: true });
  t.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  t.throws(() => loadConfig({ ESDB_CONNECTION_STRING: 'http://x' }), /ESDB_CONNECTION_STRING/);
  t.throws(() => loadConfig({ JWT_SECRET: 'short' }), /JWT_SECRET/);
  t.throws(() => loadConfig({ JWKS_URL: 'not a url' }), /JWKS_URL/);
  t.throws(() => loadConfig({ JWKS_URL: 'https://idp.example/jwks', JWT_SECRET_FILE: '/x' }), /JWKS_URL and JWT_SECRET/);
  t.equal(loadConfig({ JWKS_URL: 'https://idp.example/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'cfund' }).embedded, false);
});

t.test('the token CLI: the running system\'s secret or a clear refusal; tokens the services accept', async (t) => {
  const { execFile } = await import('node:child_process');
  const { mkdtemp, readdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  const { jwtSecretPath, loadOrCreateJwtSecret } = await import('@cfund/service-kit');
  const root = resolve(import.meta.dirname, '../../..');
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-token-cli-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // As `pnpm run token` runs it (package.json's script), from the repository root.
  const token = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, ['services/command/bin/token.mjs', ...args], { cwd: root, env: { PATH: process.env.PATH, DATA_DIR: dataDir, ...env } },
      (error, stdout, stderr) => { done({ code: error ? Number(error.code) : 0, stdout, stderr }); });
  });

  const missing = await token(['--sub', 'lawyer-1', '--role', 'lawyer', '--jurisdiction', 'RS']);
  t.equal(missing.code, 2, 'no secret in DATA_DIR: refused');
  t.match(missing.stderr, dataDir, 'names the directory it looked in');
  t.match(missing.stderr, /DATA_DIR=/, 'says how to point it at the running system');
  t.same(await readdir(dataDir), [], 'and creates no secret the services would not know');

  const { secret } = await loadOrCreateJwtSecret(jwtSecretPath(dataDir)); // as the running command service did
  const minted = await token(['--sub', 'lawyer-1', '--role', 'lawyer', '--jurisdiction', 'RS']);
  t.equal(minted.code, 0, minted.stderr);
  const h = await startService(t, { jwtSecret: secret });
  const filed = await h.post('/claims', minted.stdout.trim(), claimBody());
  t.equal(filed.statusCode, 201, `the service accepts the token: ${filed.body}`);
  const claims = JSON.parse(Buffer.from(minted.stdout.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  t.match(claims, { sub: 'lawyer-1', iss: 'compensation-fund', aud: 'compensation-fund-api', roles: ['lawyer'], jurisdictions: ['RS'] });
  t.equal(Number(claims.exp) - Number(claims.iat), 12 * 3600, 'valid JWT_MAX_LIFETIME');
  const operator = await token(['--sub', 'operator-1', '--role', 'operator']);
  t.equal(operator.code, 0, 'the operator role');

  const tooLong = await token(['--sub', 'lawyer-1', '--role', 'lawyer', '--ttl', String(13 * 3600)]);
  t.equal(tooLong.code, 2, 'a lifetime the services refuse is refused');
  t.match(tooLong.stderr, /JWT_MAX_LIFETIME/);
  const issuer = await token(['--sub', 'lawyer-1', '--role', 'lawyer', '--ttl', '600'], { JWT_ISSUER: 'cfund-test', JWT_AUDIENCE: 'cfund-test-api' });
  t.match(JSON.parse(Buffer.from(issuer.stdout.split('.')[1]!, 'base64url').toString()), { iss: 'cfund-test', aud: 'cfund-test-api' }, 'the configured issuer and audience');
});

t.test('/ready is 503 while the relay it hosts is stuck (NATS up, every session failing)', async (t) => {
  const signingKey = randomBytes(32);
  const running: { relay?: RelayHost } = {};
  const h = await startService(t, { readyChecks: { relay: () => running.relay?.stuck() === undefined } });
  t.equal((await h.app.inject('/ready')).statusCode, 200, 'ready before the relay runs');
  // CFUND_EVENTS ends with a message signed by the relay's key for an event this store does not
  // hold (a stream filled from another event store): every session refuses to continue from it.
  const nc = await h.env.connectNats();
  const jsm = await nc.jetstreamManager();
  await ensureEventsStream(jsm);
  const other = { eventId: randomUUID(), streamId: `claim-${randomUUID()}`, revision: 0, type: 'ClaimFiled', data: {}, metadata: null, created: new Date().toISOString(), commitPosition: '0', preparePosition: '0' };
  const body = encodeEnvelope(other);
  await nc.jetstream().publish(subjectForEvent(other.streamId, other.type), body, { msgID: other.eventId, headers: eventHeaders(other, body, signingKey) });

  running.relay = startRelayHost({
    eventStore: h.env.eventStore, natsUrl: h.env.natsUrl, natsOptions: h.env.natsOptions('command'), signingKey,
    settings: { retryDelayMs: 100, stuckAfterFailures: 3 },
  });
  t.teardown(() => running.relay?.stop());
  const deadline = Date.now() + 20_000;
  while ((await h.app.inject('/ready')).statusCode === 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const ready = await h.app.inject('/ready');
  t.equal(ready.statusCode, 503, 'not ready');
  t.match(ready.json(), { status: 'unavailable', eventStore: 'reachable', relay: 'unreachable' });
  t.match(running.relay.stuck(), /CheckpointMismatchError/);
});
