/** GET /work-queue (by the caller's roles) and GET /deadlines. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deadlines } from '../queries/deadlines.js';
import { workQueue } from '../queries/work-queue.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { DeadlinesQuery, DeadlinesSchema, WorkQueueSchema, problems } from './schemas.js';

export async function workRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));

  app.get('/work-queue', {
    schema: {
      summary: 'What waits for you, by your roles', tags: ['work'],
      description: 'fund-assessor: claims awaiting assessment; fund-approver: assessed claims awaiting a first or second approval you may give '
        + '(not the assessor, not twice), and ineligible assessments to reject; fund-finance: instalments due or failed, by due date; '
        + 'lawyer: your claims with an application or appeal deadline running. Fund staff see only their jurisdictions.',
      response: { 200: WorkQueueSchema, 401: problems[401] },
    },
  }, async (request) => ({ items: workQueue(ctx.runner.store, principalOf(request)) }));

  app.get('/deadlines', {
    schema: {
      summary: 'Upcoming deadlines of the claims you may see', tags: ['work'],
      description: 'Application to the fund (while a claim is filed), appeal (after a decision is served), instalments not yet paid; '
        + 'local dates in the scheme\'s time zone, earliest first; `overdue` when the day is over there.',
      querystring: DeadlinesQuery, response: { 200: DeadlinesSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request) => ({ items: deadlines(ctx.runner.store, principalOf(request), request.query, ctx.now()) }));
}
