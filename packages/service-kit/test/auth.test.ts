/** The auth plugin through real HTTP (inject): verification, the verified-token cache and its limits. */
import t from 'tap';
import Fastify from 'fastify';
import { SignJWT } from 'jose';
import { authPlugin, errorsPlugin, signToken } from '../src/index.ts';

const secret = new TextEncoder().encode('a-test-secret-that-is-long-enough-for-hs256');

async function app(options: { verifiedTokenCacheSize?: number } = {}) {
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
  const short = await new SignJWT({ roles: ['lawyer'], jurisdictions: ['RS'] }).setProtectedHeader({ alg: 'HS256' })
    .setSubject('lawyer-2').setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 2).sign(secret);
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
