/** GET /api/session (who is signed in, and the CSRF token of the session) and POST /api/sign-out. */
import type { FastifyInstance } from 'fastify';
import { sessionView, type Sessions } from './sessions.js';

export async function sessionRoutes(app: FastifyInstance, options: { sessions: Sessions; signIn: 'embedded' | null }): Promise<void> {
  const { sessions } = options;
  app.get('/api/session', async (request, reply) => ({ ...sessionView(sessions, sessions.require(request, reply)), signIn: options.signIn }));

  app.post('/api/sign-out', async (request, reply) => {
    sessions.close(sessions.require(request, reply), reply);
    return reply.code(204).send();
  });
}
