/**
 * How people sign in. The embedded mode offers the demo users (embedded.ts); production signs in
 * through OpenID Connect (oidc.ts). Either ends in `Sessions.open` with what is below.
 */
import type { Principal } from '../session-store.js';

export interface SignedIn {
  principal: Principal;
  /** Sent to the services as the bearer token; never to the browser. */
  accessToken: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  /** The identity provider's other tokens (OpenID Connect only), kept here, never sent anywhere but to it. */
  provider?: ProviderTokens;
}

export interface ProviderTokens {
  /** The hint for the provider's logout. */
  idToken: string;
  /** Renews the access token; without it the session ends with the access token. */
  refreshToken?: string;
}

/** What renews a session's tokens at the provider (OpenID Connect). */
export interface TokenRenewal {
  /** A session's tokens renewed; throws when the provider refuses (the session then ends). */
  renew(session: SignedIn): Promise<SignedIn>;
}
