import { parseAcl, type StreamAcl } from '../security/acl.js';

/** The parts of EventStoreDB stream metadata (`$$<stream>`) that the store enforces on reads. */
export interface StreamMetadata {
  maxCount?: number;
  /** Seconds. */
  maxAge?: number;
  truncateBefore?: number;
  /** `$acl`: who may read, write, delete, read and write the metadata (security/acl.ts). */
  acl?: StreamAcl;
  /** The whole JSON object, so that a soft delete can keep what it does not change. */
  raw: Record<string, unknown>;
}

export function parseStreamMetadata(data: Uint8Array): StreamMetadata {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
  } catch {
    // Metadata that is not JSON constrains nothing, as on EventStoreDB.
  }
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const out: StreamMetadata = { raw };
  const maxCount = num(raw.$maxCount);
  const maxAge = num(raw.$maxAge);
  const truncateBefore = num(raw.$tb);
  if (maxCount !== undefined && maxCount > 0) out.maxCount = maxCount;
  if (maxAge !== undefined && maxAge > 0) out.maxAge = maxAge;
  if (truncateBefore !== undefined) out.truncateBefore = truncateBefore;
  const acl = parseAcl(raw.$acl);
  if (acl) out.acl = acl;
  return out;
}

export const isMetastream = (name: string): boolean => name.startsWith('$$');
export const metastreamOf = (name: string): string => `$$${name}`;
export const streamOfMetastream = (name: string): string => name.slice(2);
