/** GET /monitoring/indicators: JSON, or CSV with Accept: text/csv; cells under 5 victims suppressed. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { INDICATORS, SUPPRESSION_THRESHOLD, indicatorsCsv, monitoringIndicators } from '../queries/monitoring.js';
import { notWhileRebuilding, type QueryContext } from './context.js';
import { MonitoringQuery, MonitoringSchema, problems } from './schemas.js';

export async function monitoringRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));

  app.get('/monitoring/indicators', {
    schema: {
      summary: 'Monitoring indicators per jurisdiction and filing year', tags: ['monitoring'],
      description: 'Aggregates only (any authenticated user). A count of 1-4 victims, and any amount, rate or duration computed over fewer '
        + 'than 5 victims, is suppressed (null in JSON, listed in `suppressed`; `suppressed` in CSV). `Accept: text/csv` gives one line per '
        + 'jurisdiction and year. `definitions` says what each indicator counts.',
      querystring: MonitoringQuery, response: { 200: MonitoringSchema, 400: problems[400], 401: problems[401] },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const rows = monitoringIndicators(ctx.runner.store, request.query);
    if ((request.headers.accept ?? '').includes('text/csv')) {
      // Bypass the JSON serializer (and its response schema): the body is CSV.
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="indicators.csv"')
        .serializer((body: unknown) => body as string).send(indicatorsCsv(rows) as never);
    }
    return {
      period: 'filing-year' as const, suppressionThreshold: SUPPRESSION_THRESHOLD,
      definitions: Object.fromEntries(INDICATORS.map(([name, , text]) => [name, text])), rows,
    };
  });
}
