/**
 * GET /monitoring/report?year=&format=html|pdf&lang=: the yearly regional report, built from the
 * year's publication only (monitoring/report/), for monitors and auditors. A monitor whose token
 * names some jurisdictions gets their rows and the regional totals, as from the publication.
 * Registered by monitoringRoutes (its authentication and rebuild hooks apply); each answer is
 * kept until the read model changes (monitoring/memo.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canReadMonitoringReport, ensureAllowed, seesOnlyAggregates, type Principal } from '@cfund/domain';
import { memoized } from '../monitoring/memo.js';
import type { Publication } from '../monitoring/publication.js';
import { renderReport } from '../monitoring/report/index.js';
import { REPORT_LOCALES } from '../monitoring/report/messages.js';
import { principalOf, type QueryContext } from './context.js';
import { MonitoringTablesQuery, problems } from './schemas.js';

export const MonitoringReportQuery = MonitoringTablesQuery.extend({
  format: z.enum(['html', 'pdf']).default('html').describe('html: one self-contained page (inline SVG, no script); pdf: A4 with the same content'),
  lang: z.enum(REPORT_LOCALES).default('en').describe('The language of the report\'s texts: every locale of the fund (en, sr-Latn, sr-Cyrl, bs, cnr, hr, sq, mk)'),
}).strict();

type Scoping = (tables: Publication['tables'], principal: Principal) => Partial<Publication['tables']>;

export async function monitoringReportRoute(appIn: FastifyInstance, ctx: QueryContext, publicationOf: (year: number) => Promise<Publication>, inScope: Scoping): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.get('/monitoring/report', {
    config: { aggregates: true },
    schema: {
      summary: 'The yearly regional report, HTML or PDF', tags: ['monitoring'],
      description: 'The published tables of a filing year with charts comparing jurisdictions (rendered on the server as SVG), withheld '
        + 'cells shown as withheld, the catalogue\'s definitions, the reference rates used and the `$all` position the publication was '
        + 'computed from: the same position gives the same bytes. Monitors and auditors; a monitor whose token names some jurisdictions '
        + 'gets their rows and the regional totals.',
      querystring: MonitoringReportQuery, response: { 400: problems[400], 401: problems[401], 403: problems[403] },
      produces: ['text/html', 'application/pdf'],
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    ensureAllowed(canReadMonitoringReport(principal));
    const { year, format, lang } = request.query;
    const scope = seesOnlyAggregates(principal) ? [...principal.jurisdictions].sort() : 'all' as const;
    const body = await memoized(ctx.runner.store, `report:${year}:${format}:${lang}:${scope === 'all' ? '*' : scope.join(',')}`, async () => {
      const p = await publicationOf(year);
      return renderReport({ ...p, tables: { ...p.tables, ...inScope(p.tables, principal) } }, format, lang, scope);
    });
    const name = `regional-monitoring-report-${year}.${format}`;
    return reply.type(format === 'pdf' ? 'application/pdf' : 'text/html; charset=utf-8')
      .header('content-disposition', `${format === 'pdf' ? 'attachment' : 'inline'}; filename="${name}"`)
      .serializer((b: unknown) => b as never).send(body as never);
  });
}
