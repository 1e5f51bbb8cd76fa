/**
 * Takes an upload in as it streams (never whole in memory): counts it against the size limit,
 * hashes the plaintext, tells its type by its bytes, feeds the malware scan, encrypts it in
 * chunks and stores it. Whatever refuses the upload, nothing stays stored.
 */
import { createHash } from 'node:crypto';
import type { ClamdAddress } from './clamd.js';
import { startScan, type Scan } from './clamd.js';
import { encryptDocument } from './chunked-cipher.js';
import { HEAD_BYTES, TAIL_BYTES, typeOfHead, typeOfZip, type DocumentContentType } from './content-type.js';
import type { DocumentStore } from './store.js';

export class DocumentTooLargeError extends Error {
  override readonly name = 'DocumentTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the document is larger than ${maxBytes} bytes`);
  }
}
export class EmptyDocumentError extends Error {
  override readonly name = 'EmptyDocumentError';
}
export class UnsupportedDocumentTypeError extends Error {
  override readonly name = 'UnsupportedDocumentTypeError';
}
export class DocumentInfectedError extends Error {
  override readonly name = 'DocumentInfectedError';
  constructor(readonly signature: string) {
    super(`the malware scan found ${signature}`);
  }
}

export interface IngestOptions {
  store: DocumentStore;
  storageKey: string;
  /** The document's key (PersonalDataProtector.documentKey) and id (bound into every record). */
  key: Buffer;
  documentId: string;
  maxBytes: number;
  /** Scan with clamd before accepting (none: no scan). */
  clamd?: ClamdAddress | undefined;
}

export interface IngestedDocument {
  size: number;
  sha256: string;
  contentType: DocumentContentType;
}

/** Stores an upload encrypted; refuses (and stores nothing) a document too large, empty, of a type not allowed, or infected. */
export async function ingestDocument(source: AsyncIterable<Uint8Array>, options: IngestOptions): Promise<IngestedDocument> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let headType: DocumentContentType | 'zip' | undefined;
  const tail: Buffer[] = [];
  let tailBytes = 0;
  const scan: Scan | undefined = options.clamd ? startScan(options.clamd) : undefined;

  async function* inspected(): AsyncGenerator<Buffer> {
    for await (const raw of source) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
      size += chunk.length;
      if (size > options.maxBytes) throw new DocumentTooLargeError(options.maxBytes);
      if (head.length < HEAD_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        if (head.length === HEAD_BYTES) headType = checkHead(head);
      }
      if (headType === 'zip') {
        tail.push(chunk);
        tailBytes += chunk.length;
        while (tail.length > 1 && tailBytes - tail[0]!.length >= TAIL_BYTES) tailBytes -= tail.shift()!.length;
      }
      hash.update(chunk);
      if (scan) await scan.write(chunk);
      yield chunk;
    }
  }

  try {
    await options.store.put(options.storageKey, encryptDocument(options.key, options.documentId, inspected()));
    if (size === 0) throw new EmptyDocumentError('the document is empty');
    if (head.length < HEAD_BYTES) headType = checkHead(head);
    const contentType = headType === 'zip' ? typeOfZip(head, Buffer.concat(tail).subarray(-TAIL_BYTES)) : headType;
    if (!contentType) throw new UnsupportedDocumentTypeError('the document is a ZIP file but neither a DOCX nor an ODT document');
    if (scan) {
      const verdict = await scan.verdict();
      if (!verdict.clean) throw new DocumentInfectedError(verdict.signature);
    }
    return { size, sha256: hash.digest('hex'), contentType };
  } catch (error) {
    scan?.abort();
    await options.store.delete(options.storageKey).catch(() => undefined);
    throw error;
  }
}

function checkHead(head: Buffer): DocumentContentType | 'zip' {
  const type = typeOfHead(head);
  if (!type) throw new UnsupportedDocumentTypeError('the content is none of PDF, JPEG, PNG, TIFF, DOCX or ODT (told by its bytes, not its name)');
  return type;
}
