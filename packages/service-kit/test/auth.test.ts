/**
 * The auth plugin through real HTTP (inject): verification (exp, lifetime, issuer, audience),
 * the verified-token cache and its limits; the token variables of parseEnv.
 */
import t from 'tap';
import Fastify from 'fastify';
import { SignJWT } from 'jose';
import { ConfigError, authPlugin, commonEnv, errorsPlugin, parseEnv, signToken, type AuthOptions } from '../src/index.ts';

const secret = new TextEncoder().encode('a-test-secret-that-is-long-enough-for-hs256');

async function app(options: Omit<AuthOptions, 'jwtSecret' | 'jwksUrl'> = {}) {
  const a = Fastify();
  await a.register(errorsPlugin);
  await a.register(authPlugin, { jwtSecret: secret, ...options });
  a.get('/me', { onRequest: a.authenticate }, async (request) => request.principal);
  await a.ready();
  return a;
}

const me = (a: Awaited<ReturnType<typeof app>>, token: string) => a.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });

t.test('verified tokens are remembered, never beyond their expiry, and only byte for byte', async (t) => {
  const a = await app();
  t.teardown(() => a.close());
  const token = await signToken(secret, { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] });
  for (let i = 0; i < 3; i += 1) {
    const r = await me(a, token);
    t.equal(r.statusCode, 200);
    t.same(r.json(), { sub: 'lawyer-1', name: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] });
  }
  // The same claims with another signature: not the cached token.
  const [h, p] = token.split('.');
  const forged = `${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}`;
  t.equal((await me(a, forged)).statusCode, 401, 'a forged signature is refused although its claims were seen');
  const otherSecret = await signToken(new TextEncoder().encode('another-secret-that-is-long-enough-for-hs256'), { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] });
  t.equal((await me(a, otherSecret)).statusCode, 401);

  // A token accepted (and cached) while valid is refused once it expires.
  const short = await signToken(secret, { sub: 'lawyer-2', roles: ['lawyer'], jurisdictions: ['RS'], ttlSeconds: 2 });
  t.equal((await me(a, short)).statusCode, 200, 'valid at first');
  const deadline = Date.now() + 10_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await me(a, short)).statusCode;
  }
  t.equal(status, 401, 'refused after its exp, cached or not');
  t.match((await me(a, short)).json(), { detail: 'The token has expired.' });
  const expired = await new SignJWT({ roles: ['lawyer'], jurisdictions: ['RS'] }).setProtectedHeader({ alg: 'HS256' })
    .setSubject('lawyer-3').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(secret);
  t.equal((await me(a, expired)).statusCode, 401);
});

t.test('with the cache off every request is verified', async (t) => {
  const a = await app({ verifiedTokenCacheSize: 0 });
  t.teardown(() => a.close());
  const token = await signToken(secret, { sub: 'auditor-1', roles: ['auditor'], jurisdictions: [] });
  t.equal((await me(a, token)).statusCode, 200);
  t.equal((await me(a, token)).statusCode, 200);
  t.equal((await me(a, 'x.y.z')).statusCode, 401);
  t.equal((await a.inject({ method: 'GET', url: '/me' })).statusCode, 401, 'no header');
});

/** A token with exactly the registered claims given (the embedded issuer and audience unless overridden). */
function raw(claims: { iat?: number | null; exp?: number | null; iss?: string | null; aud?: string | null }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ roles: ['lawyer'], jurisdictions: ['RS'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('lawyer-1');
  const iat = claims.iat === undefined ? now : claims.iat;
  const exp = claims.exp === undefined ? now + 3600 : claims.exp;
  const iss = claims.iss === undefined ? 'compensation-fund' : claims.iss;
  const aud = claims.aud === undefined ? 'compensation-fund-api' : claims.aud;
  if (iat !== null) jwt = jwt.setIssuedAt(iat);
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  if (iss !== null) jwt = jwt.setIssuer(iss);
  if (aud !== null) jwt = jwt.setAudience(aud);
  return jwt.sign(secret);
}

t.test('a token must expire, within the maximum lifetime, and name the issuer and audience', async (t) => {
  const a = await app();
  t.teardown(() => a.close());
  const now = Math.floor(Date.now() / 1000);
  t.equal((await me(a, await raw({}))).statusCode, 200, 'an hour, the embedded issuer and audience');
  t.equal((await me(a, await signToken(secret, { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'] }))).statusCode, 200, 'signToken\'s defaults');
  const refused: [string, string][] = [
    ['no exp', await raw({ exp: null })],
    ['no iat', await raw({ iat: null })],
    ['valid for 20 years', await raw({ exp: now + 20 * 365 * 86400 })],
    ['issued in the future to stretch its lifetime', await raw({ iat: now + 11 * 3600, exp: now + 23 * 3600 })],
    ['13 hours', await signToken(secret, { sub: 'lawyer-1', roles: ['lawyer'], jurisdictions: ['RS'], ttlSeconds: 13 * 3600 })],
    ['no issuer', await raw({ iss: null })],
    ['another issuer', await raw({ iss: 'somebody-else' })],
    ['no audience', await raw({ aud: null })],
    ['another audience', await raw({ aud: 'another-api' })],
  ];
  for (const [what, token] of refused) {
    const r = await me(a, token);
    t.equal(r.statusCode, 401, `${what}: refused`);
    t.match(r.headers['content-type'], /^application\/problem\+json/);
  }
  t.match((await me(a, await raw({ exp: now + 20 * 365 * 86400 }))).json(), { detail: /lifetime/ }, 'says why');
  t.equal((await me(a, await raw({ iat: now - 11 * 3600, exp: now + 3600 }))).statusCode, 200, '12 hours, 11 of them gone');

  const configured = await app({ issuer: 'https://idp.example', audience: 'cfund', maxLifetimeSeconds: 600 });
  t.teardown(() => configured.close());
  t.equal((await me(configured, await raw({ iss: 'https://idp.example', aud: 'cfund', exp: now + 600 }))).statusCode, 200, 'configured issuer, audience, lifetime');
  t.equal((await me(configured, await raw({ iss: 'https://idp.example', aud: 'cfund', exp: now + 601 }))).statusCode, 401, 'beyond the configured lifetime');
  t.equal((await me(configured, await raw({}))).statusCode, 401, 'the embedded issuer is not the configured one');

  const jwks = Fastify();
  t.teardown(() => jwks.close());
  await t.rejects(async () => {
    await jwks.register(authPlugin, { jwksUrl: 'https://idp.example/jwks' });
    await jwks.ready();
  }, /issuer and audience/, 'a JWKS without issuer and audience is refused');
});

t.test('roles and jurisdictions are read where the identity provider puts them', async (t) => {
  const keycloakLike = await app({ claims: { roles: 'realm_access.roles', jurisdictions: 'cfund.jurisdictions' } });
  const plain = await app();
  t.teardown(async () => { await keycloakLike.close(); await plain.close(); });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('assessor-1')
    .setIssuedAt().setExpirationTime('1h').setIssuer('compensation-fund').setAudience('compensation-fund-api').sign(secret);
  const nested = await sign({ realm_access: { roles: ['offline_access', 'fund-assessor', 'default-roles-cfund'] }, cfund: { jurisdictions: ['RS'] } });
  const r = await me(keycloakLike, nested);
  t.equal(r.statusCode, 200);
  t.match(r.json(), { sub: 'assessor-1', roles: ['fund-assessor'], jurisdictions: ['RS'] }, 'the provider\'s own roles are ignored');
  t.equal((await me(plain, nested)).statusCode, 401, 'not where the default looks');
  t.equal((await me(keycloakLike, await sign({ realm_access: { roles: ['offline_access'] }, cfund: { jurisdictions: ['RS'] } }))).statusCode, 401, 'no role the system knows');
  t.equal((await me(keycloakLike, await sign({ realm_access: { roles: ['fund-assessor'] }, cfund: { jurisdictions: ['XX'] } }))).statusCode, 401, 'an unknown jurisdiction');
  t.equal((await me(keycloakLike, await sign({ realm_access: 'assessor' }))).statusCode, 401, 'not a list');

  const shape = commonEnv(4000);
  t.same([parseEnv(shape, {}).JWT_ROLES_CLAIM, parseEnv(shape, {}).JWT_JURISDICTIONS_CLAIM], ['roles', 'jurisdictions']);
  t.equal(parseEnv(shape, { JWT_ROLES_CLAIM: 'realm_access.roles' }).JWT_ROLES_CLAIM, 'realm_access.roles');
  for (const wrong of ['realm_access..roles', 'roles[0]', '.roles']) {
    t.throws(() => parseEnv(shape, { JWT_ROLES_CLAIM: wrong }), { name: 'ConfigError', message: /JWT_ROLES_CLAIM/ }, `JWT_ROLES_CLAIM=${wrong}`);
  }
});

t.test('configuration: issuer, audience and maximum lifetime', async (t) => {
  const shape = commonEnv(4000);
  const c = parseEnv(shape, {});
  t.equal(c.JWT_ISSUER, 'compensation-fund', 'embedded issuer');
  t.equal(c.JWT_AUDIENCE, 'compensation-fund-api', 'embedded audience');
  t.equal(c.JWT_MAX_LIFETIME, 12 * 3600, '12 hours by default');
  t.equal(parseEnv(shape, { JWT_MAX_LIFETIME: '30m' }).JWT_MAX_LIFETIME, 1800);
  t.equal(parseEnv(shape, { JWT_MAX_LIFETIME: '2h' }).JWT_MAX_LIFETIME, 7200);
  t.equal(parseEnv(shape, { JWT_MAX_LIFETIME: '900' }).JWT_MAX_LIFETIME, 900, 'seconds');
  for (const wrong of ['0', '12 hours', '-5m', '8d']) {
    t.throws(() => parseEnv(shape, { JWT_MAX_LIFETIME: wrong }), { name: 'ConfigError', message: /JWT_MAX_LIFETIME/ }, `JWT_MAX_LIFETIME=${wrong}`);
  }
  t.throws(() => parseEnv(shape, { JWKS_URL: 'https://idp.example/jwks' }), { message: /JWT_ISSUER/ }, 'JWKS_URL needs JWT_ISSUER');
  t.throws(() => parseEnv(shape, { JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'https://idp.example' }), { message: /JWT_AUDIENCE/ }, 'and JWT_AUDIENCE');
  const idp = parseEnv(shape, { JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'cfund' });
  t.same([idp.JWT_ISSUER, idp.JWT_AUDIENCE], ['https://idp.example', 'cfund']);
  t.ok(new ConfigError('x') instanceof Error);
});
