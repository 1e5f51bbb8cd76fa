/**
 * A real OpenID provider for the tests (the `oidc-provider` package, with its development login
 * and consent screens: any password), laid out like Keycloak: the roles in
 * `realm_access.roles` (with the provider's own `offline_access` among them), the jurisdictions
 * in `cfund.jurisdictions`. Its access tokens are RS256 JWTs for the services' audience, signed
 * with the package's development keys.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import { DEFAULT_JWT_AUDIENCE } from '@cfund/service-kit';

/** The people the provider knows, by login. */
export const PEOPLE: Record<string, { name: string; roles: string[]; jurisdictions: string[] }> = {
  'ana.lawyer': { name: 'Ana Advokat', roles: ['lawyer'], jurisdictions: ['RS'] },
  'marko.assessor': { name: 'Marko Procenitelj', roles: ['fund-assessor', 'fund-approver'], jurisdictions: ['RS'] },
};

/** The services' API, as a resource indicator. */
const API_RESOURCE = 'urn:cfund:api';

export interface TestProvider {
  issuer: string;
  provider: Provider;
  clientId: string;
  clientSecret: string;
}

export interface TestProviderOptions {
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Seconds an access token lives. */
  accessTokenTtl: number;
}

export async function startProvider(close: (f: () => Promise<void>) => void, options: TestProviderOptions): Promise<TestProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'cfund-console';
  const clientSecret = randomBytes(24).toString('base64url');

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret,
      redirect_uris: [options.redirectUri], post_logout_redirect_uris: [options.postLogoutRedirectUri],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name'] },
    // Lifetimes set (the access token's by the resource server below), so the provider prints no notice.
    ttl: { Session: 3600, Grant: 3600, IdToken: 3600, RefreshToken: 3600, Interaction: 600, AuthorizationCode: 60 },
    // The name in the ID token, as Keycloak puts it.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => (PEOPLE[id]
      ? { accountId: id, claims: async () => ({ sub: id, name: PEOPLE[id]!.name }) }
      : undefined),
    extraTokenClaims: async (_ctx, token) => {
      const person = 'accountId' in token && typeof token.accountId === 'string' ? PEOPLE[token.accountId] : undefined;
      return person ? { realm_access: { roles: [...person.roles, 'offline_access'] }, cfund: { jurisdictions: person.jurisdictions } } : undefined;
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== API_RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'api', audience: DEFAULT_JWT_AUDIENCE, accessTokenTTL: options.accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
  });
  // Silences the provider's notes about its development screens.
  provider.on('server_error', () => undefined);
  server.on('request', provider.callback());
  return { issuer, provider, clientId, clientSecret };
}
