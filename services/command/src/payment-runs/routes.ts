/**
 * POST /payment-runs, /payment-runs/{id}/release, /payment-runs/{id}/cancellation,
 * /payment-runs/{id}/voided-payments: a finance officer's payment runs. The bank file is
 * downloaded from the projection service.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CommandBodies, ProblemSchema } from '@cfund/contracts';
import { deterministicUuid } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import type { CommandContext } from '../command-service.js';
import { EXAMPLES, withExample } from '../routes/examples.js';
import type { PaymentRuns } from './payment-runs.js';

const RunParams = z.object({ id: z.uuid() });
const problems = {
  400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema.describe('Not a finance officer of the jurisdiction; four-eyes'),
  404: ProblemSchema, 409: ProblemSchema.describe('Refused by a rule (`code` names it)'),
};
const RunResult = z.object({ runId: z.uuid(), revision: z.number().int(), events: z.array(z.string()) }).loose();

export async function paymentRunRoutes(appIn: FastifyInstance, options: { runs: PaymentRuns }): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  const ctxOf = (request: FastifyRequest): CommandContext => {
    if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'Not authenticated.');
    return { principal: request.principal, correlationId: request.id };
  };

  app.post('/payment-runs', {
    schema: {
      summary: 'Prepare a payment run: instalments due and approved advances, for one jurisdiction and execution date', tags: ['payment runs'],
      description: 'Who: fund-finance of the jurisdiction. Each payment is checked as its claim would (a payee in force and no change waiting; '
        + 'due by the execution date; not paid, not in another run), then the run is written and each payment queued on its claim: from then on it '
        + 'is paid only by the run. With an Idempotency-Key the run id follows from it: a retry after a crash finishes the same run.',
      body: withExample(CommandBodies.preparePaymentRun, EXAMPLES.preparePaymentRun), response: { 201: RunResult, ...problems },
    },
  }, async (request, reply) => {
    const ctx = ctxOf(request);
    const key = request.headers['idempotency-key'];
    const runId = typeof key === 'string' && key.length > 0 ? deterministicUuid('payment-run', ctx.principal.sub, key) : randomUUID();
    const result = await options.runs.prepare(ctx, runId, request.body);
    reply.code(201).header('location', `/payment-runs/${runId}`);
    return result;
  });

  app.post('/payment-runs/:id/release', {
    schema: {
      summary: 'Release a payment run to the bank', tags: ['payment runs'],
      description: 'Who: fund-finance of the jurisdiction who did not prepare the run and approved no award or advance in it (403 four-eyes). '
        + 'Records the SHA-256 of the pain.001 file, which the projection service serves at `/payment-runs/{id}/pain.001`.',
      params: RunParams, body: withExample(CommandBodies.releasePaymentRun, EXAMPLES.releasePaymentRun), response: { 200: RunResult, ...problems },
    },
  }, async (request) => options.runs.release(ctxOf(request), request.params.id));

  app.post('/payment-runs/:id/cancellation', {
    schema: {
      summary: 'Cancel a payment run before its release (its payments can be paid again)', tags: ['payment runs'],
      description: 'Who: fund-finance of the jurisdiction. A released run is the bank\'s: 409 run-released.',
      params: RunParams, body: withExample(CommandBodies.cancelPaymentRun, EXAMPLES.cancelPaymentRun), response: { 200: RunResult, ...problems },
    },
  }, async (request) => options.runs.cancel(ctxOf(request), request.params.id, request.body.reason));

  app.post('/payment-runs/:id/voided-payments', {
    schema: {
      summary: 'Void one payment of a payment run before its release (it can be paid again, in a later run)', tags: ['payment runs'],
      description: 'Who: fund-finance of the jurisdiction. The run no longer pays it (its total shrinks, the bank file leaves it out), and the '
        + 'payment leaves its claim\'s queue (PaymentUnqueued `voided`): a later run pays it under a new end-to-end id. Voiding it again finishes '
        + 'what a crash left. 409 run-released (the bank has it), run-cancelled, payment-not-in-run, last-payment (cancel the run instead).',
      params: RunParams, body: withExample(CommandBodies.voidPayment, EXAMPLES.voidPayment), response: { 200: RunResult, ...problems },
    },
  }, async (request) => options.runs.voidPayment(ctxOf(request), request.params.id, request.body));
}
