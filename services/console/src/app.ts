/**
 * The console: a Fastify service that serves the single-page app and is its backend for the
 * frontend. The browser holds only a session cookie; sessions, access tokens and the calls to
 * the services stay here (see README.md).
 */
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createServiceFastify, errorsPlugin, OWN_FILES_ONLY_CSP, securityHeaders, type HttpLimits } from '@cfund/service-kit';
import { CsrfTokens } from './csrf.js';
import { proxyRoutes, type Upstreams } from './proxy.js';
import { sessionRoutes } from './session-routes.js';
import { SessionStore } from './session-store.js';
import { Sessions } from './sessions.js';
import type { EmbeddedSignIn } from './sign-in/embedded.js';
import type { OidcSignIn } from './sign-in/oidc.js';
import { oidcSignInRoutes } from './sign-in/oidc-routes.js';
import { embeddedSignInRoutes } from './sign-in/routes.js';
import type { SignedIn } from './sign-in/sign-in.js';
import { webRoutes } from './web.js';

export interface ConsoleAppOptions {
  logger: Logger;
  upstreams: Upstreams;
  /** Present only in the embedded mode: sign in as a demo user. */
  embeddedSignIn?: EmbeddedSignIn;
  /** Production: sign in at the OpenID provider (then there is no embedded sign-in). */
  oidcSignIn?: OidcSignIn;
  session?: { idleSeconds?: number; maxAgeSeconds?: number; limit?: number; secureCookie?: boolean };
  /** The built web app; default dist/web beside the compiled service. */
  webRoot?: string;
  bodyLimit?: number;
  http?: HttpLimits;
  now?: () => number;
}

export interface ConsoleApp extends FastifyInstance {
  sessions: Sessions;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url));

export async function buildApp(options: ConsoleAppOptions): Promise<ConsoleApp> {
  if (options.embeddedSignIn && options.oidcSignIn) throw new Error('console: the demo sign-in exists only without OpenID Connect');
  const bodyLimit = options.bodyLimit ?? 256 * 1024;
  const now = options.now ?? Date.now;
  const app = createServiceFastify({ logger: options.logger, bodyLimit, ...(options.http ? { http: options.http } : {}) });
  const store = new SessionStore({
    limit: options.session?.limit ?? 10_000,
    idleMs: (options.session?.idleSeconds ?? 30 * 60) * 1000,
    now,
  });
  const sessions = new Sessions(store, new CsrfTokens(), {
    secureCookie: options.session?.secureCookie ?? false,
    maxAgeMs: (options.session?.maxAgeSeconds ?? 12 * 3600) * 1000,
    now,
    ...(options.oidcSignIn ? { renewal: options.oidcSignIn } : {}),
  });
  app.decorate('sessions', sessions);

  await app.register(errorsPlugin);
  const headers = securityHeaders({
    // Only the app's own built files: no inline script or style, no other origin.
    contentSecurityPolicy: { useDefaults: false, directives: OWN_FILES_ONLY_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.session?.secureCookie ? { maxAge: 180 * 86400 } : false,
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(fastifyCookie);
  // Answers about a session may carry personal data: no cache keeps them.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async () => ({ status: 'ready' }));
  const { embeddedSignIn, oidcSignIn } = options;
  const signIn = embeddedSignIn ? 'embedded' : oidcSignIn ? 'oidc' : null;
  await app.register(sessionRoutes, {
    sessions, signIn,
    ...(oidcSignIn ? { signOutAtProvider: (session: SignedIn) => oidcSignIn.signOut(session) } : {}),
  });
  if (embeddedSignIn) await app.register(embeddedSignInRoutes, { sessions, signIn: embeddedSignIn });
  if (oidcSignIn) await app.register(oidcSignInRoutes, { sessions, signIn: oidcSignIn });
  await app.register(proxyRoutes, { sessions, upstreams: options.upstreams, bodyLimit });
  await app.register(webRoutes, { root: options.webRoot ?? DEFAULT_WEB_ROOT, sessions, signIn });
  return app as ConsoleApp;
}
