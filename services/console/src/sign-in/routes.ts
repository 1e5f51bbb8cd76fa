/**
 * GET /api/sign-in/users and POST /api/sign-in of the embedded mode. Signing in changes state
 * too, before any session exists: its CSRF token is bound to a short-lived random cookie that
 * GET /api/sign-in/users sets, so a cross-site page cannot sign a browser in as someone else.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpProblem } from '@cfund/service-kit';
import { CSRF_HEADER } from '../csrf.js';
import { csrfRefused, sessionView, type Sessions } from '../sessions.js';
import type { EmbeddedSignIn } from './embedded.js';

const SIGN_IN_COOKIE = 'cfund-sign-in';
const SIGN_IN_PATH = '/api/sign-in';
const SignInBody = z.object({ sub: z.string().trim().min(1).max(200) }).strict();

export async function embeddedSignInRoutes(app: FastifyInstance, options: { sessions: Sessions; signIn: EmbeddedSignIn }): Promise<void> {
  const { sessions, signIn } = options;
  const binding = (nonce: string) => `sign-in:${nonce}`;

  app.get(`${SIGN_IN_PATH}/users`, async (request, reply) => {
    let nonce = request.cookies[SIGN_IN_COOKIE];
    if (nonce === undefined || !/^[\w-]{43}$/.test(nonce)) {
      nonce = randomBytes(32).toString('base64url');
      reply.setCookie(SIGN_IN_COOKIE, nonce, { ...sessions.cookieOptions(SIGN_IN_PATH), maxAge: 15 * 60 });
    }
    return {
      users: signIn.users.map((u) => ({ sub: u.sub, name: u.name, roles: u.roles, jurisdictions: u.jurisdictions })),
      csrfToken: sessions.csrf.tokenFor(binding(nonce)),
    };
  });

  app.post(SIGN_IN_PATH, { schema: { body: SignInBody } }, async (request, reply) => {
    const nonce = request.cookies[SIGN_IN_COOKIE];
    if (nonce === undefined || !sessions.csrf.matches(binding(nonce), request.headers[CSRF_HEADER])) throw csrfRefused();
    const { sub } = request.body as z.infer<typeof SignInBody>;
    const signedIn = await signIn.signIn(sub);
    if (!signedIn) {
      throw new HttpProblem(400, 'Bad Request', 'No such demo user.', { code: 'validation', errors: [{ path: 'body.sub', message: 'no such demo user' }] });
    }
    reply.clearCookie(SIGN_IN_COOKIE, sessions.cookieOptions(SIGN_IN_PATH));
    const session = sessions.open(reply, signedIn);
    return sessionView(sessions, session);
  });
}
