/**
 * Embedded-mode sign-in: pick one of the demo users that `npm start` creates; the console mints
 * their token with the embedded JWT secret (DATA_DIR/secrets/jwt-secret), as the token CLI does.
 * It exists only in the embedded mode: production has no demo users.
 */
import { DEMO_USERS, type DemoUser } from '@cfund/contracts';
import { signToken } from '@cfund/service-kit/token';
import type { SignedIn } from './sign-in.js';

export interface EmbeddedSignInOptions {
  jwtSecret: Uint8Array;
  issuer: string;
  audience: string;
  /** Token lifetime: nothing renews it, so a session lasts at most this long. */
  ttlSeconds: number;
  users?: readonly DemoUser[];
  now?: () => number;
}

export class EmbeddedSignIn {
  readonly users: readonly DemoUser[];

  constructor(private readonly options: EmbeddedSignInOptions) {
    this.users = options.users ?? DEMO_USERS;
  }

  /** Signs in as the demo user `sub`; undefined when there is none. */
  async signIn(sub: string): Promise<SignedIn | undefined> {
    const user = this.users.find((u) => u.sub === sub);
    if (!user) return undefined;
    const o = this.options;
    const accessToken = await signToken(o.jwtSecret, {
      sub: user.sub, name: user.name, roles: user.roles, jurisdictions: user.jurisdictions,
      ttlSeconds: o.ttlSeconds, issuer: o.issuer, audience: o.audience,
    });
    // The token's own iat comes from the clock; a little early is safe for the session.
    const accessTokenExpiresAt = (o.now ?? Date.now)() + o.ttlSeconds * 1000 - 5_000;
    return { principal: { sub: user.sub, name: user.name, roles: [...user.roles], jurisdictions: [...user.jurisdictions] }, accessToken, accessTokenExpiresAt };
  }
}
