export { startTestEnvironment } from './environment.js';
export { DEFAULT_ESDB_IMAGE, DEFAULT_NATS_IMAGE } from './containers.js';
export type { EnvironmentMode, SkippedEnvironment, TestEnvironment, TestEnvironmentOptions } from './types.js';
export { eventually, freePort } from './waiting.js';
export { buildConsoleWeb } from './console-web.js';
export { EICAR, findClamd, pingClamd, startClamd, type RunningClamd } from './clamd.js';
