export { CHUNK_BYTES, DocumentIntegrityError, HEADER_BYTES, decryptDocument, encryptDocument, storedOffsetOfChunk, storedSize } from './chunked-cipher.js';
export { DOCX, ODT, centralDirectoryNames, typeOfHead, typeOfZip, type DocumentContentType } from './content-type.js';
export { ScanFailedError, startScan, type ClamdAddress, type Scan, type ScanVerdict } from './clamd.js';
export {
  DocumentInfectedError, DocumentTooLargeError, EmptyDocumentError, UnsupportedDocumentTypeError, ingestDocument,
  type IngestOptions, type IngestedDocument,
} from './ingest.js';
export { FileDocumentStore, ObjectDocumentStore, openDocumentStore, type DocumentStore, type StoredDocument } from './store.js';
export { CHUNK_SEQUENCES, DEFAULT_CHUNKS_IN_FLIGHT, DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS, DEFAULT_CHUNK_BYTES, DEFAULT_DIRECT_READ_MAX_CHUNKS, ObjectChunks, chunkSequences, type ChunkOptions, type ObjectMeta } from './object-chunks.js';
export { documentErrorProblem } from './problems.js';
export { claimOfStorageKey, newStorageKey, sweepOrphans, type OrphanSweepOptions, type OrphanSweepResult } from './orphan-sweep.js';
