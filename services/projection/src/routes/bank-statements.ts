/**
 * GET /bank-statements: the imported bank statements of the caller's jurisdictions, newest first, a
 * page at a time (from the read model's `bank_statements`), for finance officers, fund admins and
 * auditors.
 *
 * GET /bank-statements/{id}: an imported bank statement, for a finance officer or fund admin of its
 * jurisdiction, or an auditor: each entry's outcome (paid, returned, unmatched with the reason, not booked), and
 * what a person said of the unmatched ones. Read from the statement's own stream (it holds no
 * personal data: references, amounts, dates and reason codes only).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bankStatementStream } from '@cfund/contracts';
import { bankStatementDecider, canReadPaymentRecord, ensureAllowed, paymentListScope, statementComplete } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import { bankStatements } from '../queries/payment-lists.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { foldStream } from './own-stream.js';
import { BankStatementListSchema, BankStatementsQuery, problems } from './schemas.js';

const notFound = () => new HttpProblem(404, 'Not Found', 'There is no such bank statement.', { code: 'bank-statement-not-found' });

export async function bankStatementRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.get('/bank-statements', {
    onRequest: notWhileRebuilding(ctx),
    schema: {
      summary: 'Imported bank statements, newest first', tags: ['payment runs'],
      description: 'Who: fund-finance, fund-admin and auditors, of their jurisdictions only (403 otherwise, and for a `jurisdiction` not theirs). '
        + 'Newest import first, with each statement\'s counts and how many unmatched entries wait for a person. Open one at /bank-statements/{id}.',
      querystring: BankStatementsQuery, response: { 200: BankStatementListSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request, reply) => {
    const { jurisdiction, state, offset, limit } = request.query;
    const scope = paymentListScope(principalOf(request), jurisdiction);
    ensureAllowed(scope);
    const jurisdictions = scope.allowed && scope.jurisdictions !== 'all' ? scope.jurisdictions : [];
    return reply.header('cache-control', 'no-store').send(bankStatements(ctx.runner.store, jurisdictions, { state, offset, limit }));
  });

  app.get('/bank-statements/:id', {
    schema: {
      summary: 'An imported bank statement: each entry\'s outcome, and the unmatched ones to resolve', tags: ['payment runs'],
      description: 'Who: fund-finance or fund-admin of the statement\'s jurisdiction, or an auditor. `complete` is false while an import a crash cut short waits to be finished (import the same file again).',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) }),
      response: { 200: z.unknown(), 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const s = await foldStream(ctx, bankStatementStream(request.params.id), bankStatementDecider);
    if (s.status === 'none') throw notFound();
    if (!canReadPaymentRecord(principal, s.jurisdiction!).allowed) throw notFound();
    const entries = s.entries.map((e) => (s.resolved[e.entry] ? { ...e, resolution: s.resolved[e.entry] } : e));
    return reply.header('cache-control', 'no-store').send({
      statementId: s.statementId, jurisdiction: s.jurisdiction, complete: statementComplete(s), entryCount: s.entryCount,
      unresolved: entries.filter((e) => e.outcome === 'unmatched' && !s.resolved[e.entry]).length, entries,
    });
  });
}
