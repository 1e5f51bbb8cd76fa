/** The console built for a test, and signing in through its real HTTP routes. */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { createLogger } from '@cfund/service-kit';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '@cfund/service-kit';
import { buildApp, EmbeddedSignIn, type ConsoleApp, type ConsoleAppOptions } from '../src/index.ts';

/** A settable clock for the session store. */
export class Clock {
  constructor(public at = Date.now()) {}
  now = () => this.at;
}

export const NOWHERE = { commands: 'http://127.0.0.1:9', queries: 'http://127.0.0.1:9', notifications: 'http://127.0.0.1:9' };

export async function startConsole(t: Test, options: Partial<ConsoleAppOptions> & { jwtSecret?: Uint8Array; embedded?: boolean } = {}): Promise<ConsoleApp> {
  const { jwtSecret = randomBytes(32), embedded = true, ...rest } = options;
  const app = await buildApp({
    logger: createLogger({ level: 'silent' }),
    upstreams: NOWHERE,
    ...(embedded ? {
      embeddedSignIn: new EmbeddedSignIn({ jwtSecret, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE, ttlSeconds: 3600, ...(rest.now ? { now: rest.now } : {}) }),
    } : {}),
    ...rest,
  });
  t.teardown(() => app.close());
  return app;
}

/** `name=value` of a Set-Cookie header. */
export const cookiePair = (setCookie: string): string => setCookie.split(';')[0]!;

export const setCookies = (headers: Record<string, unknown>): string[] => {
  const v = headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
};

export interface SignedIn {
  cookie: string;
  csrfToken: string;
  setCookie: string;
  body: string;
}

/** Signs in as `sub` the way the web app does: the list (and its CSRF cookie), then the POST. */
export async function signIn(app: ConsoleApp, sub: string): Promise<SignedIn> {
  const list = await app.inject({ method: 'GET', url: '/api/sign-in/users' });
  const signInCookie = cookiePair(setCookies(list.headers)[0]!);
  const r = await app.inject({
    method: 'POST', url: '/api/sign-in', payload: { sub },
    headers: { cookie: signInCookie, 'x-csrf-token': list.json<{ csrfToken: string }>().csrfToken },
  });
  if (r.statusCode !== 200) throw new Error(`sign-in: ${r.statusCode} ${r.body}`);
  const setCookie = setCookies(r.headers).find((c) => c.startsWith('cfund-session=') || c.startsWith('__Host-cfund-session='))!;
  return { cookie: cookiePair(setCookie), csrfToken: r.json<{ csrfToken: string }>().csrfToken, setCookie, body: r.body };
}
