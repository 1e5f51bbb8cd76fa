/**
 * The stored form of a document: AES-256-GCM in chunks, so that a document of any size is
 * encrypted and decrypted as it streams, and a range is read from the chunk that holds it.
 *
 *     header   "CFDOC\0" 0x01 0x00, chunk size (u32 BE), 4 zero bytes            16 bytes
 *     record   last flag (1 byte), plaintext length (u32 BE), nonce (12), ciphertext, tag (16)
 *
 * Every record but the last holds exactly the chunk size; the last holds 0 to chunk size bytes
 * and is flagged. Each record has its own random nonce, and its additional data binds the
 * document id, the record's index, its last flag and its length: records cannot be reordered,
 * moved to another document, dropped from the end (no flagged record: refused) or added after it.
 * The key is the document's key (PersonalDataProtector.documentKey: derived from the victim's
 * data key), so erasing that key leaves nothing that decrypts the document.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const CHUNK_BYTES = 64 * 1024;
const MAGIC = Buffer.from([0x43, 0x46, 0x44, 0x4f, 0x43, 0x00, 0x01, 0x00]);
export const HEADER_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const RECORD_OVERHEAD = 1 + 4 + NONCE_BYTES + TAG_BYTES;

/** The stored document is not one this key and id decrypt, or was altered, cut or extended. */
export class DocumentIntegrityError extends Error {
  override readonly name = 'DocumentIntegrityError';
}

/** Where the record of chunk `index` starts in the stored bytes. */
export const storedOffsetOfChunk = (index: number): number => HEADER_BYTES + index * (CHUNK_BYTES + RECORD_OVERHEAD);
/** The size of the stored form of `size` plaintext bytes. */
export function storedSize(size: number): number {
  const full = size === 0 ? 0 : Math.ceil(size / CHUNK_BYTES) - 1;
  return storedOffsetOfChunk(full) + RECORD_OVERHEAD + (size - full * CHUNK_BYTES);
}

function additionalData(documentId: string, index: number, last: boolean, length: number): Buffer {
  const id = Buffer.from(`cfund-document/v1\0${documentId}\0`, 'utf8');
  const tail = Buffer.alloc(13);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt8(last ? 1 : 0, 8);
  tail.writeUInt32BE(length, 9);
  return Buffer.concat([id, tail]);
}

function sealRecord(key: Buffer, documentId: string, index: number, last: boolean, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(documentId, index, last, plaintext.length));
  const head = Buffer.alloc(5);
  head.writeUInt8(last ? 1 : 0, 0);
  head.writeUInt32BE(plaintext.length, 1);
  const body = cipher.update(plaintext);
  const rest = cipher.final();
  return Buffer.concat([head, nonce, body, rest, cipher.getAuthTag()]);
}

/** A FIFO of bytes that hands out exact lengths without copying more than it must. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.length += chunk.length;
  }
  take(n: number): Buffer {
    const first = this.parts[0];
    if (first && first.length >= n) {
      this.parts[0] = first.subarray(n);
      if (this.parts[0].length === 0) this.parts.shift();
      this.length -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const part = this.parts[0]!;
      const k = Math.min(part.length, n - filled);
      part.copy(out, filled, 0, k);
      filled += k;
      if (k === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(k);
    }
    this.length -= n;
    return out;
  }
}

/** Encrypts a document as it streams: yields the header, then one record per chunk. */
export async function* encryptDocument(key: Buffer, documentId: string, plaintext: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(CHUNK_BYTES, 8);
  yield header;
  const queue = new ByteQueue();
  let index = 0;
  for await (const chunk of plaintext) {
    queue.push(chunk);
    // Only a chunk with more bytes behind it is surely not the last.
    while (queue.length > CHUNK_BYTES) yield sealRecord(key, documentId, index++, false, queue.take(CHUNK_BYTES));
  }
  yield sealRecord(key, documentId, index, true, queue.take(queue.length));
}

/**
 * Decrypts stored bytes as they stream. From the start (`fromChunk` 0) the source begins with
 * the header; from chunk n > 0 it begins at `storedOffsetOfChunk(n)`. Throws
 * DocumentIntegrityError on anything that does not authenticate, and when the stream ends
 * before the last record or goes on after it.
 */
export async function* decryptDocument(key: Buffer, documentId: string, stored: AsyncIterable<Uint8Array>, fromChunk = 0): AsyncGenerator<Buffer> {
  const queue = new ByteQueue();
  let index = fromChunk;
  let headerRead = fromChunk > 0;
  let done = false;
  let pending: { last: boolean; length: number } | undefined;
  const drain = function* (): Generator<Buffer> {
    for (;;) {
      if (!headerRead) {
        if (queue.length < HEADER_BYTES) return;
        const header = queue.take(HEADER_BYTES);
        if (!header.subarray(0, 8).equals(MAGIC) || header.readUInt32BE(8) !== CHUNK_BYTES) throw new DocumentIntegrityError('not a stored document (wrong header)');
        headerRead = true;
      }
      if (!pending) {
        if (queue.length < 5) return;
        const head = queue.take(5);
        const last = head.readUInt8(0);
        const length = head.readUInt32BE(1);
        if (done || last > 1 || length > CHUNK_BYTES || (last === 0 && length !== CHUNK_BYTES)) throw new DocumentIntegrityError('a record is malformed or follows the last one');
        pending = { last: last === 1, length };
      }
      if (queue.length < NONCE_BYTES + pending.length + TAG_BYTES) return;
      const nonce = queue.take(NONCE_BYTES);
      const body = queue.take(pending.length);
      const tag = queue.take(TAG_BYTES);
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAAD(additionalData(documentId, index, pending.last, pending.length));
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        throw new DocumentIntegrityError(`record ${index} does not authenticate (altered, moved, or another key or document)`);
      }
      index++;
      done = pending.last;
      pending = undefined;
      if (plaintext.length > 0) yield plaintext;
    }
  };
  for await (const chunk of stored) {
    queue.push(chunk);
    yield* drain();
  }
  if (!done || queue.length > 0 || pending) throw new DocumentIntegrityError('the stored document is cut short');
}
