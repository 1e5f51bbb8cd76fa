/**
 * The monitoring routes: published aggregates only, so they are the routes a `monitor` token may
 * use (`config: { aggregates: true }`); any authenticated user may read them.
 * - GET /monitoring/indicators: JSON, or CSV with Accept: text/csv; small cells withheld.
 * - GET /monitoring/catalogue: what the published tables contain.
 * - GET /monitoring/tables?year=: the year's regional tables with complementary suppression.
 * - GET /monitoring/publication?year= (and /dictionary): the yearly regional dataset, JSON or CSV, with its `$all` position.
 * - GET /monitoring/report?year=&format=html|pdf: the yearly regional report (monitoring-report.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { seesOnlyAggregates, type Principal } from '@cfund/domain';
import { memoized } from '../monitoring/memo.js';
import { dictionaryCsv, publicationCsv } from '../monitoring/publication.js';
import { catalogueAnswer, monitoringSource } from '../monitoring/published.js';
import type { MonitoringTables } from '../monitoring/tables.js';
import { monitoringIndicators } from '../monitoring/indicators.js';
import { INDICATORS, indicatorsCsv } from '../queries/monitoring.js';
import { monitoringReportRoute } from './monitoring-report.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { CatalogueSchema, MonitoringQuery, MonitoringSchema, MonitoringTablesQuery, MonitoringTablesSchema, PublicationSchema, problems } from './schemas.js';

export async function monitoringRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));
  const aggregates = { aggregates: true };
  /** A year's tables, computed once per state of the read model (monitoring/memo.ts). */
  const { tablesOf, publicationOf } = monitoringSource(ctx);

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
    const { jurisdiction, from, to } = request.query;
    const rows = (await memoized(ctx.runner.store, `indicators:${jurisdiction ?? ''}:${from ?? ''}:${to ?? ''}`,
      () => monitoringIndicators(ctx.runner.store, { jurisdiction, from, to }, ctx.suppressionThreshold)))
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
  }, async () => catalogueAnswer(ctx.suppressionThreshold));

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
    const tables = await tablesOf(request.query.year);
    return { ...tables, ...inScope(tables, principalOf(request)) };
  });

  app.get('/monitoring/publication', {
    config: aggregates,
    schema: {
      summary: 'The yearly regional dataset, JSON or CSV', tags: ['monitoring'],
      description: 'The published tables of a filing year with a data dictionary and `computedFrom`, the `$all` position of the newest event '
        + 'the read model had applied: a read model rebuilt to the same position gives the same bytes. `Accept: text/csv` gives one line per '
        + 'published cell (totals included); /monitoring/publication/dictionary gives the dictionary as CSV. A monitor whose token names some '
        + 'jurisdictions gets their rows and the regional totals.',
      querystring: MonitoringTablesQuery, response: { 200: PublicationSchema, 400: problems[400], 401: problems[401] },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const p = await publicationOf(request.query.year);
    const scoped = { ...p, tables: { ...p.tables, ...inScope(p.tables, principalOf(request)) } };
    if ((request.headers.accept ?? '').includes('text/csv')) {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="regional-monitoring-${p.year}.csv"`)
        .serializer((body: unknown) => body as string).send(publicationCsv(scoped) as never);
    }
    return scoped;
  });

  await monitoringReportRoute(app, ctx, publicationOf, inScope);

  app.get('/monitoring/publication/dictionary', {
    config: aggregates,
    schema: {
      summary: 'The data dictionary of the yearly regional dataset, CSV', tags: ['monitoring'],
      description: 'One line per table: its unit, what a row is, its columns and the definitions of its indicators.',
      querystring: MonitoringTablesQuery, response: { 400: problems[400], 401: problems[401] }, produces: ['text/csv'],
    },
  }, async (request, reply) => {
    const p = await publicationOf(request.query.year);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="regional-monitoring-${p.year}-dictionary.csv"`)
      .serializer((body: unknown) => body as string).send(dictionaryCsv(p) as never);
  });
}

type PerJurisdiction = Pick<MonitoringTables, 'claims' | 'amounts' | 'recoveries' | 'budget' | 'appeals' | 'durations' | 'timeLimit' | 'victims'>;

/**
 * The tables a caller gets: a monitor whose token names some jurisdictions sees their rows of the
 * one regional publication and its regional totals (never tables computed for its scope: two
 * could be subtracted); everyone else, every row.
 */
export function inScope(tables: PerJurisdiction, principal: Principal): PerJurisdiction {
  if (!seesOnlyAggregates(principal)) return tables;
  const mine = (row: { jurisdiction: string }) => (principal.jurisdictions as readonly string[]).includes(row.jurisdiction);
  return {
    claims: { ...tables.claims, rows: tables.claims.rows.filter(mine) },
    amounts: tables.amounts && { ...tables.amounts, rows: tables.amounts.rows.filter(mine) },
    recoveries: tables.recoveries && { ...tables.recoveries, rows: tables.recoveries.rows.filter(mine) },
    budget: tables.budget && { ...tables.budget, rows: tables.budget.rows.filter(mine) },
    appeals: { ...tables.appeals, rows: tables.appeals.rows.filter(mine) },
    durations: { ...tables.durations, rows: tables.durations.rows.filter(mine) },
    timeLimit: { ...tables.timeLimit, rows: tables.timeLimit.rows.filter(mine) },
    victims: { sex: { ...tables.victims.sex, rows: tables.victims.sex.rows.filter(mine) }, age: { ...tables.victims.age, rows: tables.victims.age.rows.filter(mine) } },
  };
}
