/**
 * GET /claims/{id}/documents/{documentId}: a document of the claim, decrypted as it streams, with
 * the access rules of personal data (@cfund/domain's canHandleDocuments) and each download
 * recorded like a read of personal data (PersonalDataAccessed, purpose `claim-document`) before
 * a byte is sent. `Range: bytes=a-b` (one range) is answered 206 from the chunk that holds `a`.
 * Once the victim's key is erased the document is gone: 410, whatever is still stored.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { StreamNotFoundError } from '@eventstore/db-client';
import { z } from 'zod';
import { claimStream, parseEvent, type EventData } from '@cfund/contracts';
import { canHandleDocuments } from '@cfund/domain';
import { CHUNK_BYTES, decryptDocument, storedOffsetOfChunk, type DocumentStore } from '@cfund/documents';
import { isErased } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import { openReadProtector, recordAccess } from '../personal-data/access.js';
import { readableClaim } from '../queries/claims.js';
import { claimAccessOf } from '../queries/visibility.js';
import { notWhileRebuilding, principalOf, type QueryContext } from './context.js';
import { problems } from './schemas.js';

const DocumentParams = z.object({ id: z.uuid(), documentId: z.uuid() });

const gone = (): HttpProblem => new HttpProblem(410, 'Gone', 'The victim\'s data was erased: their documents can no longer be read.', { code: 'document-erased' });

/** The document's event, read from the claim's stream (the event store: its source of truth). */
async function documentOf(ctx: QueryContext, claimId: string, documentId: string): Promise<EventData<'DocumentAttached'> | undefined> {
  let found: EventData<'DocumentAttached'> | undefined;
  try {
    // Read to the end: a read left open keeps the client's call open.
    for await (const resolved of ctx.client.readStream(claimStream(claimId))) {
      const e = resolved.event;
      if (found || e?.type !== 'DocumentAttached') continue;
      const data = parseEvent(e.type, e.data).data as EventData<'DocumentAttached'>;
      if (data.documentId === documentId) found = data;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return found;
}

/** One `bytes=` range of a document of `size` bytes: [first, last], 'whole' without a Range header, undefined when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { first: number; last: number } | 'whole' | undefined {
  if (header === undefined) return 'whole';
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return undefined;
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (first >= size || last < first) return undefined;
  return { first, last };
}

/** Bytes [first, last] of a plaintext that streams from `offset`. */
async function* slice(source: AsyncIterable<Buffer>, offset: number, first: number, last: number): AsyncGenerator<Buffer> {
  let at = offset;
  for await (const chunk of source) {
    const from = Math.max(first - at, 0);
    const to = Math.min(last + 1 - at, chunk.length);
    if (to > from) yield chunk.subarray(from, to);
    at += chunk.length;
    if (at > last) return;
  }
}

export async function documentRoutes(appIn: FastifyInstance, ctx: QueryContext & { documents: DocumentStore }): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', notWhileRebuilding(ctx));

  app.get('/claims/:id/documents/:documentId', {
    schema: {
      summary: 'Download a document of the claim (every download is recorded; ranges supported)', tags: ['documents'],
      description: 'Who: whoever may read the victim\'s personal data (the claim\'s lawyers, and fund-assessor, fund-approver or fund-finance of its jurisdiction). '
        + 'Recorded as PersonalDataAccessed (purpose `claim-document`) before anything is sent. `Range: bytes=first-last` answers 206 with that part; '
        + '410 once the victim\'s data was erased.',
      params: DocumentParams,
      response: { 200: z.unknown().describe('The document (its content type)'), 206: z.unknown().describe('The requested range'), 401: problems[401], 403: problems[403], 404: problems[404], 410: problems[404].describe('The victim\'s data was erased'), 416: problems[400].describe('The range lies outside the document'), 503: problems[503] },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { id, documentId } = request.params;
    reply.header('cache-control', 'no-store');
    const row = readableClaim(ctx.runner.store, principal, id);
    const allowed = canHandleDocuments(principal, claimAccessOf(ctx.runner.store, id, row.jurisdiction));
    if (!allowed.allowed) {
      ctx.metrics.personalDataReads.inc({ outcome: 'denied' });
      throw allowed.error;
    }
    const doc = await documentOf(ctx, id, documentId);
    if (!doc || !row.victim_ref) throw new HttpProblem(404, 'Not Found', `The claim has no document ${documentId}.`, { code: 'document-not-found' });
    // A protector for this read only: the command service may have erased the key since.
    const protector = await openReadProtector(ctx);
    const key = await protector.documentKey(row.victim_ref, documentId);
    if (isErased(key)) {
      ctx.metrics.personalDataReads.inc({ outcome: 'erased' });
      throw gone();
    }
    const range = parseRange(request.headers.range, doc.size);
    if (range === undefined) {
      key.key.fill(0);
      throw new HttpProblem(416, 'Range Not Satisfiable', `The document has ${doc.size} bytes.`, { code: 'range-not-satisfiable', headers: { 'content-range': `bytes */${doc.size}` } });
    }
    const name = await protector.decryptPersonalData<{ fileName: string }>(row.victim_ref, doc.fileName);
    if (isErased(name)) throw gone();
    const { first, last } = range === 'whole' ? { first: 0, last: doc.size - 1 } : range;
    const chunk = Math.floor(first / CHUNK_BYTES);
    const stored = await ctx.documents.get(doc.storageKey, chunk === 0 ? 0 : storedOffsetOfChunk(chunk));
    if (!stored) throw new HttpProblem(500, 'Internal Server Error', 'The document\'s stored bytes are missing.', { code: 'document-missing' });
    try {
      await recordAccess(ctx.client, ctx.chainSigner, { claimId: id, victimRef: row.victim_ref, principal, at: ctx.now().toISOString(), purpose: 'claim-document' });
    } catch (error) {
      request.log.error({ err: error }, 'could not record a document download: not sent');
      throw new HttpProblem(503, 'Service Unavailable', 'The download could not be recorded, so the document is not sent; retry shortly.', { code: 'access-not-recorded' });
    }
    ctx.metrics.personalDataReads.inc({ outcome: 'disclosed' });
    const plaintext = decryptDocument(key.key, documentId, stored as AsyncIterable<Uint8Array>, chunk);
    const body = Readable.from(slice(plaintext, chunk * CHUNK_BYTES, first, last));
    body.once('close', () => key.key.fill(0));
    reply
      .code(range === 'whole' ? 200 : 206)
      .header('content-type', doc.contentType)
      .header('content-length', String(last - first + 1))
      .header('accept-ranges', 'bytes')
      .header('etag', `"${doc.sha256}"`)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name.fileName)}`);
    if (range !== 'whole') reply.header('content-range', `bytes ${first}-${last}/${doc.size}`);
    return reply.send(body);
  });
}
