/**
 * OpenID Connect sign-in against a real provider (oidc-provider, test/oidc-provider.ts) in
 * headless chromium: its login and consent screens, back on the console's landing page with the
 * mapped role; the provider's access token accepted by the real command service (JWKS, the same
 * claim mapping); a wrong state or nonce refused; renewal with the refresh token, and a refused
 * renewal ending the session with a clear page; the provider's logout; a tampered or expired
 * session cookie and a call without the CSRF token refused. Skipped without chromium.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { createLogger, DEFAULT_JWT_AUDIENCE } from '@cfund/service-kit';
import { buildApp as buildCommandApp } from '@cfund/command-service';
import { buildConsoleWeb, freePort, startTestEnvironment } from '@cfund/test-support';
import { buildApp, OIDC_CALLBACK_PATH, OidcSignIn } from '../src/index.ts';
import { NOWHERE } from './helpers.ts';
import { PEOPLE, startProvider } from './oidc-provider.ts';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CLAIMS = { roles: 'realm_access.roles', jurisdictions: 'cfund.jurisdictions' };
const claim = {
  jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Oidc Test Victim', dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: '2025-01-10',
  damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 120_000_000, currency: 'RSD' } }],
};


t.test('signing in at a real OpenID provider', async (t) => {
  if (!existsSync(CHROMIUM)) return t.plan(0, `no chromium at ${CHROMIUM} (or set CHROMIUM_BIN)`);
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  await buildConsoleWeb();

  const base = `http://127.0.0.1:${await freePort()}`;
  const postLogout = `${base}/sign-in?signed-out`;
  const idp = await startProvider((f) => t.teardown(f), { redirectUri: base + OIDC_CALLBACK_PATH, postLogoutRedirectUri: postLogout, accessTokenTtl: 300 });
  const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json() as { jwks_uri: string };

  // The command service accepts the provider's access tokens: its keys, its issuer, the same claim mapping.
  const keyDir = await mkdtemp(join(tmpdir(), 'cfund-console-oidc-'));
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(keyDir), masterKey });
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner: ChainSigner.generate(), protector, fingerprintSecret: masterKey, logger: createLogger({ level: 'silent' }),
    jwksUrl: discovery.jwks_uri, jwtIssuer: idp.issuer, jwtAudience: DEFAULT_JWT_AUDIENCE, claims: CLAIMS,
  });
  t.teardown(async () => {
    await command.close();
    await env.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  const commandUrl = await command.listen({ port: 0, host: '127.0.0.1' });

  // The console's clock runs ahead on demand: token expiry and session limits without waiting.
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const logs: string[] = [];
  const app = await buildApp({
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => { logs.push(line); } } }),
    upstreams: { ...NOWHERE, commands: commandUrl },
    oidcSignIn: await OidcSignIn.discover({
      issuer: new URL(idp.issuer), clientId: idp.clientId, clientSecret: idp.clientSecret,
      redirectUrl: new URL(base + OIDC_CALLBACK_PATH), postLogoutRedirectUrl: new URL(postLogout),
      scopes: 'openid profile offline_access', audience: DEFAULT_JWT_AUDIENCE, maxLifetimeSeconds: 3600, claims: CLAIMS,
    }),
    session: { idleSeconds: 86_400, maxAgeSeconds: 3600 },
    now,
  });
  t.teardown(() => app.close());
  await app.listen({ port: Number(new URL(base).port), host: '127.0.0.1' });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'], headless: true });
  t.teardown(() => browser.close());
  const newContext = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    // The provider's development screens load a web font; there is no network to wait for.
    await context.route(/^https:\/\//, (route) => route.abort());
    return context;
  };

  /** The provider's screens: login (any password), then consent. */
  const atProvider = async (page: Page, login?: string) => {
    if (login) {
      await page.locator('input[name=login]').fill(login);
      await page.locator('input[name=password]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    }
    await page.getByRole('button', { name: 'Continue' }).click();
  };
  const sessionCookie = async (context: BrowserContext) => (await context.cookies(base)).find((c) => c.name === 'cfund-session');
  const sessionOf = async (context: BrowserContext) => app.sessions.store.get((await sessionCookie(context))!.value)!;
  const inPage = (page: Page, path: string, init: { method?: string; body?: unknown } = {}) => page.evaluate(async ({ path, init }) => {
    const session = await fetch('/api/session');
    const csrf = session.ok ? ((await session.json()) as { csrfToken: string }).csrfToken : '';
    const r = await fetch(path, {
      method: init.method ?? 'GET', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: r.status, body: await r.text() };
  }, { path, init });

  const lawyerContext = await newContext();
  const lawyer = await lawyerContext.newPage();

  await t.test('the full sign-in ends on the landing page, with the role the provider gives', async (t) => {
    await lawyer.goto(`${base}/sign-in`);
    await lawyer.getByRole('link', { name: 'Sign in with your organisation\'s account' }).click();
    await lawyer.waitForURL((u) => u.origin === idp.issuer);
    await atProvider(lawyer, 'ana.lawyer');
    await lawyer.waitForURL(`${base}/claims`);
    await lawyer.getByText('Signed in as Ana Advokat (lawyer)').waitFor();
    await lawyer.waitForLoadState('networkidle');
    const cookie = (await sessionCookie(lawyerContext))!;
    t.ok(cookie.httpOnly, 'httpOnly');
    t.equal(cookie.sameSite, 'Strict');
    t.same(await lawyer.evaluate('document.cookie'), '', 'no cookie script can read');
    const session = await inPage(lawyer, '/api/session');
    t.match(JSON.parse(session.body), { principal: { sub: 'ana.lawyer', name: 'Ana Advokat', roles: ['lawyer'], jurisdictions: ['RS'] }, signIn: 'oidc' });
    t.notMatch(session.body, /eyJ/, 'no token reaches the browser');

    const filed = await inPage(lawyer, '/api/commands/claims', { method: 'POST', body: claim });
    t.equal(filed.status, 201, 'the command service accepts the provider\'s access token');
  });

  await t.test('the embedded demo sign-in does not exist beside the provider', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/api/sign-in/users' })).statusCode, 404);
    t.equal((await app.inject({ method: 'POST', url: '/api/sign-in', payload: { sub: 'lawyer-1' } })).statusCode, 404);
    t.same((await app.inject({ method: 'GET', url: '/api/sign-in' })).json(), { method: 'oidc' });
  });

  await t.test('a fund assessor lands on the work queue', async (t) => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/api/sign-in/oidc`);
    await atProvider(page, 'marko.assessor');
    await page.waitForURL(`${base}/work`);
    await page.getByText('Signed in as Marko Procenitelj (fund assessor, fund approver)').waitFor();
    t.pass('mapped from realm_access.roles, the provider\'s own role left out');
    await context.close();
  });

  for (const tampered of ['state', 'nonce'] as const) {
    await t.test(`a wrong ${tampered} is refused: no session`, async (t) => {
      const context = await newContext();
      const start = await context.request.get(`${base}/api/sign-in/oidc`, { maxRedirects: 0 });
      t.equal(start.status(), 303);
      const authorize = new URL(start.headers().location!);
      t.equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
      authorize.searchParams.set(tampered, randomBytes(32).toString('base64url'));
      const page = await context.newPage();
      await page.goto(authorize.href);
      await atProvider(page, 'ana.lawyer');
      await page.waitForURL(`${base}/sign-in?failed=sign-in`);
      await page.getByText('Signing in did not succeed, so no session was opened.').waitFor();
      t.equal(await sessionCookie(context), undefined, 'no session cookie');
      await context.close();
    });
  }

  await t.test('an answer without the sign-in cookie of this browser is refused', async (t) => {
    const r = await app.inject({ method: 'GET', url: `${OIDC_CALLBACK_PATH}?code=abc&state=def&iss=${encodeURIComponent(idp.issuer)}` });
    t.equal(r.statusCode, 303);
    t.equal(r.headers.location, '/sign-in?failed=sign-in');
    t.notOk(String(r.headers['set-cookie'] ?? '').includes('cfund-session=') && !String(r.headers['set-cookie']).includes('cfund-session=;'), 'no session');
  });

  await t.test('the access token is renewed with the refresh token before it expires', async (t) => {
    const before = await sessionOf(lawyerContext);
    const first = before.accessToken;
    ahead += 290_000; // 10 s before the 5-minute token expires
    const filed = await inPage(lawyer, '/api/commands/claims', { method: 'POST', body: { ...claim, incidentOn: '2025-02-10' } });
    t.equal(filed.status, 201, 'the renewed token works at the command service');
    const after = await sessionOf(lawyerContext);
    t.not(after.accessToken, first, 'a new access token');
    t.ok(after.accessTokenExpiresAt > before.accessTokenExpiresAt - 300_000, 'valid for longer');
    t.same(after.principal.roles, ['lawyer']);
  });

  await t.test('a cross-site call without the CSRF token is refused', async (t) => {
    const cookie = `cfund-session=${(await sessionCookie(lawyerContext))!.value}`;
    const r = await app.inject({ method: 'POST', url: '/api/commands/claims', payload: claim, headers: { cookie } });
    t.equal(r.statusCode, 403);
    t.equal(r.json<{ code: string }>().code, 'csrf');
    t.equal((await app.inject({ method: 'POST', url: '/api/sign-out', headers: { cookie } })).statusCode, 403, 'nor signed out');
  });

  await t.test('a tampered session cookie is refused', async (t) => {
    const id = (await sessionCookie(lawyerContext))!.value;
    const r = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: `cfund-session=${id.slice(0, -2)}xy` } });
    t.equal(r.statusCode, 401);
    t.match(r.headers['content-type'], /^application\/problem\+json/);
  });

  await t.test('a renewal the provider refuses ends the session, with a clear page', async (t) => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/api/sign-in/oidc`);
    await atProvider(page, 'ana.lawyer');
    await page.waitForURL(`${base}/claims`);
    // The page's own calls done first: one still under way when the clock jumps would meet the refusal itself.
    await page.waitForLoadState('networkidle');
    const session = await sessionOf(context);
    // The provider revokes the grant (an administrator locked the account, say).
    const refreshToken = await idp.provider.RefreshToken.find(session.provider!.refreshToken!);
    await refreshToken!.destroy();
    ahead += 300_000;
    await page.goto(`${base}/claims`);
    await page.waitForURL(`${base}/sign-in?ended=renewal`);
    await page.getByText('Your sign-in could not be renewed at the identity provider, so your session has ended.').waitFor();
    t.equal((await inPage(page, '/api/session')).status, 401, 'the session is over');
    await context.close();
  });

  await t.test('signing out ends the session here and at the provider', async (t) => {
    // Renewed again first: the lawyer's token aged with the clock.
    const cookie = `cfund-session=${(await sessionCookie(lawyerContext))!.value}`;
    await lawyer.goto(`${base}/claims`);
    await lawyer.getByRole('button', { name: 'Sign out' }).click();
    await lawyer.waitForURL((u) => u.origin === idp.issuer);
    await lawyer.getByRole('button', { name: 'Yes, sign me out' }).click();
    await lawyer.waitForURL(postLogout);
    await lawyer.getByText('You have signed out.').waitFor();
    t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode, 401, 'the old cookie opens nothing');
    await lawyer.goto(`${base}/api/sign-in/oidc`);
    await lawyer.locator('input[name=login]').waitFor();
    t.pass('the provider asks for the login again');
  });

  await t.test('a session past its absolute limit is refused', async (t) => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/api/sign-in/oidc`);
    await atProvider(page, 'marko.assessor');
    await page.waitForURL(`${base}/work`);
    const cookie = `cfund-session=${(await sessionCookie(context))!.value}`;
    t.equal((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode, 200);
    ahead += 3600_000;
    const r = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    t.equal(r.statusCode, 401);
    t.equal(r.json<{ code: string }>().code, 'signed-out');
    await context.close();
  });

  t.test('no token and no name in the console\'s log', async (t) => {
    const log = logs.join('');
    const reasons = logs.filter((l) => l.includes('OpenID Connect sign-in refused')).map((l) => JSON.parse(l) as { reason: string });
    t.match(reasons, [{ reason: /state/ }, { reason: /nonce/ }, { reason: /no sign-in under way/ }], 'each refusal logged with its reason');
    t.notMatch(log, /eyJ/, 'no token');
    for (const person of Object.values(PEOPLE)) t.notOk(log.includes(person.name), `not ${person.name}`);
    t.notOk(log.includes('Oidc Test Victim'));
    t.end();
  });
});
