export { buildApp, type BuildAppOptions, type CommandApp } from './app.js';
export { CommandService, claimAccess, type CommandContext, type CommandResult } from './command-service.js';
export { CONFIG_VARIABLES, ConfigError, loadConfig, type Config } from './config.js';
export { Metrics } from './metrics.js';
export {
  resolveSecrets, jwtSecretPath, masterKeyPath, keyStoreDir, loadOrCreateJwtSecret, signToken, TokenClaimsSchema,
  type SignTokenOptions, type TokenClaims,
} from '@cfund/service-kit';
export { EXAMPLES } from './routes/examples.js';
export { FAULT_POINTS, type FaultAt, type FaultPoint } from './faults.js';
export { letterDocumentId, letterFor } from './letters/letters.js';
