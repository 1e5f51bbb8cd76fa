/** Sessions, cookies, CSRF and the embedded sign-in, through the console's real HTTP routes. */
import t from 'tap';
import { DEMO_USERS } from '@cfund/contracts';
import { SessionStore } from '../src/session-store.ts';
import { loadConfig } from '../src/config.ts';
import { Clock, cookiePair, setCookies, signIn, startConsole } from './helpers.ts';

const PROBLEM = /^application\/problem\+json/;

t.test('the embedded mode lists the demo users of npm start and signs in as one', async (t) => {
  const app = await startConsole(t);
  const list = await app.inject({ method: 'GET', url: '/api/sign-in/users' });
  t.equal(list.statusCode, 200);
  t.same(list.json<{ users: { sub: string }[] }>().users.map((u) => u.sub), DEMO_USERS.map((u) => u.sub));

  const s = await signIn(app, 'lawyer-1');
  t.match(s.setCookie, /^cfund-session=[\w-]{43}; /, 'an unguessable id');
  t.match(s.setCookie, /; HttpOnly/i);
  t.match(s.setCookie, /; SameSite=Strict/i);
  t.match(s.setCookie, /; Path=\//);
  t.notMatch(s.setCookie, /; Secure/i, 'plain HTTP in the embedded default');
  t.notMatch(s.body, /eyJ/, 'no token in the answer');

  const session = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } });
  t.equal(session.statusCode, 200);
  t.match(session.json(), { principal: { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] }, csrfToken: s.csrfToken, signIn: 'embedded' });
  t.notMatch(session.body, /eyJ/, 'no token in the answer');
  t.equal(session.headers['cache-control'], 'no-store');
});

t.test('over TLS the cookie is Secure, with the __Host- prefix', async (t) => {
  const app = await startConsole(t, { session: { secureCookie: true } });
  const s = await signIn(app, 'auditor-1');
  t.match(s.setCookie, /^__Host-cfund-session=.*; Path=\/;.*; Secure/i);
});

t.test('without the embedded mode there is no demo sign-in', async (t) => {
  const app = await startConsole(t, { embedded: false });
  t.equal((await app.inject({ method: 'GET', url: '/api/sign-in/users' })).statusCode, 404);
  const post = await app.inject({ method: 'POST', url: '/api/sign-in', payload: { sub: 'lawyer-1' } });
  t.equal(post.statusCode, 404);
  t.match(post.headers['content-type'], PROBLEM);
});

t.test('signing in needs the CSRF token of the sign-in page: a cross-site POST gets no session', async (t) => {
  const app = await startConsole(t);
  const list = await app.inject({ method: 'GET', url: '/api/sign-in/users' });
  const cookie = cookiePair(setCookies(list.headers)[0]!);
  for (const headers of [{ cookie }, { cookie, 'x-csrf-token': 'forged' }, { 'x-csrf-token': list.json<{ csrfToken: string }>().csrfToken }]) {
    const r = await app.inject({ method: 'POST', url: '/api/sign-in', payload: { sub: 'lawyer-1' }, headers });
    t.equal(r.statusCode, 403);
    t.match(r.headers['content-type'], PROBLEM);
    t.equal(r.json<{ code: string }>().code, 'csrf');
    t.same(setCookies(r.headers), [], 'no session cookie');
  }
  t.equal(app.sessions.store.size, 0);
  const unknown = await app.inject({
    method: 'POST', url: '/api/sign-in', payload: { sub: 'nobody' }, headers: { cookie, 'x-csrf-token': list.json<{ csrfToken: string }>().csrfToken },
  });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json(), { errors: [{ path: 'body.sub' }] });
});

t.test('a tampered, unknown or expired session cookie is refused with 401 and cleared', async (t) => {
  const clock = new Clock();
  const app = await startConsole(t, { now: clock.now, session: { idleSeconds: 600 } });
  const s = await signIn(app, 'lawyer-1');
  const [name, id] = s.cookie.split('=') as [string, string];
  const tampered = `${name}=${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
  for (const cookie of [tampered, `${name}=`, `${name}=${'x'.repeat(43)}`]) {
    const r = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    t.equal(r.statusCode, 401, cookie);
    t.match(r.headers['content-type'], PROBLEM);
    t.match(setCookies(r.headers)[0], /^cfund-session=;.*Expires=Thu, 01 Jan 1970/, 'cleared');
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })).statusCode, 200, 'the real one still works');
  t.equal((await app.inject({ method: 'GET', url: '/api/session' })).statusCode, 401, 'no cookie: not signed in');

  clock.at += 600_000; // idle for the whole timeout
  t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })).statusCode, 401, 'idle too long');

  const again = await signIn(app, 'lawyer-1');
  clock.at += 3600_000; // past the token's expiry, though used all along
  t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: again.cookie } })).statusCode, 401, 'token expired');
});

t.test('signing out ends the session; it needs the CSRF token', async (t) => {
  const app = await startConsole(t);
  const s = await signIn(app, 'dpo-1');
  const forged = await app.inject({ method: 'POST', url: '/api/sign-out', headers: { cookie: s.cookie } });
  t.equal(forged.statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })).statusCode, 200, 'still signed in');
  const out = await app.inject({ method: 'POST', url: '/api/sign-out', headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken } });
  t.equal(out.statusCode, 204);
  t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })).statusCode, 401);
});

t.test('the pages carry a strict CSP and no framing', async (t) => {
  const app = await startConsole(t);
  const r = await app.inject({ method: 'GET', url: '/claims' });
  const csp = String(r.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.match(csp, /style-src 'self'(;|$)/, 'no inline styles');
  t.match(csp, /frame-ancestors 'none'/);
  t.notMatch(csp, /unsafe/);
  t.equal(r.headers['x-frame-options'], 'DENY');
  const api = await app.inject({ method: 'GET', url: '/api/nothing-here' });
  t.equal(api.statusCode, 404);
  t.match(api.headers['content-type'], PROBLEM);
});

t.test('the session store is bounded: past its limit the least recently used session ends', async (t) => {
  const clock = new Clock();
  const store = new SessionStore({ limit: 2, idleMs: 60_000, now: clock.now });
  const principal = { sub: 's', name: 's', roles: ['lawyer'], jurisdictions: ['RS'] };
  const a = store.create(principal, 'token-a', clock.at + 3600_000);
  const b = store.create(principal, 'token-b', clock.at + 3600_000);
  t.ok(store.get(a.id), 'a used: b is now the least recently used');
  const c = store.create(principal, 'token-c', clock.at + 3600_000);
  t.equal(store.size, 2);
  t.notOk(store.get(b.id));
  t.ok(store.get(a.id));
  t.ok(store.get(c.id));
});

t.test('configuration: embedded defaults, and a wrong variable is named', async (t) => {
  const c = loadConfig({});
  t.equal(c.PORT, 4000);
  t.ok(c.embedded);
  t.same(c.upstreams, { commands: 'http://127.0.0.1:4001', queries: 'http://127.0.0.1:4002', notifications: 'http://127.0.0.1:4003' });
  t.equal(loadConfig({ COMMAND_PORT: '5001' }).upstreams.commands, 'http://127.0.0.1:5001');
  t.throws(() => loadConfig({ PROJECTION_URL: 'ftp://x' }), /PROJECTION_URL/);
  t.throws(() => loadConfig({ SESSION_IDLE_TIMEOUT: '5' }), /SESSION_IDLE_TIMEOUT/);
});
