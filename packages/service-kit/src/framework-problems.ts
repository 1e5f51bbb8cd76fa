/**
 * Problems for requests refused before any route or hook runs, which Fastify and Node would
 * otherwise answer in their own JSON (and, for a bad URL, echoing it):
 * - the router's (Fastify's `frameworkErrors`): a malformed percent-encoding (400) and a path
 *   parameter longer than the router accepts (414);
 * - the HTTP parser's (the server's `clientError`, written on the socket, which is then closed):
 *   headers too large (431), a request or its headers too slow (408), and anything it cannot
 *   parse (400: bad bytes, duplicate Content-Length, Content-Length with Transfer-Encoding...).
 * None of them echoes the request.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemType, type Problem } from '@cfund/contracts';
import { PROBLEM_CONTENT_TYPE, statusTitle } from './problem.js';

function problem(status: number, slug: string, detail: string): Problem {
  return { type: problemType(slug), title: statusTitle(status), status, detail };
}

export function frameworkErrors(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const p = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? problem(414, 'uri-too-long', 'A path parameter of the URL is too long.')
    : error.code === 'FST_ERR_BAD_URL'
      ? problem(400, 'malformed-request', 'The URL is not valid (malformed percent-encoding).')
      : problem(400, 'malformed-request', 'The request could not be routed.');
  void reply.code(p.status).type(PROBLEM_CONTENT_TYPE).header('x-content-type-options', 'nosniff').send(p);
}

function parserProblem(code: string | undefined): Problem {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem(408, 'request-timeout', 'The request did not arrive in time.');
  if (code === 'HPE_HEADER_OVERFLOW') return problem(431, 'headers-too-large', 'The request headers are too large.');
  return problem(400, 'malformed-request', 'The request is not valid HTTP/1.1.');
}

/** For Fastify's `clientErrorHandler`: a problem on the socket when it can still be written to, then the socket closed. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const p = parserProblem(error.code);
    const body = JSON.stringify(p);
    socket.write(`HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      + `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
