/**
 * What a document is, told by its bytes (magic numbers), never by its name or declared type.
 * PDF, JPEG, PNG and TIFF by their first bytes; DOCX and ODT are ZIP containers: an ODT by
 * its first entry (`mimetype`, stored, holding the ODF text type), a DOCX by the central
 * directory at the end of the file (it lists `[Content_Types].xml` and `word/document.xml`).
 * Anything else (an executable named `.pdf`, a spreadsheet, a ZIP of anything) is refused.
 */
import type { DOCUMENT_CONTENT_TYPES } from '@cfund/contracts';

export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const ODT = 'application/vnd.oasis.opendocument.text';

/** How many first bytes the check needs (a ZIP's first entry name and an ODT's type). */
export const HEAD_BYTES = 128;
/** How many last bytes are kept to read a ZIP's central directory. */
export const TAIL_BYTES = 256 * 1024;

const starts = (b: Buffer, magic: readonly number[]): boolean => b.length >= magic.length && magic.every((x, i) => b[i] === x);

/** What the first bytes say: a type, `zip` (to be told by its entries), or undefined (refused). */
export function typeOfHead(head: Buffer): DocumentContentType | 'zip' | undefined {
  if (starts(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (starts(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts(head, [0x49, 0x49, 0x2a, 0x00]) || starts(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (starts(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  return undefined;
}

/** The first entry of a ZIP: its name, compression method and (if stored) its first bytes. */
function firstEntry(head: Buffer): { name: string; method: number; data: Buffer } | undefined {
  if (head.length < 30) return undefined;
  const method = head.readUInt16LE(8);
  const nameLength = head.readUInt16LE(26);
  const extraLength = head.readUInt16LE(28);
  if (head.length < 30 + nameLength) return undefined;
  const name = head.subarray(30, 30 + nameLength).toString('latin1');
  return { name, method, data: head.subarray(30 + nameLength + extraLength) };
}

/** The entry names of a ZIP's central directory, read from the file's last bytes; undefined if not all there. */
export function centralDirectoryNames(tail: Buffer): string[] | undefined {
  // End of central directory: 22 bytes and a comment of at most 65,535, at the very end.
  for (let at = tail.length - 22; at >= 0 && at >= tail.length - 22 - 65_535; at--) {
    if (tail.readUInt32LE(at) !== 0x06054b50) continue;
    const entries = tail.readUInt16LE(at + 10);
    const size = tail.readUInt32LE(at + 12);
    let p = at - size;
    if (p < 0) return undefined;
    const names: string[] = [];
    for (let i = 0; i < entries; i++) {
      if (p + 46 > at || tail.readUInt32LE(p) !== 0x02014b50) return undefined;
      const nameLength = tail.readUInt16LE(p + 28);
      const skip = tail.readUInt16LE(p + 30) + tail.readUInt16LE(p + 32);
      names.push(tail.subarray(p + 46, p + 46 + nameLength).toString('utf8'));
      p += 46 + nameLength + skip;
    }
    return names;
  }
  return undefined;
}

/** A ZIP container's type: ODT or DOCX, or undefined (another kind of ZIP, or a damaged one). */
export function typeOfZip(head: Buffer, tail: Buffer): DocumentContentType | undefined {
  const names = centralDirectoryNames(tail);
  if (!names) return undefined;
  const first = firstEntry(head);
  if (first?.name === 'mimetype' && first.method === 0 && first.data.subarray(0, ODT.length).toString('latin1') === ODT
    && names.includes('mimetype') && names.includes('content.xml')) return ODT;
  if (names.includes('[Content_Types].xml') && names.includes('word/document.xml')) return DOCX;
  return undefined;
}
