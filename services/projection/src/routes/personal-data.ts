/**
 * GET /claims/{id}/personal-data (recorded), GET /claims/{id}/access-log and GET /personal-data-reads
 * (auditors; the dpo within their jurisdictions). Who may do what: @cfund/domain's authorization.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { EncryptedPersonalDataSchema, type EncryptedPersonalData, type Jurisdiction } from '@cfund/contracts';
import { accessLogScope, canReadAccessLog, canReadPersonalData, ensureAllowed } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import { ERASED, accessLog, decryptPersonalData, recordAccess } from '../personal-data/access.js';
import { claimRow, notFound, readableClaim } from '../queries/claims.js';
import { claimAccessOf } from '../queries/visibility.js';
import type { ClaimDetailView } from '../read-model/claim-detail.js';
import type { ClaimFacts } from '../read-model/claim-facts.js';
import { personalDataReads } from '../queries/personal-data-reads.js';
import { keptFold } from '../queries/replay.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { AccessLogSchema, ClaimParams, InformationRequestTextsSchema, PersonalDataAnswerSchema, ReadsQuery, ReadsSchema, RequestParams, problems } from './schemas.js';

export async function personalDataRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));

  /**
   * The filed data with the preferred language in force: one set after filing (PreferredLanguageSet)
   * is in the claim's kept fold, encrypted like the filed data. Without a fold in the current shape
   * (before the claim's next event after a change of the decider's state) the filed one stands:
   * claims of before have no language set later.
   */
  async function withLanguageInForce(victimRef: string, claimId: string, filed: EncryptedPersonalData, data: Record<string, unknown>): Promise<unknown> {
    const inForce = keptFold(ctx.runner.store, claimId)?.state.preferredLanguage;
    if (!inForce || inForce.ciphertext === filed.ciphertext) return data;
    const set = await decryptPersonalData(ctx, victimRef, inForce);
    if (set === ERASED) return ERASED;
    const { preferredLanguage: _filed, ...rest } = data;
    const language = (set as { preferredLanguage?: string | null }).preferredLanguage;
    return language ? { ...rest, preferredLanguage: language } : rest;
  }

  app.get('/claims/:id/personal-data', {
    schema: {
      summary: 'The victim\'s personal data (every read is recorded)', tags: ['personal data'],
      description: 'Who: the claim\'s lawyer, and fund-assessor, fund-approver or fund-finance of the claim\'s jurisdiction; not auditors, '
        + 'fund-admin or the dpo. Each disclosure is first recorded as PersonalDataAccessed in the event store (stream access-<claimId>); '
        + 'after erasure the answer is "[erased]" and nothing is recorded.',
      params: ClaimParams, response: { 200: PersonalDataAnswerSchema, 401: problems[401], 403: problems[403], 404: problems[404], 503: problems[503] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { id } = request.params;
    reply.header('cache-control', 'no-store');
    const row = readableClaim(ctx.runner.store, principal, id); // 404 also for a claim the caller may not see
    if (!row.victim_ref || !row.personal_data) throw notFound(id);
    const allowed = canReadPersonalData(principal, claimAccessOf(ctx.runner.store, id, row.jurisdiction));
    if (!allowed.allowed) {
      ctx.metrics.personalDataReads.inc({ outcome: 'denied' });
      throw allowed.error;
    }
    const answer = { claimId: id, victimRef: row.victim_ref };
    if ((JSON.parse(row.detail) as ClaimDetailView).personalDataErased) {
      ctx.metrics.personalDataReads.inc({ outcome: 'erased' });
      return { ...answer, personalData: ERASED };
    }
    const filed = EncryptedPersonalDataSchema.parse(JSON.parse(row.personal_data));
    const filedValue = await decryptPersonalData(ctx, row.victim_ref, filed);
    const value = filedValue === ERASED ? ERASED : await withLanguageInForce(row.victim_ref, id, filed, filedValue as Record<string, unknown>);
    if (value === ERASED) {
      ctx.metrics.personalDataReads.inc({ outcome: 'erased' });
      return { ...answer, personalData: ERASED };
    }
    try {
      await recordAccess(ctx.client, ctx.chainSigner, { claimId: id, victimRef: row.victim_ref, principal, at: ctx.now().toISOString(), purpose: 'claim-personal-data' });
    } catch (error) {
      request.log.error({ err: error }, 'could not record a read of personal data: not disclosed');
      throw new HttpProblem(503, 'Service Unavailable', 'The read could not be recorded, so the data is not shown; retry shortly.', { code: 'access-not-recorded' });
    }
    ctx.metrics.personalDataReads.inc({ outcome: 'disclosed' });
    return { ...answer, personalData: value as never };
  });

  app.get('/claims/:id/information-requests/:n', {
    schema: {
      summary: 'A request for information with its question and answer (every read is recorded)', tags: ['personal data'],
      description: 'Who: as for the victim\'s personal data (the claim\'s lawyers; fund-assessor, fund-approver or fund-finance of the jurisdiction): '
        + 'the texts may name the victim and are stored encrypted with the victim\'s data key. Each read is recorded as PersonalDataAccessed '
        + '(purpose `information-request`); after erasure the texts are "[erased]" and nothing is recorded.',
      params: RequestParams, response: { 200: InformationRequestTextsSchema, 401: problems[401], 403: problems[403], 404: problems[404], 503: problems[503] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { id, n } = request.params;
    reply.header('cache-control', 'no-store');
    const row = readableClaim(ctx.runner.store, principal, id);
    const asked = (JSON.parse(row.facts) as ClaimFacts).informationRequests.find((r) => r.request === n);
    if (!row.victim_ref || !asked) throw new HttpProblem(404, 'Not Found', `Claim ${id} has no request for information ${n}.`, { code: 'request-not-found' });
    ensureAllowed(canReadPersonalData(principal, claimAccessOf(ctx.runner.store, id, row.jurisdiction)));
    const open = async (envelope: EncryptedPersonalData, field: 'question' | 'answer'): Promise<string> => {
      const value = await decryptPersonalData(ctx, row.victim_ref!, envelope);
      return value === ERASED ? ERASED : String((value as Record<string, unknown>)[field]);
    };
    const question = await open(asked.question, 'question');
    const answer = asked.answer ? await open(asked.answer, 'answer') : null;
    const texts = { claimId: id, request: n, status: asked.status, dueOn: asked.dueOn, question, answer, documentIds: asked.documentIds };
    if (question === ERASED) return texts;
    try {
      await recordAccess(ctx.client, ctx.chainSigner, { claimId: id, victimRef: row.victim_ref, principal, at: ctx.now().toISOString(), purpose: 'information-request' });
    } catch (error) {
      request.log.error({ err: error }, 'could not record a read of personal data: not disclosed');
      throw new HttpProblem(503, 'Service Unavailable', 'The read could not be recorded, so the texts are not shown; retry shortly.', { code: 'access-not-recorded' });
    }
    return texts;
  });

  app.get('/claims/:id/access-log', {
    schema: {
      summary: 'Who read this victim\'s personal data, and when', tags: ['personal data'],
      description: 'Who: auditors, and the dpo of the claim\'s jurisdiction. Read from the event store (stream access-<claimId>), oldest first.',
      params: ClaimParams, response: { 200: AccessLogSchema, 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => {
    const p = principalOf(request);
    ensureAllowed(accessLogScope(p)); // the role first: others learn nothing of which claims exist
    const row = claimRow(ctx.runner.store, request.params.id);
    if (!row) throw notFound(request.params.id);
    ensureAllowed(canReadAccessLog(p, { jurisdiction: row.jurisdiction as Jurisdiction }));
    return { claimId: request.params.id, reads: await accessLog(ctx.client, request.params.id) };
  });

  app.get('/personal-data-reads', {
    schema: {
      summary: 'Every recorded read of victims\' personal data, newest first', tags: ['personal data'],
      description: 'Who: auditors (every claim) and the dpo (the claims of their jurisdictions). Who saw whose data, across claims: filter by reader (`accessedBy`), claim or period. '
        + 'Built from the PersonalDataAccessed events (streams access-<claimId>); the data itself is never shown.',
      querystring: ReadsQuery, response: { 200: ReadsSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request) => {
    const scope = accessLogScope(principalOf(request));
    if (!scope.allowed) throw scope.error;
    const q = request.query;
    const found = personalDataReads(ctx.runner.store, {
      limit: q.limit, offset: q.offset,
      ...(scope.jurisdictions === 'all' ? {} : { jurisdictions: scope.jurisdictions }),
      ...(q.accessedBy !== undefined ? { accessedBy: q.accessedBy } : {}),
      ...(q.claimId !== undefined ? { claimId: q.claimId } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
    });
    return { ...found, limit: q.limit, offset: q.offset };
  });
}
