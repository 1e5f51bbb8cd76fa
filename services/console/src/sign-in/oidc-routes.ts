/**
 * GET /api/sign-in/oidc (to the provider's sign-in) and GET /api/sign-in/oidc/callback (its
 * answer). The cookie of a sign-in under way is SameSite=Lax: the provider's answer is a
 * navigation from its own site, which a Strict cookie would not follow. Any refusal (a wrong
 * state or nonce, a forged or expired answer, the person declining) opens no session and sends
 * the browser to the sign-in page, which says so.
 */
import type { FastifyInstance } from 'fastify';
import type { Sessions } from '../sessions.js';
import type { OidcSignIn } from './oidc.js';

export const OIDC_START_PATH = '/api/sign-in/oidc';
export const OIDC_CALLBACK_PATH = `${OIDC_START_PATH}/callback`;
const PENDING_COOKIE = 'cfund-oidc';

export async function oidcSignInRoutes(app: FastifyInstance, options: { sessions: Sessions; signIn: OidcSignIn }): Promise<void> {
  const { sessions, signIn } = options;
  const pendingCookie = { ...sessions.cookieOptions(OIDC_START_PATH), sameSite: 'lax' as const };

  app.get(OIDC_START_PATH, async (_request, reply) => {
    const { url, pending } = await signIn.begin();
    reply.setCookie(PENDING_COOKIE, pending, { ...pendingCookie, maxAge: 10 * 60 });
    return reply.redirect(url.href, 303);
  });

  app.get(OIDC_CALLBACK_PATH, async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    reply.clearCookie(PENDING_COOKIE, pendingCookie);
    try {
      const signedIn = await signIn.complete(query, request.cookies[PENDING_COOKIE]);
      sessions.open(reply, signedIn);
      return await reply.redirect('/', 303);
    } catch (error) {
      // The reason, never the person: no claim of a token is logged, only what failed
      // (openid-client puts the precise check, e.g. 'unexpected JWT "nonce" claim value', in the cause).
      const e = error as Error & { code?: string; error?: string; cause?: unknown };
      const precisely = e.cause instanceof Error ? e.cause.message : undefined;
      request.log.warn({ reason: precisely ? `${e.message}: ${precisely}` : e.message, code: e.code ?? e.error }, 'OpenID Connect sign-in refused');
      return reply.redirect('/sign-in?failed=sign-in', 303);
    }
  });
}
