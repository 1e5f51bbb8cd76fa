/**
 * The errors of this package as the services answer them (RFC 9457 problems): a conflict with
 * the stream's revision, an Idempotency-Key reused or still in progress, a victim's erased data,
 * and an event store that cannot be reached (503 with Retry-After: try again later).
 */
import { problemType, type ErrorProblem } from '@cfund/contracts';
import { ConcurrencyConflictError, RevisionMismatchError } from './event-stream.js';
import { IdempotencyInProgressError, IdempotencyMismatchError } from './idempotency.js';
import { VictimErasedError } from './personal-data.js';
import { STORE_RETRY_AFTER_S, isEventStoreUnavailable } from './store-unavailable.js';

export function eventStoreErrorProblem(error: unknown): ErrorProblem | undefined {
  if (error instanceof RevisionMismatchError) {
    return {
      type: problemType('revision-mismatch'), title: 'Precondition Failed', status: 412, code: 'revision-mismatch',
      detail: `If-Match named revision ${String(error.expected)}, but the claim is at ${typeof error.actual === 'bigint' ? `revision ${error.actual}` : 'no revision (it does not exist)'}. Reload it and decide again.`,
      ...(typeof error.actual === 'bigint' ? { headers: { etag: `"${error.actual}"` } } : {}),
    };
  }
  if (error instanceof ConcurrencyConflictError) {
    return {
      type: problemType('concurrency-conflict'), title: 'Conflict', status: 409, code: 'concurrency-conflict',
      detail: 'The claim kept changing while this command was being decided. Try again.', headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof IdempotencyMismatchError) {
    return {
      type: problemType('idempotency-key-reused'), title: 'Unprocessable Content', status: 422, code: 'idempotency-key-reused',
      detail: 'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    };
  }
  if (error instanceof IdempotencyInProgressError) {
    return {
      type: problemType('idempotency-in-progress'), title: 'Conflict', status: 409, code: 'idempotency-in-progress',
      detail: 'A request with this Idempotency-Key is still being processed. Try again shortly.', headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof VictimErasedError) {
    return {
      type: problemType('personal-data-erased'), title: 'Conflict', status: 409, code: 'personal-data-erased',
      detail: 'The personal data of this victim has been erased.',
    };
  }
  if (isEventStoreUnavailable(error)) {
    return {
      type: problemType('event-store-unavailable'), title: 'Service Unavailable', status: 503, code: 'event-store-unavailable',
      detail: `The event store cannot be reached right now. Try again in ${STORE_RETRY_AFTER_S} s (with the same Idempotency-Key a retried command is applied at most once).`,
      headers: { 'retry-after': String(STORE_RETRY_AFTER_S) }, warn: 'event store unavailable',
    };
  }
  return undefined;
}
