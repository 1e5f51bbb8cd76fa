/**
 * What every service inherits from createServiceFastify and registerCommonPlugins, through real
 * HTTP (inject, and a socket where the HTTP parser or the server's limits are concerned): errors
 * before routing and from the parser as problem+json, the event store down as 503, security
 * headers, no-store, rate limits, timeouts, the connection cap, requests during shutdown.
 */
import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import pino from 'pino';
import { eventStoreErrorProblem } from '@cfund/eventstore';
import {
  ConfigError, DEFAULT_HTTP_LIMITS, HttpMetrics, commonEnv, createServiceFastify, httpLimitsOf, parseEnv, registerCommonPlugins, signToken,
  type HttpLimits,
} from '../src/index.ts';

const secret = new TextEncoder().encode('a-test-secret-that-is-long-enough-for-hs256');
const NO_RATE_LIMITS = { ...DEFAULT_HTTP_LIMITS, rateLimitPerAddress: 0, rateLimitPerPrincipal: 0 };

/** A service on an event store that is down (nothing listens on port 1), with a few routes. */
async function service(t: Test, http: HttpLimits = NO_RATE_LIMITS, options: { listen?: boolean } = {}) {
  const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');
  const app = createServiceFastify({ logger: pino({ level: 'silent' }), http });
  let closing = false;
  await registerCommonPlugins(app, {
    metrics: new HttpMetrics({ defaultMetrics: false }), docs: { title: 'test', description: 'test' }, tokens: { jwtSecret: secret },
    health: { client, isClosing: () => closing }, http, problems: [eventStoreErrorProblem],
  });
  app.addHook('onClose', async () => { closing = true; });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  let release: () => void = () => undefined;
  const entered: { resolve?: () => void } = {};
  typed.get('/things/:id', { onRequest: app.authenticate, schema: { params: z.object({ id: z.string() }) } }, async (request) => {
    for await (const _ of client.readStream(`thing-${request.params.id}`, { maxCount: 1 })) break;
    return { id: request.params.id };
  });
  typed.post('/things', { onRequest: app.authenticate, schema: { body: z.object({ name: z.string() }) } }, async (request) => {
    await client.appendToStream('things', jsonEvent({ type: 'ThingAdded', data: { name: request.body.name } }));
    return { ok: true };
  });
  typed.get('/me', { onRequest: app.authenticate }, async (request) => request.principal);
  typed.get('/slow', async () => {
    await new Promise<void>((resolve) => { release = resolve; entered.resolve?.(); });
    return { done: true };
  });
  await app.ready();
  let port = 0;
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  }
  t.teardown(async () => {
    release();
    await app.close();
    await client.dispose();
  });
  return { app, port, release: () => release(), entered: () => new Promise<void>((resolve) => { entered.resolve = resolve; }) };
}

const bearer = async (sub: string) => ({ authorization: `Bearer ${await signToken(secret, { sub, roles: ['auditor'], jurisdictions: ['RS'] })}` });

function isProblem(t: Test, r: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, what: string) {
  t.equal(r.statusCode, status, `${what}: status`);
  t.match(String(r.headers['content-type']), /^application\/problem\+json/, `${what}: problem+json`);
  const body = JSON.parse(r.body) as { status: number; type: string; detail: string };
  t.equal(body.status, status, `${what}: status in the body`);
  t.match(body.type, /^https:\/\/cfund\.example\/problems\//, `${what}: a problem type`);
  return body;
}

/** Sends raw bytes on a new connection; resolves with what came back when the server closes it (or after `waitMs`). */
function raw(port: number, bytes: string | Buffer, waitMs = 5_000): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve({ text: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started }); });
    socket.on('timeout', () => reject(new Error('timeout')));
  });
}

/** A raw HTTP answer as the fields isProblem reads. */
function parseRaw(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { statusCode: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

t.test('the router\'s refusals are problems that do not echo the URL', async (t) => {
  const { app } = await service(t);
  const badUrl = await app.inject({ method: 'GET', url: '/things/%E0%A4%A-secret-name' });
  isProblem(t, badUrl, 400, 'malformed percent-encoding');
  t.notMatch(badUrl.body, /secret-name/, 'the URL is not echoed');
  const long = `/things/${'x'.repeat(300)}`;
  const tooLong = await app.inject({ method: 'GET', url: long, headers: await bearer('auditor-1') });
  isProblem(t, tooLong, 414, 'a path parameter over the router\'s limit');
  t.notMatch(tooLong.body, /xxxxxxxxxx/, 'the parameter is not echoed');
  const unknown = await app.inject({ method: 'GET', url: `/nowhere/${'y'.repeat(2000)}?q=victim-name` });
  const body = isProblem(t, unknown, 404, 'an unknown, very long path');
  t.notMatch(unknown.body, /yyyyyyyyyy|victim-name/, 'neither a long path nor the query is echoed');
  t.notOk('instance' in body);
});

t.test('the HTTP parser\'s refusals are problems on the socket, then the connection is closed', async (t) => {
  const { port } = await service(t, NO_RATE_LIMITS, { listen: true });
  const cases: [string, string, number][] = [
    ['headers over the limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a control byte in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n', 400],
    ['duplicate Content-Length', 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400],
    ['Content-Length with Transfer-Encoding', 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['not HTTP at all', 'HELLO\r\n\r\n', 400],
  ];
  for (const [what, bytes, status] of cases) {
    const r = await raw(port, bytes);
    const parsed = parseRaw(r.text);
    isProblem(t, parsed, status, what);
    t.equal(parsed.headers['connection'], 'close', `${what}: the connection is closed`);
  }
});

t.test('a client that sends its headers too slowly is answered 408 and disconnected within the headers timeout', async (t) => {
  const { port } = await service(t, { ...NO_RATE_LIMITS, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 }, { listen: true });
  const started = Date.now();
  const result = await new Promise<{ text: string; ms: number }>((resolve) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
    // One header byte every 200 ms: never idle, never complete.
    const drip = setInterval(() => { if (!socket.destroyed) socket.write('X'); }, 200);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => { clearInterval(drip); resolve({ text: Buffer.concat(chunks).toString(), ms: Date.now() - started }); });
    setTimeout(() => socket.destroy(), 15_000);
  });
  t.ok(result.ms < 3_000, `disconnected after ${result.ms} ms (headers timeout 1 s)`);
  isProblem(t, parseRaw(result.text), 408, 'slow headers');
});

t.test('connections beyond the cap are refused; requests beyond the per-socket cap close the connection', async (t) => {
  const { port } = await service(t, { ...NO_RATE_LIMITS, maxConnections: 2, maxRequestsPerSocket: 2 }, { listen: true });
  const open: Socket[] = [];
  t.teardown(() => { for (const s of open) s.destroy(); });
  for (let i = 0; i < 2; i += 1) {
    const s = connect(port, '127.0.0.1');
    await new Promise((resolve) => s.on('connect', resolve));
    open.push(s);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const third = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
  t.equal(third.text, '', 'the third connection is closed without an answer');
  t.ok(third.closedAfterMs < 2_000, 'at once');
  for (const s of open) s.destroy();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const twice = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
  t.match(twice.text, /HTTP\/1\.1 200[\s\S]*[Cc]onnection: close/, 'the second request on the socket is the last: Connection: close');
});

t.test('the event store down: 503 problem+json with Retry-After, for reads and writes', async (t) => {
  const { app } = await service(t);
  const headers = await bearer('auditor-1');
  const read = await app.inject({ method: 'GET', url: '/things/1', headers });
  const body = isProblem(t, read, 503, 'a query needing the store');
  t.equal(read.headers['retry-after'], '5');
  t.match(body, { code: 'event-store-unavailable' });
  const write = await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'n' } });
  isProblem(t, write, 503, 'a command needing the store');
  t.equal(write.headers['retry-after'], '5');
});

/** What helmet sets with the options of the security plugin (its own defaults besides those). */
const HELMET_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';"
    + "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

t.test('security headers everywhere, also on /docs; no-store on every authenticated answer', async (t) => {
  const { app } = await service(t);
  for (const url of ['/health', '/docs/', '/openapi.json', '/nowhere']) {
    const r = await app.inject({ method: 'GET', url });
    for (const [name, value] of Object.entries(HELMET_HEADERS)) t.equal(r.headers[name], value, `${url}: ${name}`);
    t.equal(r.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`);
    t.equal(r.headers['x-frame-options'], 'DENY', `${url}: no framing`);
    t.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, `${url}: CSP`);
    t.equal(r.headers['referrer-policy'], 'no-referrer', `${url}: no referrer`);
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.notMatch(docs.body, /<script>(?!\s*<\/script>)/, 'the Swagger UI page has no inline script (the CSP forbids them)');
  const me = await app.inject({ method: 'GET', url: '/me', headers: await bearer('auditor-1') });
  t.equal(me.statusCode, 200);
  t.equal(me.headers['cache-control'], 'no-store', 'an answer with personal data is not kept');
  const refused = await app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Bearer x.y.z' } });
  t.equal(refused.headers['cache-control'], 'no-store', 'also a refusal');
});

t.test('a body in another media type than JSON is 415', async (t) => {
  const { app } = await service(t);
  const headers = await bearer('auditor-1');
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const r = await app.inject({ method: 'POST', url: '/things', headers: { ...headers, 'content-type': type }, payload: 'name=x' });
    isProblem(t, r, 415, type);
  }
});

t.test('rate limits per address and per principal: 429 problem+json with Retry-After', async (t) => {
  const { app } = await service(t, { ...DEFAULT_HTTP_LIMITS, rateLimitWindowMs: 60_000, rateLimitPerAddress: 8, rateLimitPerPrincipal: 3 });
  const a = await bearer('auditor-a');
  for (let i = 0; i < 3; i += 1) t.equal((await app.inject({ method: 'GET', url: '/me', headers: a })).statusCode, 200, `principal request ${i + 1}`);
  const fourth = await app.inject({ method: 'GET', url: '/me', headers: a });
  isProblem(t, fourth, 429, 'the principal\'s 4th request in the window');
  t.ok(Number(fourth.headers['retry-after']) > 0, 'Retry-After');
  t.equal((await app.inject({ method: 'GET', url: '/me', headers: await bearer('auditor-b') })).statusCode, 200, 'another principal is not limited');
  // The address has sent 5; 3 more reach its limit of 8, the 9th is refused, with or without a token.
  for (let i = 0; i < 3; i += 1) t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  const ninth = await app.inject({ method: 'GET', url: '/health' });
  isProblem(t, ninth, 429, 'the address\'s 9th request in the window');
  t.ok(Number(ninth.headers['retry-after']) > 0);
  const other = await app.inject({ method: 'GET', url: '/health', remoteAddress: '10.1.2.3' });
  t.equal(other.statusCode, 200, 'another address is not limited');
});

t.test('requests arriving while the server shuts down get 503 problem+json', async (t) => {
  const { app, port, release, entered } = await service(t, NO_RATE_LIMITS, { listen: true });
  const inFlight = entered();
  const chunks: Buffer[] = [];
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
  socket.on('data', (c) => chunks.push(c));
  const ended = new Promise((resolve) => socket.on('close', resolve));
  await inFlight;
  const closed = app.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  // A second request on the busy keep-alive connection, read while the server closes.
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  socket.destroy();
  await closed;
  const text = Buffer.concat(chunks).toString();
  const second = text.slice(text.indexOf('HTTP/1.1', 5));
  t.match(text, /^HTTP\/1\.1 200/, 'the request in flight is finished');
  const parsed = parseRaw(second);
  const body = isProblem(t, { ...parsed, body: parsed.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '') }, 503, 'a request during shutdown');
  t.match(body, { code: 'shutting-down' });
});

t.test('the limits are configured by environment variables, checked by name', async (t) => {
  const c = parseEnv(commonEnv(4000), { HTTP_HEADERS_TIMEOUT_MS: '5000', RATE_LIMIT_PER_PRINCIPAL: '0' });
  t.equal(c.HTTP_HEADERS_TIMEOUT_MS, 5000);
  t.equal(c.RATE_LIMIT_PER_PRINCIPAL, 0, '0 turns a limit off');
  t.equal(c.RATE_LIMIT_PER_ADDRESS, DEFAULT_HTTP_LIMITS.rateLimitPerAddress, 'defaults');
  t.throws(() => parseEnv(commonEnv(4000), { HTTP_MAX_CONNECTIONS: '-1' }), /HTTP_MAX_CONNECTIONS/);
  t.throws(() => parseEnv(commonEnv(4000), { RATE_LIMIT_WINDOW_MS: 'soon' }), /RATE_LIMIT_WINDOW_MS/);
  t.throws(() => parseEnv(commonEnv(4000), { HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000' }),
    new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS'));
});

t.test('a part of the app that starts slower than HTTP_STARTUP_TIMEOUT_MS fails the start-up; a longer limit lets it start', async (t) => {
  const build = (timeout: string) => {
    const app = createServiceFastify({ logger: pino({ level: 'silent' }), http: httpLimitsOf(parseEnv(commonEnv(4000), { HTTP_STARTUP_TIMEOUT_MS: timeout })) });
    app.register(async () => { await new Promise((r) => setTimeout(r, 600)); });
    return app;
  };
  await t.rejects(async () => { await build('200').ready(); }, { code: 'FST_ERR_PLUGIN_TIMEOUT' });
  const patient = build('5000');
  await t.resolves(async () => { await patient.ready(); });
  await patient.close();
});

t.test('the event store connection string: credentials only with TLS, an existing CA file, never echoed', async (t) => {
  const secure = 'esdb://admin:s3cret-Pw@127.0.0.1:2113?tls=true&tlsCAFile=%2Fnowhere%2Fca.crt';
  t.throws(() => parseEnv(commonEnv(4000), { ESDB_CONNECTION_STRING: secure }), /ESDB_CONNECTION_STRING: its tlsCAFile does not exist/);
  const plain = 'esdb://admin:s3cret-Pw@127.0.0.1:2113?tls=false';
  t.throws(() => parseEnv(commonEnv(4000), { ESDB_CONNECTION_STRING: plain }), /ESDB_CONNECTION_STRING: credentials need tls=true/);
  for (const value of [secure, plain]) {
    try {
      parseEnv(commonEnv(4000), { ESDB_CONNECTION_STRING: value });
    } catch (err) {
      t.type(err, ConfigError);
      t.notMatch((err as Error).message, /s3cret-Pw/, 'the password is not in the message');
    }
  }
  const caFile = new URL('../package.json', import.meta.url).pathname;
  const ok = `esdb://admin:s3cret-Pw@127.0.0.1:2113?tls=true&tlsCAFile=${encodeURIComponent(caFile)}`;
  t.equal(parseEnv(commonEnv(4000), { ESDB_CONNECTION_STRING: ok }).ESDB_CONNECTION_STRING, ok, 'credentials over TLS with a CA file that exists');
  t.equal(parseEnv(commonEnv(4000), {}).ESDB_CONNECTION_STRING, 'esdb://127.0.0.1:2113?tls=false', 'the default is unchanged');
});
