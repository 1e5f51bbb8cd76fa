/** GET /funds/{jurisdiction}/{year}: a fund year's ledger. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { canReadFundYear, canReconcileFundYear, ensureAllowed } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import { fundReconciliation } from '../queries/fund-reconciliation.js';
import { fundYear } from '../queries/fund-year.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { FundParams, FundReconciliationSchema, FundYearSchema, problems } from './schemas.js';

export async function fundRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));

  app.get('/funds/:jurisdiction/:year', {
    schema: {
      summary: 'A fund year\'s ledger: budget, committed, released, disbursed, recovered, available', tags: ['funds'],
      description: 'Who: auditors, and fund staff of the jurisdiction.',
      params: FundParams, response: { 200: FundYearSchema, 400: problems[400], 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => {
    const p = principalOf(request);
    const { jurisdiction, year } = request.params;
    ensureAllowed(canReadFundYear(p, jurisdiction));
    const ledger = fundYear(ctx.runner.store, jurisdiction, year);
    if (!ledger) throw new HttpProblem(404, 'Not Found', `No ledger for ${jurisdiction} ${year}.`, { code: 'fund-year-not-found' });
    return ledger;
  });

  app.get('/funds/:jurisdiction/:year/reconciliation', {
    schema: {
      summary: 'Every claim\'s money against the fund year\'s ledger: the differences', tags: ['funds'],
      description: 'Who: auditors, and fund-admin of the jurisdiction. Each claim whose money belongs to the year, and each claim the ledger '
        + 'holds money for, compared by the one rule of agreement: committed - released = paid + still owed, and the same payments on both sides. '
        + 'An empty list means they agree. The command service\'s reconciler repairs what it can and exports `cfund_ledger_differences`.',
      params: FundParams, response: { 200: FundReconciliationSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request) => {
    const p = principalOf(request);
    const { jurisdiction, year } = request.params;
    ensureAllowed(canReconcileFundYear(p, jurisdiction));
    return fundReconciliation(ctx.runner.store, jurisdiction, year);
  });
}
