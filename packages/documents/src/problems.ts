/** The refusals of an upload or a download as the services answer them (RFC 9457 problems). */
import { problemType, type ErrorProblem } from '@cfund/contracts';
import { DocumentIntegrityError } from './chunked-cipher.js';
import { ScanFailedError } from './clamd.js';
import { DocumentInfectedError, DocumentTooLargeError, EmptyDocumentError, UnsupportedDocumentTypeError } from './ingest.js';

export function documentErrorProblem(error: unknown): ErrorProblem | undefined {
  if (error instanceof DocumentTooLargeError) {
    return { type: problemType('document-too-large'), title: 'Content Too Large', status: 413, code: 'document-too-large', detail: `A document may have at most ${error.maxBytes} bytes.` };
  }
  if (error instanceof EmptyDocumentError) {
    return { type: problemType('document-empty'), title: 'Bad Request', status: 400, code: 'document-empty', detail: 'The file is empty.' };
  }
  if (error instanceof UnsupportedDocumentTypeError) {
    return { type: problemType('document-type-not-allowed'), title: 'Unsupported Media Type', status: 415, code: 'document-type-not-allowed', detail: `${error.message}.` };
  }
  if (error instanceof DocumentInfectedError) {
    return { type: problemType('document-infected'), title: 'Unprocessable Content', status: 422, code: 'document-infected', detail: `The malware scan refused the file (${error.signature}). Nothing was stored.` };
  }
  if (error instanceof ScanFailedError) {
    return {
      type: problemType('document-not-scanned'), title: 'Service Unavailable', status: 503, code: 'document-not-scanned',
      detail: 'The malware scan could not be done, so the file was not accepted; retry shortly.', headers: { 'retry-after': '5' }, warn: error.message,
    };
  }
  if (error instanceof DocumentIntegrityError) {
    return { type: problemType('document-damaged'), title: 'Internal Server Error', status: 500, code: 'document-damaged', detail: 'The stored document does not verify.', warn: error.message };
  }
  return undefined;
}
