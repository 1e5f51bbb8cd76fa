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
export type TokenClaims = z.infer<typeof TokenClaimsSchema> & {
  /** The person's language as their identity provider states it (OpenID Connect's `locale`). */
  locale?: string;
};

/**
 * OpenID Connect's standard `locale` claim (a BCP 47 tag; some providers write `sr_RS`), or
 * undefined. A malformed one is ignored rather than refusing the token: it only chooses a language.
 */
export function tokenLocaleOf(payload: Record<string, unknown>): string | undefined {
  const raw = payload.locale;
  if (typeof raw !== 'string' || raw.length > 35) return undefined;
  const tag = raw.replace(/_/g, '-');
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : undefined;
}

/**
 * Where a token carries the roles and the jurisdictions: a claim name or a dotted path into
 * nested claims (an identity provider's own layout, e.g. Keycloak's `realm_access.roles`).
 */
export interface ClaimPaths {
  roles: string;
  jurisdictions: string;
}
export const DEFAULT_CLAIM_PATHS: ClaimPaths = { roles: 'roles', jurisdictions: 'jurisdictions' };
export const CLAIM_PATH_PATTERN = /^[\w-]+(\.[\w-]+)*$/;

const claimAt = (claims: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), claims);

const knownRole = (r: unknown) => RoleSchema.safeParse(r).success;

/**
 * The claims of a verified token, read at `paths`; undefined when they are missing or wrong.
 * Roles the system does not know are ignored (an identity provider also lists its own and other
 * applications' roles); at least one it knows is required. An unknown jurisdiction refuses the token.
 */
export function tokenClaimsOf(payload: Record<string, unknown>, paths: ClaimPaths = DEFAULT_CLAIM_PATHS): TokenClaims | undefined {
  const roles = claimAt(payload, paths.roles);
  const parsed = TokenClaimsSchema.safeParse({
    sub: payload.sub, name: payload.name,
    roles: Array.isArray(roles) ? roles.filter(knownRole) : roles,
    jurisdictions: claimAt(payload, paths.jurisdictions),
  });
  if (!parsed.success) return undefined;
  const locale = tokenLocaleOf(payload);
  return locale ? { ...parsed.data, locale } : parsed.data;
}

export interface SignTokenOptions {
  sub: string;
  name?: string;
  roles: Role[];
  jurisdictions: Jurisdiction[];
  /** The person's language (OpenID Connect's `locale` claim), e.g. `sr-Latn`. */
  locale?: string;
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
  return new SignJWT({ name: o.name ?? o.sub, roles: o.roles, jurisdictions: o.jurisdictions, ...(o.locale ? { locale: o.locale } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (o.ttlSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS))
    .setIssuer(o.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(o.audience ?? DEFAULT_JWT_AUDIENCE)
    .sign(secret);
}
