/**
 * GET /payment-runs: the payment runs of the caller's jurisdictions, newest first, a page at a time
 * (from the read model's `payment_runs`), for finance officers, fund admins and auditors.
 *
 * GET /payment-runs/{id}: a payment run as its stream tells it, for a finance officer or fund admin
 * of its jurisdiction or an auditor: its payments (public reference, amount, end-to-end id, payee kind and
 * masked account, who approved its award; never the payee's name or account), those voided before the release with who,
 * when and why, and what it pays.
 *
 * GET /payment-runs/{id}/pain.001: the bank file of a released payment run, for a finance officer
 * of its jurisdiction. Produced again on each download from the run's events and the payees'
 * encrypted details (the plaintext file is never stored), checked against the SHA-256 recorded at
 * release, and served only once every claim's read of its payee is recorded (purpose
 * `payment-file`), like any read of personal data.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { paymentRunStream, type PayeeDetails } from '@cfund/contracts';
import { DomainError, canActAsFundStaff, canReadPaymentRecord, ensureAllowed, pain001, paymentListScope, paymentRunDecider, paymentsOfRun } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import { ERASED, decryptPersonalData, recordAccess } from '../personal-data/access.js';
import { paymentOutcomesOfRun, paymentRuns } from '../queries/payment-lists.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { foldStream } from './own-stream.js';
import { PaymentRunListSchema, PaymentRunsQuery, problems } from './schemas.js';

const RunParams = z.object({ id: z.uuid() });

const noSuchRun = () => new HttpProblem(404, 'Not Found', 'There is no such payment run.', { code: 'payment-run-not-found' });

export async function paymentRunRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.get('/payment-runs', {
    onRequest: notWhileRebuilding(ctx),
    schema: {
      summary: 'Payment runs, newest first', tags: ['payment runs'],
      description: 'Who: fund-finance, fund-admin and auditors, of their jurisdictions only (403 otherwise, and for a `jurisdiction` not theirs). '
        + 'Newest prepared first; `total` of a run is what it pays (its payments less those voided). Open one at /payment-runs/{id}.',
      querystring: PaymentRunsQuery, response: { 200: PaymentRunListSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request, reply) => {
    const { jurisdiction, status, offset, limit } = request.query;
    const scope = paymentListScope(principalOf(request), jurisdiction);
    ensureAllowed(scope);
    const jurisdictions = scope.allowed && scope.jurisdictions !== 'all' ? scope.jurisdictions : [];
    return reply.header('cache-control', 'no-store').send(paymentRuns(ctx.runner.store, jurisdictions, { status, offset, limit }));
  });

  app.get('/payment-runs/:id', {
    schema: {
      summary: 'A payment run: its payments, those voided and why, and its total', tags: ['payment runs'],
      description: 'Who: fund-finance or fund-admin of the run\'s jurisdiction, or an auditor. `total` is what the run pays: its payments less those voided '
        + '(each voided one shows `voided`: by, at, reason). `bankOutcome` of each payment: `paid` once a statement booked it, `returned` once the bank '
        + 'returned or rejected it (the claim shows it failed, with the bank\'s reason, and a new run can pay it), null before any statement told of it.',
      params: RunParams, response: { 200: z.unknown(), 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const run = await foldStream(ctx, paymentRunStream(request.params.id), paymentRunDecider);
    if (run.status === 'none') throw noSuchRun();
    if (!canReadPaymentRecord(principal, run.jurisdiction!).allowed) throw noSuchRun();
    // What the bank did with each payment, once a statement told (the claims record it; a returned one can be paid by a new run).
    const outcomes = run.released ? paymentOutcomesOfRun(ctx.runner.store, run.runId!) : new Map<string, 'paid' | 'returned'>();
    // `deciders` (who approved the award paid): the console checks the release's four-eyes rule with them before offering it.
    const payments = run.items.map(({ claimId, publicReference, payment, amount, endToEndId, payeeKind, maskedAccount, deciders }) => ({
      claimId, publicReference, payment, amount, endToEndId, payeeKind, maskedAccount, deciders, ...(run.voided[endToEndId] ? { voided: run.voided[endToEndId] } : {}),
      bankOutcome: outcomes.get(endToEndId) ?? null,
    }));
    const released = run.released && { by: run.released.by, at: run.released.at, messageId: run.released.messageId, fileSha256: run.released.fileSha256 };
    return reply.header('cache-control', 'no-store').send({
      runId: run.runId, jurisdiction: run.jurisdiction, status: run.status, executionOn: run.executionOn, preparedBy: run.preparedBy, preparedAt: run.preparedAt,
      total: run.total, payable: paymentsOfRun(run).length, payments, ...(released ? { released } : {}),
    });
  });

  app.get('/payment-runs/:id/pain.001', {
    schema: {
      summary: 'The bank file of a released payment run (ISO 20022 pain.001.001.09)', tags: ['payment runs'],
      description: 'Who: fund-finance of the run\'s jurisdiction. Each download records a read of every payee\'s details (purpose payment-file). '
        + '409 payment-run-not-released before the release; 409 personal-data-erased when a payee\'s details were erased since.',
      params: RunParams, response: { 200: z.unknown().describe('the XML file, application/xml'), 401: problems[401], 403: problems[403], 404: problems[404], 503: problems[503] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const run = await foldStream(ctx, paymentRunStream(request.params.id), paymentRunDecider);
    if (run.status === 'none') throw noSuchRun();
    const allowed = canActAsFundStaff(principal, run.jurisdiction!, 'fund-finance');
    if (!allowed.allowed) throw allowed.error.kind === 'authorization' && principal.jurisdictions.includes(run.jurisdiction!) ? allowed.error : noSuchRun();
    if (!run.released) throw new DomainError('payment-run-not-released', 'The run is not released: its bank file exists only once a second finance officer releases it.');
    const items = paymentsOfRun(run);
    const payees: PayeeDetails[] = [];
    for (const item of items) {
      const value = await decryptPersonalData(ctx, item.victimRef, item.payeeDetails);
      if (value === ERASED) throw new DomainError('personal-data-erased', `The payee of ${item.publicReference} was erased with the victim's data: the file cannot be produced again.`);
      payees.push(value as PayeeDetails);
    }
    const { messageId, at, debtor, fileSha256 } = run.released;
    const file = pain001({ messageId, createdAt: at, runId: run.runId!, executionOn: run.executionOn!, debtor, items, payees });
    if (createHash('sha256').update(file, 'utf8').digest('hex') !== fileSha256) {
      request.log.error({ runId: run.runId }, 'a payment run\'s file does not match the digest recorded at its release');
      throw new HttpProblem(500, 'Internal Server Error', 'The file produced now differs from the one released: it is not served.', { code: 'payment-file-mismatch' });
    }
    try {
      const now = ctx.now().toISOString();
      for (const item of items) {
        await recordAccess(ctx.client, ctx.chainSigner, { claimId: item.claimId, victimRef: item.victimRef, principal, at: now, purpose: 'payment-file' });
      }
    } catch (error) {
      request.log.error({ err: error }, 'could not record a read of a payment file: not served');
      throw new HttpProblem(503, 'Service Unavailable', 'The read could not be recorded, so the file is not served; retry shortly.', { code: 'access-not-recorded' });
    }
    return reply.header('cache-control', 'no-store').header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${messageId}.xml"`).send(Buffer.from(file, 'utf8'));
  });
}
