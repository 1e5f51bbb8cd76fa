/** GET /claims, /claims/{id}, /claims/{id}/history, /claims/{id}/state, /claims/{id}/integrity. */
import type { FastifyInstance } from 'fastify';
import { claimStream } from '@cfund/contracts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { verifyStream } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import { claimDetail, claimHistory, listClaims, readableClaim } from '../queries/claims.js';
import { ClaimReplayer, appliedEvents, keptFold } from '../queries/replay.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { ClaimDetailSchema, ClaimListSchema, ClaimParams, HistorySchema, IntegritySchema, ListQuery, StateQuery, StateSchema, problems } from './schemas.js';

export async function claimRoutes(appIn: FastifyInstance, ctx: QueryContext): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));
  const store = () => ctx.runner.store;
  // From what the read model holds of the claim: the projector's kept fold and applied events (replay.ts).
  const replayer = new ClaimReplayer(ctx.client, undefined, (claimId) => keptFold(store(), claimId), (claimId, upTo) => appliedEvents(store(), claimId, upTo));

  app.get('/claims', {
    schema: {
      summary: 'List the claims you may see', tags: ['claims'],
      description: 'Filters: status, jurisdiction, text (claim id, public reference, lawyer, court, case number). A lawyer sees the claims they filed, '
        + 'fund staff the claims of their jurisdictions, auditors every claim. Newest filings first, or oldest first with `sort=oldest`.',
      querystring: ListQuery, response: { 200: ClaimListSchema, 400: problems[400], 401: problems[401], 403: problems[403] },
    },
  }, async (request) => listClaims(store(), principalOf(request), request.query));

  app.get('/claims/:id', {
    schema: {
      summary: 'A claim: status, money by head, awarded / paid / outstanding, deadlines', tags: ['claims'],
      description: 'Personal data is not part of this answer: read it at `personalData.href` (recorded).',
      params: ClaimParams, response: { 200: ClaimDetailSchema, 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => claimDetail(readableClaim(store(), principalOf(request), request.params.id)));

  app.get('/claims/:id/history', {
    schema: {
      summary: 'Every event of the claim: type, time, actor, revision, hash', tags: ['claims'],
      params: ClaimParams, response: { 200: HistorySchema, 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => {
    readableClaim(store(), principalOf(request), request.params.id);
    return { claimId: request.params.id, events: claimHistory(store(), request.params.id) };
  });

  app.get('/claims/:id/state', {
    schema: {
      summary: 'The claim\'s state as of an instant or a revision, replayed from the event store', tags: ['claims'],
      description: 'Folds the claim\'s events from EventStoreDB with the domain\'s evolve, up to `asOf` (events at or before it, '
        + 'stopping at the first later one) or up to `revision`; without either, the current state. `revision` is null when the '
        + 'claim did not exist yet at that instant; a `revision` the claim has not reached is 404 `revision-not-found`.',
      params: ClaimParams, querystring: StateQuery,
      response: { 200: StateSchema, 400: problems[400], 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => {
    readableClaim(store(), principalOf(request), request.params.id);
    const { asOf, revision } = request.query;
    const replayed = await replayer.replay(request.params.id, { ...(asOf ? { asOf } : {}), ...(revision !== undefined ? { revision } : {}) });
    if (revision !== undefined && (replayed.revision ?? -1) < revision) {
      throw new HttpProblem(404, 'Not Found', `Claim ${request.params.id} has no revision ${revision}; its last is ${replayed.revision ?? 'none'}.`, {
        code: 'revision-not-found',
      });
    }
    return {
      claimId: request.params.id, asOf: asOf ?? null, requestedRevision: revision ?? null, revision: replayed.revision, at: replayed.at,
      state: JSON.parse(JSON.stringify(replayed.state)) as Record<string, unknown>,
    };
  });

  app.get('/claims/:id/integrity', {
    schema: {
      summary: 'Verify the claim\'s signed hash chain in the event store', tags: ['claims'],
      description: 'Reads the claim stream from revision 0 and checks every event\'s prevHash and hash, and each append\'s signature '
        + '(on its last event, covering the append) against the keyring (see @cfund/eventstore). `status`: `ok` (every event was written '
        + 'by a holder of a signing key, none altered or removed from the middle); `unkeyed` (intact, but the first `unkeyedCount` events '
        + 'were written before events were signed); `broken` (from `firstBrokenRevision` on: a bad link, an unknown key, a bad signature, '
        + 'an unsigned event after signed ones, or events not covered by their append\'s signature). `ok` is `status == "ok"`. Removal '
        + 'of the newest appends is not detectable from the stream alone.',
      params: ClaimParams, response: { 200: IntegritySchema, 401: problems[401], 403: problems[403], 404: problems[404] },
    },
  }, async (request) => {
    readableClaim(store(), principalOf(request), request.params.id);
    const stream = claimStream(request.params.id);
    const r = await verifyStream(ctx.client, stream, ctx.chainKeyring);
    const answer = { claimId: request.params.id, stream, status: r.status, ok: r.ok, count: r.count, unkeyedCount: r.unkeyedCount, verifiedAt: ctx.now().toISOString() };
    switch (r.status) {
      case 'ok': return { ...answer, headHash: r.headHash };
      case 'unkeyed': return { ...answer, headHash: r.headHash, reason: r.reason };
      case 'broken': return { ...answer, firstBrokenRevision: Number(r.firstBrokenRevision), reason: r.reason };
    }
  });
}
