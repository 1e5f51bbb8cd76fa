/**
 * How a bearer token is verified: HS256 with a shared secret (embedded mode), or RS256 keys from
 * a JWKS URL (an identity provider). A token must name the configured issuer and audience and
 * carry `iat` and `exp` at most the maximum lifetime apart (a stolen token is useful for hours,
 * not years); its roles and jurisdictions are read where `claims` says. The services' auth plugin
 * and the console's OpenID Connect sign-in use the same verifier, so both see the same principal.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Principal } from '@cfund/domain';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEFAULT_JWT_MAX_LIFETIME_SECONDS, tokenClaimsOf, type ClaimPaths } from './token.js';

export interface TokenVerifierOptions {
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
  /** Where the roles and jurisdictions are (default `roles` and `jurisdictions`). */
  claims?: ClaimPaths;
}

export interface AuthenticatedPrincipal extends Principal {
  name: string;
  /** The token's `locale` claim, when it has a well-formed one. */
  locale?: string;
}

export interface VerifiedToken {
  principal: AuthenticatedPrincipal;
  /** Epoch seconds. */
  exp: number;
}

/** A token refused; `detail` says why in words fit for the caller. */
export class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

export async function createTokenVerifier(options: TokenVerifierOptions): Promise<(token: string) => Promise<VerifiedToken>> {
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
  let verify: (token: string) => Promise<JWTPayload>;
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

  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'invalid';
      throw new TokenRefused(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token is not valid.');
    }
    // jose checked that both are numbers (requiredClaims).
    const exp = payload.exp!;
    if (exp - payload.iat! > maxLifetime) throw new TokenRefused(`The token's lifetime (exp - iat) exceeds the ${maxLifetime} seconds accepted.`);
    const c = tokenClaimsOf(payload, options.claims);
    if (!c) throw new TokenRefused('The token lacks the claims sub, roles[] and jurisdictions[] (or has no role this system knows, or unknown jurisdictions).');
    return { principal: { sub: c.sub, name: c.name ?? c.sub, roles: c.roles, jurisdictions: c.jurisdictions, ...(c.locale ? { locale: c.locale } : {}) }, exp };
  };
}
