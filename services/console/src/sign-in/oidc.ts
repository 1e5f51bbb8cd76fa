/**
 * Sign-in through OpenID Connect: the authorization code flow with PKCE (S256), state and nonce,
 * against the issuer found through its `.well-known/openid-configuration`. The ID token is
 * verified by openid-client (signature against the provider's JWKS, iss, aud, exp, nonce); the
 * access token, which the console forwards to the services, is verified as the services verify
 * it (service-kit's verifier: issuer, audience, lifetime, roles and jurisdictions where
 * JWT_ROLES_CLAIM and JWT_JURISDICTIONS_CLAIM say), so the console shows the principal the
 * services will see, and a provider that issues unusable tokens is refused at sign-in.
 *
 * Nothing is stored for a sign-in under way: its state, nonce and PKCE verifier are HMACs, under
 * a key of this process, of a random value the browser keeps in a short-lived cookie with the
 * time it was issued.
 */
import { createHmac, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { createTokenVerifier, type ClaimPaths, type VerifiedToken } from '@cfund/service-kit';
import type { SignedIn, TokenRenewal } from './sign-in.js';

export interface OidcSignInOptions {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** This console's callback, registered at the provider. */
  redirectUrl: URL;
  /** Where the provider sends the browser after its logout (registered at the provider). */
  postLogoutRedirectUrl: URL;
  /** Space-separated; `offline_access` among them asks for a refresh token (with consent, as OpenID Connect requires). */
  scopes: string;
  /** The `aud` the services require of an access token (JWT_AUDIENCE). */
  audience: string;
  /** The longest access token lifetime the services accept (JWT_MAX_LIFETIME). */
  maxLifetimeSeconds: number;
  claims: ClaimPaths;
  now?: () => number;
}

/** A sign-in may take this long at the provider (typing a password, a second factor). */
const PENDING_TTL_MS = 10 * 60_000;
const PENDING_FORMAT = /^([\w-]{43})\.(\d{1,13})$/;

/** A sign-in the console refuses; the message is for the log and names no person. */
export class SignInRefused extends Error {
  override readonly name = 'SignInRefused';
}

export class OidcSignIn implements TokenRenewal {
  private readonly key = randomBytes(32);
  private readonly now: () => number;

  private constructor(
    private readonly config: client.Configuration,
    private readonly verifyAccessToken: (token: string) => Promise<VerifiedToken>,
    private readonly options: OidcSignInOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Discovers the provider; throws when it cannot be reached or lacks what the flow needs. */
  static async discover(options: OidcSignInOptions): Promise<OidcSignIn> {
    const execute = [client.enableNonRepudiationChecks];
    // Plain HTTP only to a provider on this machine (a test or a developer's own provider).
    if (options.issuer.protocol === 'http:') execute.push(client.allowInsecureRequests);
    const config = await client.discovery(options.issuer, options.clientId, undefined, client.ClientSecretBasic(options.clientSecret), { execute });
    const metadata = config.serverMetadata();
    if (!metadata.jwks_uri) throw new Error(`the provider ${options.issuer.href} publishes no jwks_uri`);
    const verifyAccessToken = await createTokenVerifier({
      jwksUrl: metadata.jwks_uri, issuer: metadata.issuer, audience: options.audience,
      maxLifetimeSeconds: options.maxLifetimeSeconds, claims: options.claims,
    });
    return new OidcSignIn(config, verifyAccessToken, options);
  }

  /** Starts a sign-in: the provider's URL to send the browser to, and the value of the cookie that ties the answer to that browser. */
  async begin(): Promise<{ url: URL; pending: string }> {
    const pending = `${randomBytes(32).toString('base64url')}.${this.now()}`;
    const checks = this.checksOf(pending);
    const offline = this.options.scopes.split(' ').includes('offline_access');
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.options.redirectUrl.href, scope: this.options.scopes,
      state: checks.state, nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.verifier), code_challenge_method: 'S256',
      ...(offline ? { prompt: 'consent' } : {}),
    });
    return { url, pending };
  }

  /** Ends a sign-in with the provider's answer (`query` of the callback); throws when anything is amiss. */
  async complete(query: string, pending: string | undefined): Promise<SignedIn> {
    const match = pending === undefined ? null : PENDING_FORMAT.exec(pending);
    if (!match) throw new SignInRefused('no sign-in under way in this browser');
    if (this.now() - Number(match[2]) > PENDING_TTL_MS) throw new SignInRefused('the sign-in took too long');
    const checks = this.checksOf(pending!);
    const answer = new URL(this.options.redirectUrl);
    answer.search = query;
    const tokens = await client.authorizationCodeGrant(this.config, answer, {
      pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true,
    });
    const identity = tokens.claims()!;
    const access = await this.verifyAccess(tokens.access_token);
    if (access.principal.sub !== identity.sub) throw new SignInRefused('the access token is not of the person the ID token names');
    const name = [identity.name, identity.preferred_username].find((n): n is string => typeof n === 'string' && n.length > 0) ?? access.principal.name;
    return {
      principal: { ...access.principal, jurisdictions: [...access.principal.jurisdictions], name },
      accessToken: tokens.access_token,
      accessTokenExpiresAt: access.exp * 1000,
      provider: { idToken: tokens.id_token!, ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}) },
    };
  }

  async renew(session: SignedIn): Promise<SignedIn> {
    const refreshToken = session.provider?.refreshToken;
    if (!refreshToken) throw new SignInRefused('nothing to renew the session with');
    const tokens = await client.refreshTokenGrant(this.config, refreshToken);
    const access = await this.verifyAccess(tokens.access_token);
    if (access.principal.sub !== session.principal.sub) throw new SignInRefused('the renewed access token is of someone else');
    return {
      // Roles and jurisdictions as the provider says now; the name as it was shown.
      principal: { ...access.principal, jurisdictions: [...access.principal.jurisdictions], name: session.principal.name },
      accessToken: tokens.access_token,
      accessTokenExpiresAt: access.exp * 1000,
      // A provider that rotates refresh tokens sends a new one; others keep the first.
      provider: { idToken: tokens.id_token ?? session.provider!.idToken, refreshToken: tokens.refresh_token ?? refreshToken },
    };
  }

  /**
   * After the local session ended: the refresh token revoked (where the provider offers it), and
   * the provider's logout URL (RP-initiated logout) when it publishes an end_session_endpoint.
   */
  async signOut(session: SignedIn): Promise<URL | undefined> {
    const metadata = this.config.serverMetadata();
    if (session.provider?.refreshToken && metadata.revocation_endpoint) {
      await client.tokenRevocation(this.config, session.provider.refreshToken, { token_type_hint: 'refresh_token' }).catch(() => undefined);
    }
    if (!metadata.end_session_endpoint || !session.provider) return undefined;
    return client.buildEndSessionUrl(this.config, {
      id_token_hint: session.provider.idToken, post_logout_redirect_uri: this.options.postLogoutRedirectUrl.href,
    });
  }

  private async verifyAccess(token: string): Promise<VerifiedToken> {
    try {
      return await this.verifyAccessToken(token);
    } catch (error) {
      throw new SignInRefused(`the provider's access token is not one the services accept: ${(error as Error).message}`);
    }
  }

  private checksOf(pending: string) {
    const derive = (what: string) => createHmac('sha256', this.key).update(`${what}:${pending}`).digest('base64url');
    return { state: derive('state'), nonce: derive('nonce'), verifier: derive('pkce') };
  }
}
