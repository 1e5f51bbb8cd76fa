/** GET /work-queue (by the caller's roles) and GET /deadlines. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deadlines } from '../queries/deadlines.js';
import { workQueue } from '../queries/work-queue.js';
import { assessorLoad, myClaims, unassignedClaims } from '../queries/assignments.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { AssessorLoadSchema, AssignedClaimsSchema, DeadlinesQuery, DeadlinesSchema, WorkQueueSchema, problems } from './schemas.js';

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
  }, async (request) => ({ items: workQueue(ctx.runner.store, principalOf(request), ctx.now()) }));

  app.get('/work-queue/mine', {
    schema: {
      summary: 'The claims you act on', tags: ['work'],
      description: 'Claims you lead or are co-counsel on (lawyer), or of which you are the assessor of record (fund-assessor, in your jurisdictions); '
        + '`as` says which. Oldest waiting first.',
      response: { 200: AssignedClaimsSchema, 401: problems[401] },
    },
  }, async (request) => ({ items: myClaims(ctx.runner.store, principalOf(request)) }));

  app.get('/work-queue/unassigned', {
    schema: {
      summary: 'Claims awaiting assessment that no assessor holds', tags: ['work'],
      description: 'Who: fund-assessor (who may take them: POST /claims/:id/take) or fund-admin (who assigns them), in their jurisdictions.',
      response: { 200: AssignedClaimsSchema, 401: problems[401], 403: problems[403] },
    },
  }, async (request) => ({ items: unassignedClaims(ctx.runner.store, principalOf(request)) }));

  app.get('/work-queue/assessor-load', {
    schema: {
      summary: 'Open claims per assessor', tags: ['work'],
      description: 'Who: fund-admin. Every assessor of record in your jurisdictions with the number of their claims still open, busiest first.',
      response: { 200: AssessorLoadSchema, 401: problems[401], 403: problems[403] },
    },
  }, async (request) => ({ items: assessorLoad(ctx.runner.store, principalOf(request)) }));

  app.get('/deadlines', {
    schema: {
      summary: 'Upcoming deadlines of the claims you may see', tags: ['work'],
      description: 'Application to the fund (while a claim is filed), appeal (after a decision is served), instalments not yet paid; '
        + 'local dates in the scheme\'s time zone, earliest first; `overdue` when the day is over there.',
      querystring: DeadlinesQuery, response: { 200: DeadlinesSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request) => ({ items: deadlines(ctx.runner.store, principalOf(request), request.query, ctx.now()) }));
}
