export { buildApp, type ConsoleApp, type ConsoleAppOptions } from './app.js';
export { CONFIG_VARIABLES, loadConfig, ConfigError, type Config } from './config.js';
export { EmbeddedSignIn, type EmbeddedSignInOptions } from './sign-in/embedded.js';
export { OidcSignIn, type OidcSignInOptions } from './sign-in/oidc.js';
export { OIDC_CALLBACK_PATH, OIDC_START_PATH } from './sign-in/oidc-routes.js';
export type { Principal, Session } from './session-store.js';
export type { Upstreams } from './proxy.js';
export { FIRST_PAGE_MODULES, INITIAL_SCRIPT_BUDGET_BYTES, measureInitialScript, type InitialScript } from './build/initial-script.js';
