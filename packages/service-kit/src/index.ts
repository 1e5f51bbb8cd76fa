export { default as authPlugin, type AuthOptions, type AuthenticatedPrincipal } from './auth-plugin.js';
export { commonEnv, parseEnv, loadConfigOrExit, natsConnectOptions, ConfigError, LOG_LEVELS, type CommonConfig } from './config.js';
export { default as docsPlugin, type DocsOptions } from './docs-plugin.js';
export { default as errorsPlugin } from './errors-plugin.js';
export { eventStoreReachable, healthRoutes, type HealthOptions } from './health.js';
export { HttpMetrics } from './http-metrics.js';
export { default as metricsPlugin } from './metrics-plugin.js';
export { HttpProblem, problemType, statusTitle } from './problem.js';
export {
  jwtSecretPath, keyStoreDir, loadOrCreateJwtSecret, masterKeyPath, readJwtSecretFile, resolveSecrets,
  type ResolvedSecrets, type SecretsConfig,
} from './secrets.js';
export { signToken, TokenClaimsSchema, type SignTokenOptions, type TokenClaims } from './token.js';
export { onShutdownSignals, runMain, type ShutdownOptions } from './process.js';
export { createServiceFastify, registerCommonPlugins, type TokenVerification } from './service-app.js';
