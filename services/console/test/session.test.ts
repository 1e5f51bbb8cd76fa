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
  const page = await app.inject({ method: 'GET', url: '/claims' });
  t.match(page.headers['strict-transport-security'], /^max-age=15552000(;|$)/, 'browsers keep to HTTPS for 180 days');
});

t.test('over plain HTTP (the embedded default) no HSTS is sent', async (t) => {
  const app = await startConsole(t);
  t.notOk((await app.inject({ method: 'GET', url: '/claims' })).headers['strict-transport-security']);
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

t.test('a session ends at its absolute limit, however busy', async (t) => {
  const clock = new Clock();
  const app = await startConsole(t, { now: clock.now, session: { idleSeconds: 600, maxAgeSeconds: 1800 } });
  const s = await signIn(app, 'lawyer-1');
  t.match(s.setCookie, new RegExp(`Expires=${new Date(clock.at + 1800_000).toUTCString()}`), 'the cookie ends with it');
  for (let minutes = 5; minutes < 30; minutes += 5) {
    clock.at += 300_000;
    t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })).statusCode, 200, `used after ${minutes} minutes`);
  }
  clock.at += 300_000;
  const r = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } });
  t.equal(r.statusCode, 401, 'over after 30 minutes');
  t.equal(r.json<{ code: string }>().code, 'signed-out');
});

t.test('GET /api/sign-in says how one signs in; the OpenID routes exist only with a provider', async (t) => {
  const embedded = await startConsole(t);
  t.same((await embedded.inject({ method: 'GET', url: '/api/sign-in' })).json(), { method: 'embedded' });
  t.equal((await embedded.inject({ method: 'GET', url: '/api/sign-in/oidc' })).statusCode, 404);
  t.equal((await embedded.inject({ method: 'GET', url: '/api/sign-in/oidc/callback?code=x&state=y' })).statusCode, 404);
  const none = await startConsole(t, { embedded: false });
  t.same((await none.inject({ method: 'GET', url: '/api/sign-in' })).json(), { method: null });
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
  t.match(csp, /base-uri 'none'/);
  t.equal(r.headers['x-frame-options'], 'DENY');
  t.equal(r.headers['referrer-policy'], 'no-referrer');
  t.equal(r.headers['x-content-type-options'], 'nosniff');
  const api = await app.inject({ method: 'GET', url: '/api/nothing-here' });
  t.equal(api.statusCode, 404);
  t.match(api.headers['content-type'], PROBLEM);
});

t.test('the session store is bounded: past its limit the least recently used session ends', async (t) => {
  const clock = new Clock();
  const store = new SessionStore({ limit: 2, idleMs: 60_000, now: clock.now });
  const principal = { sub: 's', name: 's', roles: ['lawyer'], jurisdictions: ['RS'] };
  const a = store.create({ principal, accessToken: 'token-a', accessTokenExpiresAt: clock.at + 3600_000 }, clock.at + 3600_000);
  const b = store.create({ principal, accessToken: 'token-b', accessTokenExpiresAt: clock.at + 3600_000 }, clock.at + 3600_000);
  t.ok(store.get(a.id), 'a used: b is now the least recently used');
  const c = store.create({ principal, accessToken: 'token-c', accessTokenExpiresAt: clock.at + 3600_000 }, clock.at + 3600_000);
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
  t.throws(() => loadConfig({ SESSION_MAX_AGE: '60' }), /SESSION_MAX_AGE/);
  t.equal(c.SESSION_MAX_AGE, 12 * 3600);
  t.equal(c.oidc, undefined, 'no provider in the embedded mode');
});

t.test('configuration: OpenID Connect', async (t) => {
  const oidc = { OIDC_ISSUER: 'https://idp.example/realms/cfund', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 's3cret' };
  const c = loadConfig({ ...oidc, JWT_ROLES_CLAIM: 'realm_access.roles', PORT: '4100' });
  t.notOk(c.embedded, 'no demo sign-in with a provider');
  t.match(c.oidc, {
    clientId: 'console', clientSecret: 's3cret', scopes: 'openid profile', audience: 'compensation-fund-api',
    claims: { roles: 'realm_access.roles', jurisdictions: 'jurisdictions' },
  });
  t.equal(c.oidc!.issuer.href, 'https://idp.example/realms/cfund');
  t.equal(c.oidc!.redirectUrl.href, 'http://127.0.0.1:4100/api/sign-in/oidc/callback', 'derived');
  t.equal(c.oidc!.postLogoutRedirectUrl.href, 'http://127.0.0.1:4100/sign-in?signed-out');
  const behindProxy = loadConfig({ ...oidc, OIDC_REDIRECT_URL: 'https://console.fund.example/api/sign-in/oidc/callback', OIDC_SCOPES: 'openid  offline_access' });
  t.equal(behindProxy.oidc!.postLogoutRedirectUrl.href, 'https://console.fund.example/sign-in?signed-out');
  t.equal(behindProxy.oidc!.scopes, 'openid offline_access');
  t.ok(loadConfig({ ...oidc, OIDC_ISSUER: 'http://127.0.0.1:8080' }).oidc, 'plain HTTP to this machine');
  const wrong: [Record<string, string>, RegExp][] = [
    [{ ...oidc, OIDC_ISSUER: 'http://idp.example' }, /OIDC_ISSUER: must be https/],
    [{ ...oidc, OIDC_ISSUER: 'not a url' }, /OIDC_ISSUER/],
    [{ ...oidc, OIDC_CLIENT_ID: '' }, /OIDC_CLIENT_ID: required/],
    [{ ...oidc, OIDC_CLIENT_SECRET: '' }, /OIDC_CLIENT_SECRET: required/],
    [{ OIDC_CLIENT_ID: 'console' }, /OIDC_ISSUER: required with OIDC_CLIENT_ID/],
    [{ ...oidc, OIDC_SCOPES: 'profile email' }, /OIDC_SCOPES: must include openid/],
    [{ ...oidc, OIDC_REDIRECT_URL: 'ftp://x' }, /OIDC_REDIRECT_URL/],
  ];
  for (const [env, message] of wrong) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
});
