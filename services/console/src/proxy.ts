/**
 * Same-origin paths to the services: /api/commands/* to the command service,
 * /api/queries/* to the projection service, /api/notifications/* to the notification service,
 * each with the session's bearer token. Bodies pass through as they are (the services validate
 * them); only the headers the API uses cross, both ways, so no cookie reaches a service and no
 * upstream header reaches the browser unchecked. A document's upload (multipart/form-data) and
 * every answer stream through: a 25 MiB document is never held whole here.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';
import type { Sessions } from './sessions.js';

export interface Upstreams {
  commands: string;
  queries: string;
  notifications: string;
}

const SERVICE_NAMES: Record<keyof Upstreams, string> = { commands: 'command', queries: 'projection', notifications: 'notification' };
const REQUEST_HEADERS = ['accept', 'accept-language', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id', 'range'];
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'retry-after', 'content-disposition', 'x-request-id'];
/** Until the service answers: an upload's answer comes once the service has taken it all in. */
const UPSTREAM_TIMEOUT_MS = 30_000;
const UPLOAD_TIMEOUT_MS = 300_000;

export async function proxyRoutes(app: FastifyInstance, options: { sessions: Sessions; upstreams: Upstreams; bodyLimit: number }): Promise<void> {
  // Forwarded as bytes: parsing and re-serializing could change what the service sees.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));
  // Uploads go on as they arrive, unread (the service applies its own limit to the document).
  app.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));

  for (const prefix of Object.keys(options.upstreams) as (keyof Upstreams)[]) {
    const base = new URL(options.upstreams[prefix]);
    app.all(`/api/${prefix}/*`, async (request, reply) => forward(request, reply, options.sessions, prefix, base));
  }
}

async function forward(request: FastifyRequest, reply: FastifyReply, sessions: Sessions, prefix: keyof Upstreams, base: URL): Promise<FastifyReply> {
  const session = await sessions.requireFresh(request, reply);
  const mount = `/api/${prefix}`;
  const rest = request.url.slice(mount.length); // path and query as sent, still encoded
  const target = new URL(base.pathname.replace(/\/$/, '') + rest, base);

  const headers: Record<string, string> = { authorization: `Bearer ${session.accessToken}` };
  for (const name of REQUEST_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const sends = request.method !== 'GET' && request.method !== 'HEAD';
  const stream = sends && request.body instanceof Readable ? request.body : undefined;
  const bytes = sends && request.body instanceof Buffer ? request.body : undefined;
  // The time limit holds until the answer's headers; its body then streams as long as it takes.
  const aborter = new AbortController();
  const timer = setTimeout(() => aborter.abort(new Error('upstream timed out')), stream ? UPLOAD_TIMEOUT_MS : UPSTREAM_TIMEOUT_MS);
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method, headers, redirect: 'manual', signal: aborter.signal,
      ...(bytes ? { body: new Uint8Array(bytes) } : {}),
      ...(stream ? { body: Readable.toWeb(stream) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
  } catch (error) {
    request.log.warn({ upstream: SERVICE_NAMES[prefix], err: (error as Error).message }, 'upstream unreachable');
    throw new HttpProblem(502, 'Bad Gateway', `The ${SERVICE_NAMES[prefix]} service cannot be reached. Try again shortly.`, { code: 'upstream-unreachable' });
  } finally {
    clearTimeout(timer);
  }

  reply.code(upstream.status);
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  // A service's Location is one of its own paths: give it under the same mount.
  const location = upstream.headers.get('location');
  if (location?.startsWith('/')) reply.header('location', mount + location);
  return reply.send(upstream.body ? Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream) : Buffer.alloc(0));
}
