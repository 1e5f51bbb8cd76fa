/**
 * Every error as an RFC 9457 problem (`application/problem+json`):
 * 400 validation (with field paths) and malformed JSON, 401, 403 (DomainError of kind
 * authorization), 404, 409 (DomainError of kind rule, with its code; version conflicts that
 * outlasted the retries), 412 (If-Match), 413 (body too large), 415, 422 (Idempotency-Key
 * reused with another request), 503 with Retry-After when the event store cannot be reached,
 * 500 without internals. Errors met before routing (bad URL, oversized or malformed requests)
 * are in framework-problems.ts.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Problem } from '@cfund/contracts';
import { isDomainError } from '@cfund/domain';
import {
  ConcurrencyConflictError, IdempotencyInProgressError, IdempotencyMismatchError, RevisionMismatchError, VictimErasedError,
} from '@cfund/eventstore';
import { HttpProblem, PROBLEM_CONTENT_TYPE, instanceOf, problemType, statusTitle } from './problem.js';
import { STORE_RETRY_AFTER_S, isEventStoreUnavailable } from './store-unavailable.js';

export { PROBLEM_CONTENT_TYPE } from './problem.js';

function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  const instance = instanceOf(request.url);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send({ ...problem, ...(instance === undefined ? {} : { instance }) });
}

/** Field path of a validation issue: `body.victim.fullName`, `params.id`. */
function issuesToErrors(context: string, issues: readonly { keyword?: string; instancePath?: string; message?: string; params?: Record<string, unknown> }[]) {
  const out: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const base = (issue.instancePath ?? '').split('/').filter(Boolean);
    const keys = (issue.params ?? {}).keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      for (const key of keys) out.push({ path: [context, ...base, String(key)].join('.'), message: 'unknown field' });
    } else {
      out.push({ path: [context, ...base].join('.'), message: issue.message ?? 'invalid' });
    }
  }
  return out;
}

export default fp(async (app) => {
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, {
    type: problemType('not-found'), title: 'Not Found', status: 404,
    detail: instanceOf(request.url) === undefined ? 'No such route.' : `No route ${request.method} ${instanceOf(request.url)}.`,
  }));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = issuesToErrors(error.validationContext ?? 'body', error.validation);
      return sendProblem(reply, request, {
        type: problemType('validation'), title: 'Bad Request', status: 400,
        detail: `The request is not valid: ${errors.map((e) => `${e.path} (${e.message})`).join(', ')}.`, errors,
      });
    }
    if (error instanceof HttpProblem) {
      return sendProblem(reply, request, {
        type: problemType(error.extra.code ?? String(error.status)), title: error.title, status: error.status, detail: error.message,
        ...(error.extra.code ? { code: error.extra.code } : {}), ...(error.extra.errors ? { errors: error.extra.errors } : {}),
      }, error.extra.headers);
    }
    if (isDomainError(error)) {
      const status = error.kind === 'authorization' ? 403 : 409;
      return sendProblem(reply, request, {
        type: problemType(error.code), title: status === 403 ? 'Forbidden' : 'Conflict', status, detail: error.message, code: error.code,
      });
    }
    if (error instanceof RevisionMismatchError) {
      return sendProblem(reply, request, {
        type: problemType('revision-mismatch'), title: 'Precondition Failed', status: 412, code: 'revision-mismatch',
        detail: `If-Match named revision ${String(error.expected)}, but the claim is at ${typeof error.actual === 'bigint' ? `revision ${error.actual}` : 'no revision (it does not exist)'}. Reload it and decide again.`,
      }, typeof error.actual === 'bigint' ? { etag: `"${error.actual}"` } : {});
    }
    if (error instanceof ConcurrencyConflictError) {
      return sendProblem(reply, request, {
        type: problemType('concurrency-conflict'), title: 'Conflict', status: 409, code: 'concurrency-conflict',
        detail: 'The claim kept changing while this command was being decided. Try again.',
      }, { 'retry-after': '1' });
    }
    if (error instanceof IdempotencyMismatchError) {
      return sendProblem(reply, request, {
        type: problemType('idempotency-key-reused'), title: 'Unprocessable Content', status: 422, code: 'idempotency-key-reused',
        detail: 'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
      });
    }
    if (error instanceof IdempotencyInProgressError) {
      return sendProblem(reply, request, {
        type: problemType('idempotency-in-progress'), title: 'Conflict', status: 409, code: 'idempotency-in-progress',
        detail: 'A request with this Idempotency-Key is still being processed. Try again shortly.',
      }, { 'retry-after': '1' });
    }
    if (error instanceof VictimErasedError) {
      return sendProblem(reply, request, {
        type: problemType('personal-data-erased'), title: 'Conflict', status: 409, code: 'personal-data-erased',
        detail: 'The personal data of this victim has been erased.',
      });
    }
    if (isEventStoreUnavailable(error)) {
      request.log.warn({ err: error }, 'event store unavailable');
      return sendProblem(reply, request, {
        type: problemType('event-store-unavailable'), title: 'Service Unavailable', status: 503, code: 'event-store-unavailable',
        detail: `The event store cannot be reached right now. Try again in ${STORE_RETRY_AFTER_S} s (with the same Idempotency-Key a retried command is applied at most once).`,
      }, { 'retry-after': String(STORE_RETRY_AFTER_S) });
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) {
      // Fastify's own client errors: malformed JSON, body too large, unsupported media type...
      // Never echo the parser's message: it may quote the body (personal data).
      const detail = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `The request body is larger than the limit of ${app.initialConfig.bodyLimit ?? 0} bytes.`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send the body as application/json.'
          : status === 400 && (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP'))
            ? 'The request body is not valid JSON.'
            : statusTitle(status);
      const slug = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body-too-large' : status === 400 ? 'malformed-request' : String(status);
      return sendProblem(reply, request, { type: problemType(slug), title: statusTitle(status), status, detail });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, {
      type: problemType('internal'), title: 'Internal Server Error', status: 500,
      detail: `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
    });
  });
}, { name: 'cfund-errors' });
