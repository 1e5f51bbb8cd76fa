/**
 * POST /claims/{id}/documents: a document uploaded as `multipart/form-data` (the fields `kind`
 * and optionally `requestId`, then the part `file`), streamed: checked against the size limit,
 * typed by its bytes, scanned by clamd when one is configured, encrypted with a key derived from
 * the victim's data key and stored, and only then recorded (DocumentAttached). Whatever refuses
 * it (a problem+json answer), nothing stays stored and nothing is recorded.
 */
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DocumentUploadFieldsSchema, DocumentUploadResultSchema, ProblemSchema } from '@cfund/contracts';
import { canHandleDocuments, type Principal } from '@cfund/domain';
import { ingestDocument, type ClamdAddress, type DocumentStore } from '@cfund/documents';
import { VictimErasedError, isErased, type PersonalDataProtector } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import type { CommandService } from '../command-service.js';

export interface DocumentRoutesOptions {
  service: CommandService;
  protector: PersonalDataProtector;
  store: DocumentStore;
  /** The largest document accepted, in bytes (DOCUMENT_MAX_BYTES). */
  maxBytes: number;
  /** Scan every upload with this clamd (none: no scan). */
  clamd?: ClamdAddress | undefined;
}

const ClaimParams = z.object({ id: z.uuid() });
const MAX_FILE_NAME = 255;

const badRequest = (detail: string, errors: { path: string; message: string }[]) =>
  new HttpProblem(400, 'Bad Request', detail, { code: 'invalid-upload', errors });

export async function documentRoutes(appIn: FastifyInstance, options: DocumentRoutesOptions): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  const { service, protector, store, maxBytes } = options;
  // One file, a few small fields; busboy stops a file one byte past the limit, which ingest refuses.
  await app.register(multipart, { limits: { files: 1, fields: 4, parts: 5, fieldSize: 200, headerPairs: 50, fileSize: maxBytes + 1 } });
  app.addHook('onRequest', app.authenticate);

  const principalOf = (request: FastifyRequest): Principal => {
    if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'Not authenticated.');
    return request.principal;
  };

  app.post('/claims/:id/documents', {
    schema: {
      summary: 'Upload a document to the claim (multipart/form-data, streamed)', tags: ['documents'],
      description: 'Who: the claim\'s lawyers, and fund-assessor, fund-approver or fund-finance of its jurisdiction (who may read the victim\'s personal data). '
        + 'Form fields first: `kind` (ruling, medical-report, identity, payslip, letter, other) and optionally `requestId` (the request for information it answers); '
        + `then the part \`file\`: at most ${maxBytes} bytes, a PDF, JPEG, PNG, TIFF, DOCX or ODT as told by its content (not its name). `
        + 'Encrypted with the victim\'s key before it is stored; the file name is stored encrypted too. One document per content within a claim '
        + '(409 document-already-attached names the one kept).',
      params: ClaimParams,
      consumes: ['multipart/form-data'],
      response: {
        201: DocumentUploadResultSchema,
        400: ProblemSchema.describe('Not multipart, a field missing or invalid, no file, or an empty file'),
        401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema,
        409: ProblemSchema.describe('The same content is already attached, the claim takes no documents in its state, or the victim\'s data was erased'),
        413: ProblemSchema.describe('Larger than the limit'),
        415: ProblemSchema.describe('Not one of the allowed types (told by its bytes)'),
        422: ProblemSchema.describe('The malware scan found something'),
        503: ProblemSchema.describe('The malware scan could not be done'),
      },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { id } = request.params;
    if (!request.isMultipart()) throw badRequest('Send the document as multipart/form-data.', [{ path: 'headers.content-type', message: 'expected multipart/form-data' }]);
    const state = await service.authorizedClaim(id, principal, canHandleDocuments);
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
      const documentId = randomUUID();
      const storageKey = `${documentId}.cfd`;
      const key = await protector.documentKey(state.victimRef!, documentId);
      if (isErased(key)) throw new VictimErasedError(state.victimRef!);
      let ingested;
      try {
        ingested = await ingestDocument(part.file, { store, storageKey, key: key.key, documentId, maxBytes, clamd: options.clamd });
      } finally {
        key.key.fill(0);
      }
      try {
        const encryptedName = await protector.encryptPersonalData(state.victimRef!, { fileName });
        const result = await service.command(id, { principal, correlationId: request.id }, canHandleDocuments, (at) => ({
          type: 'AttachDocument', actor: { sub: principal.sub, roles: principal.roles }, at,
          data: {
            documentId, kind: parsed.data.kind, size: ingested.size, contentType: ingested.contentType, sha256: ingested.sha256,
            storageKey, fileName: encryptedName, ...(parsed.data.requestId ? { requestId: parsed.data.requestId } : {}),
          },
        }));
        reply.code(201).header('etag', `"${result.revision}"`).header('location', `/claims/${id}/documents/${documentId}`);
        return { ...result, documentId, size: ingested.size, contentType: ingested.contentType, sha256: ingested.sha256 };
      } catch (error) {
        // Refused (the same content won a race, the claim's state) or not written: its bytes go too.
        await store.delete(storageKey).catch(() => undefined);
        throw error;
      }
    }
    throw badRequest('No file was sent.', [{ path: 'body.file', message: 'required' }]);
  });
}
