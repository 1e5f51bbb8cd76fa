/**
 * JWT signing (embedded mode, token CLI, tests) and what every token must carry: the claims the
 * services read, and the registered claims the auth plugin checks (`exp` and `iat` within the
 * maximum lifetime, `iss`, `aud`). The embedded defaults below are the one place both sides take
 * them from.
 */
import { SignJWT } from 'jose';
import { z } from 'zod';
import { JurisdictionSchema, RoleSchema, type Jurisdiction, type Role } from '@cfund/contracts/primitives';

/** `iss` of embedded-mode tokens (JWT_ISSUER's default). */
export const DEFAULT_JWT_ISSUER = 'compensation-fund';
/** `aud` of embedded-mode tokens (JWT_AUDIENCE's default): the services' API. */
export const DEFAULT_JWT_AUDIENCE = 'compensation-fund-api';
/** Longest accepted lifetime, `exp` - `iat` (JWT_MAX_LIFETIME's default): one working day. */
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 12 * 3600;

/** What the service reads from a verified token. */
export const TokenClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(300).optional(),
  roles: z.array(RoleSchema).min(1),
  jurisdictions: z.array(JurisdictionSchema).default([]),
});
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

export interface SignTokenOptions {
  sub: string;
  name?: string;
  roles: Role[];
  jurisdictions: Jurisdiction[];
  /** Lifetime in seconds (default 12 hours; the services refuse more than their JWT_MAX_LIFETIME). */
  ttlSeconds?: number;
  /** Default DEFAULT_JWT_ISSUER. */
  issuer?: string;
  /** Default DEFAULT_JWT_AUDIENCE. */
  audience?: string;
}

/** An HS256 token for the embedded mode. */
export async function signToken(secret: Uint8Array, o: SignTokenOptions): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: o.name ?? o.sub, roles: o.roles, jurisdictions: o.jurisdictions })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (o.ttlSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS))
    .setIssuer(o.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(o.audience ?? DEFAULT_JWT_AUDIENCE)
    .sign(secret);
}
