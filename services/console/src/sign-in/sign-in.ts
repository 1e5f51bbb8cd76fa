/**
 * How people sign in. The embedded mode offers the demo users (embedded.ts); production will
 * sign in through OpenID Connect, as another implementation of the same seam: whatever it is,
 * it ends in `Sessions.open` with a principal and an access token for the services.
 */
import type { Principal } from '../session-store.js';

export interface SignedIn {
  principal: Principal;
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
}
