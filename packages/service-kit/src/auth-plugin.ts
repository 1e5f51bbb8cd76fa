/**
 * Bearer JWT authentication. HS256 with a shared secret (embedded mode), or RS256 keys from a
 * JWKS URL when configured. The token's claims (`sub`, `name`, `roles[]`, `jurisdictions[]`)
 * become `request.principal`. A missing or invalid token is a 401 problem.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Principal } from '@cfund/domain';
import { HttpProblem } from './problem.js';
import { TokenClaimsSchema } from './token.js';

export interface AuthOptions {
  /** HS256 secret; ignored when `jwksUrl` is given. */
  jwtSecret?: Uint8Array;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
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
  let verify: (token: string) => Promise<unknown>;
  const common: JWTVerifyOptions = {
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  if (options.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl));
    verify = async (token) => (await jwtVerify(token, jwks, { ...common, algorithms: ['RS256'] })).payload;
  } else if (options.jwtSecret) {
    const secret = options.jwtSecret;
    verify = async (token) => (await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('auth: neither a JWT secret nor a JWKS URL is configured');
  }

  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This request needs an Authorization: Bearer <token> header.');
    const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
    let payload: unknown;
    try {
      payload = await verify(match[1]!);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'invalid';
      throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token is not valid.');
    }
    const claims = TokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized('The token lacks the claims sub, roles[] and jurisdictions[] (or has unknown roles or jurisdictions).');
    const c = claims.data;
    request.principal = { sub: c.sub, name: c.name ?? c.sub, roles: c.roles, jurisdictions: c.jurisdictions };
  });
}, { name: 'cfund-auth' });
