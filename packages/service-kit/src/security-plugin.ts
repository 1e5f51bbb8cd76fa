/**
 * What every response carries and every request passes before a route sees it:
 * - the security headers (security-headers.ts, computed once);
 * - `Cache-Control: no-store` on every answer to a request with credentials: it may carry
 *   personal data, and no browser or proxy may keep it;
 * - rate limits per client address (before authentication, so floods of bad tokens count) and
 *   per principal (after it), answered 429 problem+json with `Retry-After`;
 * - 503 problem+json with `Connection: close` for requests that arrive while the server closes.
 */
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { HttpLimits } from './http-limits.js';
import { HttpProblem } from './problem.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface SecurityOptions {
  /** Rate limits (the other limits apply to the server itself; see createServiceFastify). */
  limits: Pick<HttpLimits, 'rateLimitWindowMs' | 'rateLimitPerAddress' | 'rateLimitPerPrincipal'>;
}

/** Seconds a client should wait before retrying while the service shuts down (another instance, or this one restarted). */
const CLOSING_RETRY_AFTER_S = 5;

const tooMany = (what: string, seconds: number) => new HttpProblem(429, 'Too Many Requests',
  `Too many requests from this ${what}. Try again in ${seconds} s.`, { code: 'rate-limited', headers: { 'retry-after': String(seconds) } });

export default fp<SecurityOptions>(async (app, options) => {
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  // Hooks with callbacks, not async functions: they run on every request and need no promise.
  app.addHook('onRequest', (_request, reply, done) => {
    if (closing) {
      reply.header('connection', 'close');
      done(new HttpProblem(503, 'Service Unavailable', 'The service is shutting down. Try again shortly.', {
        code: 'shutting-down', headers: { 'retry-after': String(CLOSING_RETRY_AFTER_S) },
      }));
      return;
    }
    reply.headers(SECURITY_HEADERS);
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.headers.authorization !== undefined || request.principal) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  const { rateLimitWindowMs: window, rateLimitPerAddress: perAddress, rateLimitPerPrincipal: perPrincipal } = options.limits;
  if (perAddress === 0 && perPrincipal === 0) return;
  await app.register(rateLimit, { global: false, cache: 20_000 });
  const check = (max: number, key: (request: FastifyRequest) => string) => app.createRateLimit({ max, timeWindow: window, keyGenerator: key });
  if (perAddress > 0) {
    const byAddress = check(perAddress, (request) => `address ${request.ip}`);
    app.addHook('onRequest', async (request) => {
      const r = await byAddress(request);
      if (!r.isAllowed && r.isExceeded) throw tooMany('address', r.ttlInSeconds);
    });
  }
  if (perPrincipal > 0) {
    const byPrincipal = check(perPrincipal, (request) => `principal ${request.principal?.sub ?? ''}`);
    // preValidation: after the routes' authentication (onRequest), before the body is validated.
    app.addHook('preValidation', async (request) => {
      if (!request.principal) return;
      const r = await byPrincipal(request);
      if (!r.isAllowed && r.isExceeded) throw tooMany('user', r.ttlInSeconds);
    });
  }
}, { name: 'cfund-security' });
