/**
 * Every error as an RFC 9457 problem (`application/problem+json`): 400 validation (with field
 * paths) and malformed JSON, an HttpProblem as thrown, 404, 413 (body too large), 415, 500
 * without internals. The errors of other packages (a domain refusal, a revision conflict, an
 * event store down) are answered by the mappings the caller gives, in their order: each package
 * knows its own errors, this plugin none of them. Errors met before routing (bad URL, oversized
 * or malformed requests) are in framework-problems.ts.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { problemType, type ErrorProblemMapping, type Problem } from '@cfund/contracts';
import { HttpProblem, PROBLEM_CONTENT_TYPE, instanceOf, statusTitle } from './problem.js';

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

export interface ErrorsOptions {
  /** Asked in order for any error that is neither a validation error nor an HttpProblem. */
  problems?: readonly ErrorProblemMapping[];
}

export default fp<ErrorsOptions>(async (app, options) => {
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
    for (const mapping of options.problems ?? []) {
      const problem = mapping(error);
      if (problem === undefined) continue;
      const { headers, warn, ...body } = problem;
      if (warn !== undefined) request.log.warn({ err: error }, warn);
      return sendProblem(reply, request, body, headers);
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
