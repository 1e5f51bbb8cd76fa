/**
 * Same-origin paths to the services: /api/commands/* to the command service,
 * /api/queries/* to the projection service, /api/notifications/* to the notification service,
 * each with the session's bearer token. Bodies pass through as they are (the services validate
 * them); only the headers the API uses cross, both ways, so no cookie reaches a service and no
 * upstream header reaches the browser unchecked.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';
import type { Sessions } from './sessions.js';

export interface Upstreams {
  commands: string;
  queries: string;
  notifications: string;
}

const SERVICE_NAMES: Record<keyof Upstreams, string> = { commands: 'command', queries: 'projection', notifications: 'notification' };
const REQUEST_HEADERS = ['accept', 'accept-language', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id'];
const RESPONSE_HEADERS = ['content-type', 'etag', 'retry-after', 'content-disposition', 'x-request-id'];
const UPSTREAM_TIMEOUT_MS = 30_000;

export async function proxyRoutes(app: FastifyInstance, options: { sessions: Sessions; upstreams: Upstreams; bodyLimit: number }): Promise<void> {
  // Forwarded as bytes: parsing and re-serializing could change what the service sees.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));

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
  const body = request.body instanceof Buffer && request.method !== 'GET' && request.method !== 'HEAD' ? request.body : undefined;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method, headers, redirect: 'manual', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
  } catch (error) {
    request.log.warn({ upstream: SERVICE_NAMES[prefix], err: (error as Error).message }, 'upstream unreachable');
    throw new HttpProblem(502, 'Bad Gateway', `The ${SERVICE_NAMES[prefix]} service cannot be reached. Try again shortly.`, { code: 'upstream-unreachable' });
  }

  reply.code(upstream.status);
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  // A service's Location is one of its own paths: give it under the same mount.
  const location = upstream.headers.get('location');
  if (location?.startsWith('/')) reply.header('location', mount + location);
  return reply.send(Buffer.from(await upstream.arrayBuffer()));
}
