/** POST /admin/rebuild (fund-admin) and GET /admin/digest (fund-admin, auditors). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { HttpProblem } from '@cfund/service-kit';
import { principalOf, type QueryContext } from './context.js';
import { DigestSchema, RebuildSchema, problems } from './schemas.js';

export async function adminRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.post('/admin/rebuild', {
    schema: {
      summary: 'Rebuild the read model from the event store', tags: ['operations'],
      description: 'Who: fund-admin. Reads every user event of $all into a new read model file and swaps it in once it is complete '
        + '(queries go on from the previous one meanwhile; the consumer waits and resumes afterwards; a read model in memory is '
        + 'rebuilt in place, and its queries answer 503 meanwhile) and answers the digest of the result.',
      response: { 200: RebuildSchema, 401: problems[401], 403: problems[403] },
    },
  }, async (request) => {
    if (!principalOf(request).roles.includes('fund-admin')) {
      throw new HttpProblem(403, 'Forbidden', 'Only a fund-admin can rebuild the read model.', { code: 'forbidden-role' });
    }
    const result = await ctx.runner.rebuild();
    ctx.metrics.rebuilds.inc();
    return result;
  });

  app.get('/admin/digest', {
    schema: {
      summary: 'SHA-256 over a canonical dump of the read model, and its row counts', tags: ['operations'],
      description: 'Who: fund-admin or auditors. Two read models with the same digest hold the same rows (compare after a rebuild).',
      response: { 200: DigestSchema, 401: problems[401], 403: problems[403], 503: problems[503] },
    },
  }, async (request) => {
    const p = principalOf(request);
    if (!p.roles.includes('fund-admin') && !p.roles.includes('auditor')) {
      throw new HttpProblem(403, 'Forbidden', 'Only a fund-admin or an auditor can read the digest.', { code: 'forbidden-role' });
    }
    if (ctx.runner.isRebuilding) throw new HttpProblem(503, 'Service Unavailable', 'A rebuild is running.', { code: 'rebuilding' });
    return { digest: ctx.runner.store.digest(), counts: ctx.runner.store.counts() };
  });
}
