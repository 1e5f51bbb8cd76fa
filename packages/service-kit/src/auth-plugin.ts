/**
 * Bearer JWT authentication. HS256 with a shared secret (embedded mode), or RS256 keys from a
 * JWKS URL when configured. The token's claims (`sub`, `name`, `roles[]`, `jurisdictions[]`)
 * become `request.principal`. A token must name the configured issuer and audience and carry
 * `iat` and `exp` at most the maximum lifetime apart (a stolen token is useful for hours, not
 * years). A missing or invalid token is a 401 problem.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Principal } from '@cfund/domain';
import { HttpProblem } from './problem.js';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEFAULT_JWT_MAX_LIFETIME_SECONDS, TokenClaimsSchema } from './token.js';

export interface AuthOptions {
  /** HS256 secret; ignored when `jwksUrl` is given. */
  jwtSecret?: Uint8Array;
  /** RS256 keys of an identity provider: then `issuer` and `audience` are required. */
  jwksUrl?: string;
  /** Required `iss` (default DEFAULT_JWT_ISSUER with a secret). */
  issuer?: string;
  /** Required `aud` (default DEFAULT_JWT_AUDIENCE with a secret). */
  audience?: string;
  /** Longest accepted `exp` - `iat`, in seconds (default 12 hours). */
  maxLifetimeSeconds?: number;
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

export interface AuthenticatedPrincipal extends Principal {
  name: string;
}

declare module 'fastify' {
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
  let verify: (token: string) => Promise<JWTPayload>;
  if (options.jwksUrl && (!options.issuer || !options.audience)) {
    throw new Error('auth: with a JWKS URL the issuer and audience of its tokens must be configured');
  }
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS;
  const common: JWTVerifyOptions = {
    issuer: options.issuer ?? DEFAULT_JWT_ISSUER,
    audience: options.audience ?? DEFAULT_JWT_AUDIENCE,
    requiredClaims: ['exp', 'iat'],
    // Refuses an `iat` in the future (which would stretch the lifetime checked below) or older than the lifetime.
    maxTokenAge: maxLifetime,
  };
  if (options.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl));
    verify = async (token) => (await jwtVerify(token, jwks, { ...common, algorithms: ['RS256'] })).payload;
  } else if (options.jwtSecret) {
    // Imported once: jose would import a raw secret again for every token.
    const secret = await crypto.subtle.importKey('raw', options.jwtSecret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verify = async (token) => (await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('auth: neither a JWT secret nor a JWKS URL is configured');
  }

  const verified = new VerifiedTokens(options.verifiedTokenCacheSize ?? 10_000);

  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This request needs an Authorization: Bearer <token> header.');
    const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
    const token = match[1]!;
    const known = verified.get(token);
    if (known) {
      request.principal = known;
      return;
    }
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'invalid';
      throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token is not valid.');
    }
    // jose checked that both are numbers (requiredClaims).
    const exp = payload.exp!;
    if (exp - payload.iat! > maxLifetime) throw unauthorized(`The token's lifetime (exp - iat) exceeds the ${maxLifetime} seconds accepted.`);
    const claims = TokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized('The token lacks the claims sub, roles[] and jurisdictions[] (or has unknown roles or jurisdictions).');
    const c = claims.data;
    request.principal = { sub: c.sub, name: c.name ?? c.sub, roles: c.roles, jurisdictions: c.jurisdictions };
    verified.add(token, request.principal, exp);
  });
}, { name: 'cfund-auth' });
