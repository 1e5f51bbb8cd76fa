/**
 * POST /admin/rebuild and GET /admin/rebuild, its progress (operator), and GET /admin/digest (operator, auditors): all concern
 * every jurisdiction at once.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { canOperate, canReadDigest, ensureAllowed } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import { principalOf, type QueryContext } from './context.js';
import { DigestSchema, RebuildSchema, RebuildStatusSchema, problems } from './schemas.js';

export async function adminRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.post('/admin/rebuild', {
    schema: {
      summary: 'Rebuild the read model from the event store', tags: ['operations'],
      description: 'Who: an operator. Reads every user event of $all into a new read model file and swaps it in once it is complete '
        + '(queries go on from the previous one meanwhile; the consumer waits and resumes afterwards; a read model in memory is '
        + 'rebuilt in place, and its queries answer 503 meanwhile) and answers the digest of the result.',
      response: { 200: RebuildSchema, 401: problems[401], 403: problems[403] },
    },
  }, async (request) => {
    ensureAllowed(canOperate(principalOf(request)));
    const result = await ctx.runner.rebuild();
    ctx.metrics.rebuilds.inc();
    return result;
  });

  app.get('/admin/rebuild', {
    schema: {
      summary: 'Progress of the running rebuild, or the outcome of the last one', tags: ['operations'],
      description: 'Who: an operator. Events done, the rate, and the time left (a POST /admin/rebuild answers only once it is complete).',
      response: { 200: RebuildStatusSchema, 401: problems[401], 403: problems[403] },
    },
  }, async (request) => {
    ensureAllowed(canOperate(principalOf(request)));
    return ctx.runner.rebuildStatus() ?? { state: 'idle' as const };
  });

  app.get('/admin/digest', {
    schema: {
      summary: 'SHA-256 over a canonical dump of the read model, and its row counts', tags: ['operations'],
      description: 'Who: an operator or auditors. Two read models with the same digest hold the same rows (compare after a rebuild).',
      response: { 200: DigestSchema, 401: problems[401], 403: problems[403], 503: problems[503] },
    },
  }, async (request) => {
    ensureAllowed(canReadDigest(principalOf(request)));
    if (ctx.runner.isRebuilding) throw new HttpProblem(503, 'Service Unavailable', 'A rebuild is running.', { code: 'rebuilding' });
    return { digest: ctx.runner.store.digest(), counts: ctx.runner.store.counts() };
  });
}
