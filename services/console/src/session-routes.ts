/**
 * GET /api/session (who is signed in, and the CSRF token of the session), GET /api/sign-in (how
 * one signs in here) and POST /api/sign-out.
 */
import type { FastifyInstance } from 'fastify';
import { sessionView, type Sessions } from './sessions.js';
import type { SignedIn } from './sign-in/sign-in.js';

export type SignInMethod = 'embedded' | 'oidc' | null;

export async function sessionRoutes(app: FastifyInstance, options: {
  sessions: Sessions;
  signIn: SignInMethod;
  /** After the local session ended: the provider's logout URL to send the browser to, if any. */
  signOutAtProvider?: (session: SignedIn) => Promise<URL | undefined>;
}): Promise<void> {
  const { sessions } = options;
  app.get('/api/session', async (request, reply) => ({ ...sessionView(sessions, await sessions.requireFresh(request, reply)), signIn: options.signIn }));

  app.get('/api/sign-in', async () => ({ method: options.signIn }));

  app.post('/api/sign-out', async (request, reply) => {
    const session = sessions.require(request, reply);
    sessions.close(session, reply);
    const endSessionUrl = await options.signOutAtProvider?.(session);
    return endSessionUrl ? { endSessionUrl: endSessionUrl.href } : reply.code(204).send();
  });
}
