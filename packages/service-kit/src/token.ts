/** JWT signing (embedded mode, token CLI, tests) and the claims every token must carry. */
import { SignJWT } from 'jose';
import { z } from 'zod';
import { JurisdictionSchema, RoleSchema, type Jurisdiction, type Role } from '@cfund/contracts';

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
  /** Lifetime in seconds (default 12 hours). */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}

/** An HS256 token for the embedded mode. */
export async function signToken(secret: Uint8Array, o: SignTokenOptions): Promise<string> {
  let jwt = new SignJWT({ name: o.name ?? o.sub, roles: o.roles, jurisdictions: o.jurisdictions })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.sub)
    .setIssuedAt()
    .setExpirationTime(`${o.ttlSeconds ?? 12 * 3600}s`);
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(secret);
}
