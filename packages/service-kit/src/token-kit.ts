/**
 * `@cfund/service-kit/token`: what minting a token needs (configuration, the JWT secret, signing)
 * and nothing else, so that the token CLI starts in a fraction of a second.
 */
export { commonEnv, parseEnv, ConfigError } from './config.js';
export { jwtSecretPath, loadOrCreateJwtSecret, readJwtSecretFile } from './jwt-secret.js';
export { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEFAULT_JWT_MAX_LIFETIME_SECONDS, signToken, TokenClaimsSchema, tokenLocaleOf, type SignTokenOptions } from './token.js';
