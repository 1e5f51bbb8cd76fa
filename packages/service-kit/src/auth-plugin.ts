/**
 * Bearer JWT authentication (token-verifier.ts says what a token must be). The token's claims
 * (`sub`, `name`, roles and jurisdictions) become `request.principal`. A missing or invalid
 * token is a 401 problem. A token that sees published aggregates only (the `monitor` role) is
 * refused here (403 `aggregates-only`) on every route not marked `config: { aggregates: true }`,
 * so that a new route is closed to it unless it is declared to serve aggregates.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canUseRoute, ensureAllowed } from '@cfund/domain';
import { HttpProblem } from './problem.js';
import { createTokenVerifier, TokenRefused, type AuthenticatedPrincipal, type TokenVerifierOptions } from './token-verifier.js';

export type { AuthenticatedPrincipal } from './token-verifier.js';

export interface AuthOptions extends TokenVerifierOptions {
  /** Verified tokens remembered (default 10,000; 0 verifies every request). */
  verifiedTokenCacheSize?: number;
}

/**
 * Tokens verified recently, by their exact text (signature included, so a hit is the same
 * token): a client sends the same token with every request, and verifying an HMAC or RSA
 * signature each time costs more than the rest of a small command. An entry lives until the
 * token expires and at most VERIFIED_TTL_MS, so that a key withdrawn from the JWKS stops
 * being honoured within minutes.
 */
const VERIFIED_TTL_MS = 5 * 60_000;

class VerifiedTokens {
  private readonly entries = new Map<string, { principal: AuthenticatedPrincipal; until: number }>();
  constructor(private readonly max: number) {}

  get(token: string): AuthenticatedPrincipal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  add(token: string, principal: AuthenticatedPrincipal, exp: number): void {
    if (this.max === 0) return;
    this.entries.set(token, { principal, until: Math.min(exp * 1000, Date.now() + VERIFIED_TTL_MS) });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route serves published (suppressed) aggregates only: aggregate-only roles may use it. */
    aggregates?: boolean;
  }
  interface FastifyRequest {
    principal: AuthenticatedPrincipal | null;
  }
  interface FastifyInstance {
    /** onRequest hook: authenticates the request or answers 401. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

const unauthorized = (detail: string): HttpProblem =>
  new HttpProblem(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="cfund"' } });

export default fp<AuthOptions>(async (app, options) => {
  const verify = await createTokenVerifier(options);
  const verified = new VerifiedTokens(options.verifiedTokenCacheSize ?? 10_000);

  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This request needs an Authorization: Bearer <token> header.');
    const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
    const token = match[1]!;
    let principal = verified.get(token);
    if (!principal) {
      try {
        const result = await verify(token);
        principal = result.principal;
        verified.add(token, principal, result.exp);
      } catch (error) {
        if (error instanceof TokenRefused) throw unauthorized(error.message);
        throw error;
      }
    }
    request.principal = principal;
    ensureAllowed(canUseRoute(principal, { aggregates: request.routeOptions.config.aggregates === true }));
  });
}, { name: 'cfund-auth' });
