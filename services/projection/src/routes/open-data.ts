/**
 * Open data (MONITORING_OPEN_DATA=true; off by default): the yearly regional dataset and the
 * indicator catalogue without a token, for NGOs, journalists and researchers. Only what the
 * monitoring routes publish: the one regional publication with every disclosure rule applied
 * (monitoring/published.ts, the same figures to the byte), never a table, claim or row of
 * anything else. Served under /open-data/ so a reverse proxy can expose this prefix alone.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { dictionaryCsv, publicationCsv } from '../monitoring/publication.js';
import { catalogueAnswer, monitoringSource } from '../monitoring/published.js';
import { notWhileRebuilding, type QueryContext } from './context.js';
import { CatalogueSchema, MonitoringTablesQuery, PublicationSchema, problems } from './schemas.js';

/** Published figures change only when events arrive: caches may keep them for a few minutes. */
const CACHE = 'public, max-age=300';

const csv = (reply: FastifyReply, filename: string, body: string) => reply.type('text/csv; charset=utf-8')
  .header('cache-control', CACHE).header('content-disposition', `attachment; filename="${filename}"`)
  .serializer((b: unknown) => b as string).send(body as never);

export async function openDataRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', notWhileRebuilding(ctx));
  const { publicationOf } = monitoringSource(ctx);

  app.get('/open-data/monitoring/catalogue', {
    schema: {
      summary: 'Open data: the indicator catalogue (no token)', tags: ['open data'],
      description: 'The same as /monitoring/catalogue, without authentication (MONITORING_OPEN_DATA=true).',
      response: { 200: CatalogueSchema },
    },
  }, async (_request, reply) => {
    reply.header('cache-control', CACHE);
    return catalogueAnswer(ctx.suppressionThreshold);
  });

  app.get('/open-data/monitoring/publication', {
    schema: {
      summary: 'Open data: the yearly regional dataset, JSON or CSV (no token)', tags: ['open data'],
      description: 'The regional publication of a filing year exactly as /monitoring/publication gives it to a regional monitor: every '
        + 'jurisdiction\'s rows and the regional totals, small cells and their complements withheld, `computedFrom` the `$all` position. '
        + '`Accept: text/csv` gives one line per published cell.',
      querystring: MonitoringTablesQuery, response: { 200: PublicationSchema, 400: problems[400] },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const p = await publicationOf(request.query.year);
    if ((request.headers.accept ?? '').includes('text/csv')) return csv(reply, `regional-monitoring-${p.year}.csv`, publicationCsv(p));
    reply.header('cache-control', CACHE);
    return p;
  });

  app.get('/open-data/monitoring/publication/dictionary', {
    schema: {
      summary: 'Open data: the data dictionary of the yearly dataset, CSV (no token)', tags: ['open data'],
      querystring: MonitoringTablesQuery, response: { 400: problems[400] }, produces: ['text/csv'],
    },
  }, async (request, reply) => {
    const p = await publicationOf(request.query.year);
    return csv(reply, `regional-monitoring-${p.year}-dictionary.csv`, dictionaryCsv(p));
  });
}
