/**
 * POST /claims/{id}/documents: a document uploaded as `multipart/form-data` (the fields `kind`
 * and optionally `request`, the number of the request for information it answers, then the part `file`), streamed: checked against the size limit,
 * typed by its bytes, scanned by clamd when one is configured, encrypted with a key derived from
 * the victim's data key and stored, and only then recorded (DocumentAttached). Whatever refuses
 * it (a problem+json answer), nothing stays stored and nothing is recorded.
 */
import { createHash, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DocumentUploadFieldsSchema, DocumentUploadResultSchema, ProblemSchema, claimStream } from '@cfund/contracts';
import { canHandleDocuments } from '@cfund/domain';
import { DocumentTooLargeError, ingestDocument, newStorageKey, type ClamdAddress, type DocumentStore } from '@cfund/documents';
import { RevisionMismatchError, VictimErasedError, deterministicUuid, isErased, type PersonalDataProtector } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import type { CommandService } from '../command-service.js';
import { CommandHeaders, type CommandExecution } from './command-execution.js';
import type { FaultAt } from '../faults.js';

export interface DocumentRoutesOptions {
  service: CommandService;
  protector: PersonalDataProtector;
  store: DocumentStore;
  /** The largest document accepted, in bytes (DOCUMENT_MAX_BYTES). */
  maxBytes: number;
  /** Scan every upload with this clamd (none: no scan). */
  clamd?: ClamdAddress | undefined;
  /** If-Match and Idempotency-Key, as on every command endpoint. */
  execution: CommandExecution;
  /** Testing only: called between storing the bytes and appending DocumentAttached. */
  faultAt?: FaultAt;
}

type UploadResult = z.infer<typeof DocumentUploadResultSchema>;

/** The SHA-256 of a file part, read to its end without storing it. */
async function sha256Of(file: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of file) {
    size += chunk.length;
    if (size > maxBytes) throw new DocumentTooLargeError(maxBytes);
    hash.update(chunk);
  }
  return hash.digest('hex');
}

const ClaimParams = z.object({ id: z.uuid() });
const MAX_FILE_NAME = 255;

const badRequest = (detail: string, errors: { path: string; message: string }[]) =>
  new HttpProblem(400, 'Bad Request', detail, { code: 'invalid-upload', errors });

export async function documentRoutes(appIn: FastifyInstance, options: DocumentRoutesOptions): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  const { service, protector, store, maxBytes, execution } = options;
  // One file, a few small fields; busboy stops a file one byte past the limit, which ingest refuses.
  await app.register(multipart, { limits: { files: 1, fields: 4, parts: 5, fieldSize: 200, headerPairs: 50, fileSize: maxBytes + 1 } });
  app.addHook('onRequest', app.authenticate);


  app.post('/claims/:id/documents', {
    schema: {
      summary: 'Upload a document to the claim (multipart/form-data, streamed)', tags: ['documents'],
      description: 'Who: the claim\'s lawyers, and fund-assessor, fund-approver or fund-finance of its jurisdiction (who may read the victim\'s personal data). '
        + 'Form fields first: `kind` (ruling, medical-report, identity, payslip, letter, other) and optionally `request` (the number of the claim\'s open request for information it answers); '
        + `then the part \`file\`: at most ${maxBytes} bytes, a PDF, JPEG, PNG, TIFF, DOCX or ODT as told by its content (not its name). `
        + 'Encrypted with the victim\'s key before it is stored; the file name is stored encrypted too. One document per content within a claim '
        + '(409 document-already-attached names the one kept). `If-Match` and `Idempotency-Key` as on every command: a retry under the same key '
        + '(the same fields, file name and content) gets the first answer and stores nothing again; a stale If-Match is a 412 before the file is read.',
      params: ClaimParams, headers: CommandHeaders,
      consumes: ['multipart/form-data'],
      response: {
        201: DocumentUploadResultSchema,
        400: ProblemSchema.describe('Not multipart, a field missing or invalid, no file, or an empty file'),
        401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema,
        409: ProblemSchema.describe('The same content is already attached, the claim takes no documents in its state, the victim\'s data was erased, '
          + 'or `request` names no request of the claim (no-such-request) or one answered or withdrawn (request-closed)'),
        412: ProblemSchema.describe('If-Match does not match the claim\'s revision'),
        413: ProblemSchema.describe('Larger than the limit'),
        415: ProblemSchema.describe('Not one of the allowed types (told by its bytes)'),
        422: ProblemSchema.describe('The malware scan found something, or the Idempotency-Key was used with another upload'),
        503: ProblemSchema.describe('The malware scan could not be done'),
      },
    },
  }, async (request, reply) => {
    // Malformed If-Match or Idempotency-Key: 400 before anything is read.
    const ctx = execution.context(request);
    const { id } = request.params;
    if (!request.isMultipart()) throw badRequest('Send the document as multipart/form-data.', [{ path: 'headers.content-type', message: 'expected multipart/form-data' }]);
    const { state, revision } = await service.authorizedClaim(id, ctx.principal, canHandleDocuments);
    // A key already answered is replayed (or is a 422) whatever the claim's revision, as on every command.
    const answered = await execution.answered(ctx);
    // A stale If-Match is refused before the upload is read and stored (the append checks it again).
    if (!answered && ctx.expectedRevision !== undefined && ctx.expectedRevision !== revision) {
      throw new RevisionMismatchError(claimStream(id), ctx.expectedRevision, revision);
    }
    const fields: Record<string, string> = {};
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value !== 'string' || part.fieldname in fields) throw badRequest(`The field ${part.fieldname} is given twice or is not text.`, [{ path: `body.${part.fieldname}`, message: 'expected one text value' }]);
        fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file') throw badRequest('The document goes in the part named file.', [{ path: `body.${part.fieldname}`, message: 'unexpected file part' }]);
      const parsed = DocumentUploadFieldsSchema.safeParse(fields);
      if (!parsed.success) {
        throw badRequest('The fields before the file are missing or invalid.', parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message })));
      }
      const fileName = part.filename.slice(0, MAX_FILE_NAME);
      // What identifies an upload for its Idempotency-Key: the fields, the name and the content.
      const fingerprinted = (sha256: string) => ({ ...parsed.data, fileName, sha256 });
      const send = (result: UploadResult): UploadResult => {
        reply.code(201).header('etag', `"${result.revision}"`).header('location', `/claims/${id}/documents/${result.documentId}`);
        return result;
      };
      if (answered) {
        // Only the first answer (or a 422) can follow: the content is hashed, and nothing is stored again.
        const sha256 = await sha256Of(part.file, maxBytes);
        return send(await execution.run(request, reply, ctx, fingerprinted(sha256), async (c): Promise<UploadResult> => {
          await c.beforeWrite!(); // ends with the key's answer, or its 422
          throw new Error('an answered Idempotency-Key was taken again');
        }));
      }
      // Under a key the document id follows from it, so a retry after a crash answers as the first run.
      const documentId = ctx.idempotencyKey === undefined ? randomUUID() : deterministicUuid('document', ctx.idempotencyKey);
      const storageKey = newStorageKey(id, documentId);
      const key = await protector.documentKey(state.victimRef!, documentId);
      if (isErased(key)) throw new VictimErasedError(state.victimRef!);
      let ingested;
      try {
        ingested = await ingestDocument(part.file, { store, storageKey, key: key.key, documentId, maxBytes, clamd: options.clamd });
      } finally {
        key.key.fill(0);
      }
      await options.faultAt?.('after-document-stored', storageKey);
      /** Whether DocumentAttached names this attempt's bytes; if not (refused, or an earlier attempt's answer), they go. */
      let recorded = false;
      try {
        const encryptedName = await protector.encryptPersonalData(state.victimRef!, { fileName });
        return send(await execution.run(request, reply, ctx, fingerprinted(ingested.sha256), async (c): Promise<UploadResult> => {
          const { state: _after, replayed, ...result } = await service.claimCommand(id, c, canHandleDocuments, (at) => ({
            type: 'AttachDocument', actor: { sub: c.principal.sub, roles: c.principal.roles }, at,
            data: {
              documentId, kind: parsed.data.kind, size: ingested.size, contentType: ingested.contentType, sha256: ingested.sha256,
              storageKey, fileName: encryptedName, ...(parsed.data.request === undefined ? {} : { request: parsed.data.request }),
            },
          }));
          recorded = !replayed;
          return { ...result, documentId, size: ingested.size, contentType: ingested.contentType, sha256: ingested.sha256 };
        }));
      } finally {
        if (!recorded) await store.delete(storageKey).catch(() => undefined);
      }
    }
    throw badRequest('No file was sent.', [{ path: 'body.file', message: 'required' }]);
  });
}
