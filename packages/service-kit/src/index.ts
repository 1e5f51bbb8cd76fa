export { default as authPlugin, type AuthOptions, type AuthenticatedPrincipal } from './auth-plugin.js';
export { commonEnv, documentEnv, documentsDir, keyStoreEnv, parseEnv, loadConfigOrExit, natsConnectOptions, ConfigError, LOG_LEVELS, type CommonConfig, type NatsConnectOptions, type ResolvedConfig } from './config.js';
export { default as docsPlugin, type DocsOptions } from './docs-plugin.js';
export { default as errorsPlugin, type ErrorsOptions } from './errors-plugin.js';
export { eventStoreReachable, healthRoutes, READINESS_PROBE_STREAM, type HealthOptions } from './health.js';
export { HttpMetrics } from './http-metrics.js';
export { default as metricsPlugin } from './metrics-plugin.js';
export { HttpProblem, statusTitle } from './problem.js';
export { PERSONAL_DATA_LOG_FIELDS, createLogger, loggableUrl, personalDataRedactPaths, type CreateLoggerOptions } from './logger.js';
export {
  jwtSecretPath, keyStoreDir, loadOrCreateJwtSecret, masterKeyPath, readJwtSecretFile, resolveSecrets,
  type ResolvedSecrets, type SecretsConfig,
} from './secrets.js';
export {
  chainKeyringPath, chainSigningKeyPath, loadOrCreateChainKeys, readChainKeyringFile, readChainSigningKeyFile, resolveChainKeys,
  type ChainKeys, type ChainKeysConfig,
} from './chain-keys.js';
export {
  DEFAULT_CLAIM_PATHS, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEFAULT_JWT_MAX_LIFETIME_SECONDS, signToken, tokenClaimsOf, TokenClaimsSchema, tokenLocaleOf,
  type ClaimPaths, type SignTokenOptions, type TokenClaims,
} from './token.js';
export { createTokenVerifier, TokenRefused, type TokenVerifierOptions, type VerifiedToken } from './token-verifier.js';
export { runService, type ServiceContext, type ServiceDefinition, type ServiceParts, type StartedService } from './process.js';
export { createServiceFastify, registerCommonPlugins, tokenVerification, UNCONFIGURED_HTTP_LIMITS, type TokenVerification } from './service-app.js';
export { DEFAULT_HTTP_LIMITS, httpEnv, httpLimitsOf, type HttpLimits } from './http-limits.js';
export { PROBLEM_CONTENT_TYPE } from './problem.js';
export { OWN_FILES_ONLY_CSP, securityHeaders } from './security-headers.js';
export { runOneShot } from './one-shot.js';
export { Progress, formatProgress, reportProgress, withProgress, type ProgressReporter, type ProgressSnapshot } from './progress.js';
export { LOG_FORMATS, defaultLogFormat, prettyDestination, prettyLine, type LogFormat } from './pretty-log.js';
