export {
  type NatsCredentials,
  type NatsServer,
  type NatsServerOptions,
  type NatsClusterMembership,
  NatsServerNotInstalledError,
  findNatsServer,
  natsInstallHint,
  startNatsServer,
} from './nats-server.js';
export { type NatsCluster, type NatsClusterNode, type NatsClusterOptions, startNatsCluster } from './nats-cluster.js';
export { type LocalConfig, ConfigError, DEFAULTS, SERVICE_PORT_VARIABLES, loadLocalConfig } from './config.js';
export { type ServiceSpec, discoverServices } from './services.js';
export {
  ALL_STREAM_ACL, EVENT_STORE_AUTHORIZATIONS, SERVICES_GROUP, STREAM_POLICY, STREAM_SETTINGS, eventStoreLogin, provisionEventStoreAccess,
  type EventStoreAuthorization, type ServiceAccount,
} from './eventstore-access.js';
export { EVENT_STORE_ADMIN_VARIABLE, EVENT_STORE_SERVICES, eventStorePasswordVariable, readEventStoreUsersConfig } from './eventstore-users-cli.js';
export { canConnect, freePort, isPortFree, stopChild, waitForPort } from './processes.js';
export {
  type NatsPermissions,
  type NatsUser,
  CONSUMER_PERMISSIONS,
  RELAY_PERMISSIONS,
  OPERATOR_PERMISSIONS,
  SERVICE_NATS_PERMISSIONS,
  clusterAuthorizationConfig,
  credentialsPath,
  loadOrCreateNatsPasswords,
  natsPasswordVariable,
} from './nats-auth.js';
