/**
 * The monitoring routes: published aggregates only, so they are the routes a `monitor` token may
 * use (`config: { aggregates: true }`); any authenticated user may read them.
 * - GET /monitoring/indicators: JSON, or CSV with Accept: text/csv; small cells withheld.
 * - GET /monitoring/catalogue: what the published tables contain.
 * - GET /monitoring/tables?year=: the year's regional tables with complementary suppression.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { seesOnlyAggregates } from '@cfund/domain';
import { CATALOGUE } from '../monitoring/catalogue.js';
import { monitoringTables } from '../monitoring/tables.js';
import { VictimProfiles } from '../monitoring/victim-profiles.js';
import { INDICATORS, indicatorsCsv, monitoringIndicators } from '../queries/monitoring.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { CatalogueSchema, MonitoringQuery, MonitoringSchema, MonitoringTablesQuery, MonitoringTablesSchema, problems } from './schemas.js';

export async function monitoringRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));
  const aggregates = { aggregates: true };

  app.get('/monitoring/indicators', {
    config: aggregates,
    schema: {
      summary: 'Monitoring indicators per jurisdiction and filing year', tags: ['monitoring'],
      description: 'Aggregates only (any authenticated user; a monitor, the jurisdictions of its token). A count under the suppression threshold '
        + '(MONITORING_SUPPRESSION_THRESHOLD, default 5), and any amount, rate or duration computed over fewer victims, is suppressed '
        + '(null in JSON, listed in `suppressed`; `suppressed` in CSV). Primary suppression only: /monitoring/tables is the publication. '
        + '`Accept: text/csv` gives one line per jurisdiction and year. `definitions` says what each indicator counts.',
      querystring: MonitoringQuery, response: { 200: MonitoringSchema, 400: problems[400], 401: problems[401] },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const rows = monitoringIndicators(ctx.runner.store, request.query, ctx.suppressionThreshold)
      .filter((row) => !seesOnlyAggregates(principal) || (principal.jurisdictions as readonly string[]).includes(row.jurisdiction));
    if ((request.headers.accept ?? '').includes('text/csv')) {
      // Bypass the JSON serializer (and its response schema): the body is CSV.
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="indicators.csv"')
        .serializer((body: unknown) => body as string).send(indicatorsCsv(rows) as never);
    }
    return {
      period: 'filing-year' as const, suppressionThreshold: ctx.suppressionThreshold,
      definitions: Object.fromEntries(INDICATORS.map(([name, , text]) => [name, text])), rows,
    };
  });

  app.get('/monitoring/catalogue', {
    config: aggregates,
    schema: {
      summary: 'The indicator catalogue of the published tables', tags: ['monitoring'],
      description: 'For each indicator: id, name, definition, unit, the table that publishes it, the events it is computed from and its breakdowns.',
      response: { 200: CatalogueSchema, 401: problems[401] },
    },
  }, async () => ({ suppressionThreshold: ctx.suppressionThreshold, indicators: CATALOGUE.map((i) => ({ ...i, events: [...i.events], disaggregations: [...i.disaggregations] })) }));

  app.get('/monitoring/tables', {
    config: aggregates,
    schema: {
      summary: 'The published tables of a filing year, per jurisdiction', tags: ['monitoring'],
      description: 'Claims by fund outcome (row totals: claims filed) and amounts in EUR at the year\'s reference rate with the original '
        + 'currency alongside. Small cells are withheld, and further cells (complementary suppression) so that no withheld cell can be '
        + 'worked out from the published cells and totals. A monitor whose token names some jurisdictions sees their rows and the regional totals.',
      querystring: MonitoringTablesQuery, response: { 200: MonitoringTablesSchema, 400: problems[400], 401: problems[401] },
    },
  }, async (request) => {
    const tables = await monitoringTables(ctx.runner.store, request.query.year, ctx.suppressionThreshold, new VictimProfiles(ctx.keyStore, ctx.masterKey));
    const principal = principalOf(request);
    if (!seesOnlyAggregates(principal)) return tables;
    const mine = (row: { jurisdiction: string }) => (principal.jurisdictions as readonly string[]).includes(row.jurisdiction);
    return {
      ...tables,
      claims: { ...tables.claims, rows: tables.claims.rows.filter(mine) },
      amounts: tables.amounts && { ...tables.amounts, rows: tables.amounts.rows.filter(mine) },
      recoveries: tables.recoveries && { ...tables.recoveries, rows: tables.recoveries.rows.filter(mine) },
      appeals: { ...tables.appeals, rows: tables.appeals.rows.filter(mine) },
      durations: { ...tables.durations, rows: tables.durations.rows.filter(mine) },
      victims: { sex: { ...tables.victims.sex, rows: tables.victims.sex.rows.filter(mine) }, age: { ...tables.victims.age, rows: tables.victims.age.rows.filter(mine) } },
    };
  });
}
