/**
 * The system's own services: what each runs, with which settings and Secrets, how many, with
 * which volumes. Each service's variables are typed by its own configuration, and the test
 * parses what is set here with that service's real `loadConfig`.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverServices, type ServiceSpec } from '@cfund/infra';
import { CONFIG_VARIABLES as commandVariables, loadConfig as commandConfig, type Config as CommandConfig } from '@cfund/command-service';
import { CONFIG_VARIABLES as projectionVariables, loadConfig as projectionConfig, type Config as ProjectionConfig } from '@cfund/projection-service';
import { CONFIG_VARIABLES as notificationVariables, loadConfig as notificationConfig, type Config as NotificationConfig } from '@cfund/notification-service';
import { CONFIG_VARIABLES as consoleVariables, OIDC_CALLBACK_PATH, loadConfig as consoleConfig, type Config as ConsoleConfig } from '@cfund/console';
import { kurrentDbAddress } from './kurrentdb.js';
import { CHAIN_KEYS_SECRET, DIRECTORY_SECRET, KURRENTDB_CA_SECRET, MASTER_KEY_SECRET, NATS_CA_SECRET } from './secrets.js';
import { serviceHost, type Settings } from './settings.js';
import { NATS, type ServiceName } from './topology.js';

/** The environment variables of a configuration (its upper-case keys). */
type VariablesOf<C> = { [K in keyof C]: K extends string ? (K extends Uppercase<K> ? K : never) : never }[keyof C];

/** Where the workspace lives in the system's image (one image; the command picks the service). */
export const APP_ROOT = '/app';
export const DATA_DIR = '/var/lib/cfund';

export interface SecretFile {
  volume: string;
  secret: string;
  /** Key in the Secret -> file name under `dir`. */
  keys: Record<string, string>;
  dir: string;
}

export interface ServiceWorkload<C = unknown> {
  name: ServiceName;
  /** A Deployment when an instance keeps nothing of its own; a StatefulSet when it keeps a volume per instance. */
  kind: 'Deployment' | 'StatefulSet';
  replicas: number;
  /** The default port of its configuration. */
  port: number;
  /** Its entry point, relative to its directory in the image. */
  start: string;
  /** Values of the ConfigMap named like the service. */
  settings: Partial<Record<VariablesOf<C>, string>>;
  /** Variables set to a field of the pod (its name: one per instance of a StatefulSet). */
  fromPod?: Partial<Record<VariablesOf<C>, 'metadata.name'>>;
  /** Variables read from the Secret `cfund-<name>`, each under a key of the same name. */
  secrets: readonly VariablesOf<C>[];
  files: SecretFile[];
  /** Size of the per-instance volume of a StatefulSet. */
  storage?: string;
  cpu: [request: string, limit: string];
  memory: [request: string, limit: string];
  /** Parses an environment with the service's own configuration (the test's check). */
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  /** The variables its configuration reads. */
  variables: readonly string[];
}

const MASTER_KEY: SecretFile = { volume: 'master-key', secret: MASTER_KEY_SECRET, keys: { 'master-key': 'master-key' }, dir: '/etc/cfund/master-key' };
const CHAIN_KEYS: SecretFile = { volume: 'chain-keys', secret: CHAIN_KEYS_SECRET, keys: { 'signing-key.pem': 'signing-key.pem', 'keyring.json': 'keyring.json' }, dir: '/etc/cfund/chain-keys' };
/** Where the pods that connect to the event store mount its CA. */
export const KURRENTDB_CA_DIR = '/etc/cfund/kurrentdb-ca';
const KURRENTDB_CA: SecretFile = { volume: 'kurrentdb-ca', secret: KURRENTDB_CA_SECRET, keys: { 'ca.crt': 'ca.crt' }, dir: KURRENTDB_CA_DIR };
const NATS_CA: SecretFile = { volume: 'nats-ca', secret: NATS_CA_SECRET, keys: { 'ca.crt': 'ca.crt' }, dir: '/etc/cfund/nats-ca' };
const DIRECTORY: SecretFile = { volume: 'directory', secret: DIRECTORY_SECRET, keys: { 'directory.json': 'directory.json' }, dir: '/etc/cfund/directory' };

/**
 * The ESDB_CONNECTION_STRING a service's Secret holds: its own user, TLS with the CA mounted in
 * its pod, the nodes found through the headless Service's DNS.
 */
export const eventStoreConnectionString = (settings: Settings, user: string, password: string, caFile = `${KURRENTDB_CA.dir}/ca.crt`): string =>
  `esdb+discover://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${kurrentDbAddress(settings)}?tls=true&tlsCAFile=${caFile}`;

const SERVICES_DIR = fileURLToPath(new URL('../../../services', import.meta.url));

/** The entry point and default port of each service, from its package.json and its configuration. */
function specOf(name: ServiceName): ServiceSpec {
  const spec = discoverServices(SERVICES_DIR).find((s) => s.name === name);
  if (!spec) throw new Error(`no service ${name} under ${SERVICES_DIR}`);
  return spec;
}
const startOf = (name: ServiceName) => { const s = specOf(name); return relative(s.dir, s.entry); };

/** What the command, projection and notification services share: identity provider, keys, NATS. */
function backendSettings(name: ServiceName, port: number, settings: Settings) {
  return {
    HOST: '0.0.0.0',
    PORT: String(port),
    DATA_DIR,
    LOG_LEVEL: 'info',
    // TLS, trusting the CA of the servers' certificate only.
    NATS_URL: `tls://${serviceHost(settings, 'nats')}:${NATS.port}`,
    NATS_TLS_CA_FILE: `${NATS_CA.dir}/ca.crt`,
    NATS_USER: name,
    // Every stream and bucket the services create (events, dead letters, lease, documents) on the three nodes.
    NATS_STREAM_REPLICAS: '3',
    JWKS_URL: settings.K8S_JWKS_URL,
    JWT_ISSUER: settings.K8S_OIDC_ISSUER,
    JWT_AUDIENCE: settings.K8S_JWT_AUDIENCE,
    JWT_ROLES_CLAIM: settings.K8S_JWT_ROLES_CLAIM,
    JWT_JURISDICTIONS_CLAIM: settings.K8S_JWT_JURISDICTIONS_CLAIM,
    MASTER_KEY_FILE: `${MASTER_KEY.dir}/master-key`,
    CHAIN_SIGNING_KEY_FILE: `${CHAIN_KEYS.dir}/signing-key.pem`,
    CHAIN_VERIFY_KEYS_FILE: `${CHAIN_KEYS.dir}/keyring.json`,
  } as const;
}
const BACKEND_SECRETS = ['ESDB_CONNECTION_STRING', 'NATS_PASSWORD'] as const;

export function serviceWorkloads(settings: Settings): ServiceWorkload[] {
  const port = (load: (env: NodeJS.ProcessEnv) => { PORT: number }) => load({}).PORT;
  const command: ServiceWorkload<CommandConfig> = {
    name: 'command',
    // Stateless: every write is checked against the stream's revision, and one relay publishes at a time (a lease).
    kind: 'Deployment',
    replicas: 2,
    port: port(commandConfig),
    start: startOf('command'),
    settings: {
      ...backendSettings('command', port(commandConfig), settings),
      // Documents in a replicated JetStream Object Store: a directory cannot be shared between instances.
      DOCUMENT_STORE: 'nats',
      // The victims' wrapped keys in a replicated KV bucket: files cannot be shared between hosts.
      KEY_STORE: 'nats',
      RELAY_ENABLED: 'true',
    },
    secrets: [...BACKEND_SECRETS, 'FUND_ACCOUNTS'],
    files: [MASTER_KEY, CHAIN_KEYS, KURRENTDB_CA, NATS_CA],
    cpu: ['250m', '1'],
    memory: ['512Mi', '1Gi'],
    loadConfig: commandConfig,
    variables: commandVariables,
  };
  const projection: ServiceWorkload<ProjectionConfig> = {
    name: 'projection',
    // Its read model is an SQLite file that goes with the consumer's position: it must outlive the pod.
    kind: 'StatefulSet',
    replicas: 2,
    port: port(projectionConfig),
    start: startOf('projection'),
    settings: { ...backendSettings('projection', port(projectionConfig), settings), DOCUMENT_STORE: 'nats', KEY_STORE: 'nats' },
    // Each instance its own durable consumer (projection-0, projection-1): one durable shared by
    // two read models would give each only part of the events.
    fromPod: { PROJECTION_DURABLE: 'metadata.name' },
    secrets: BACKEND_SECRETS,
    files: [MASTER_KEY, CHAIN_KEYS, KURRENTDB_CA, NATS_CA],
    storage: '20Gi',
    cpu: ['250m', '1'],
    memory: ['512Mi', '1Gi'],
    loadConfig: projectionConfig,
    variables: projectionVariables,
  };
  const notification: ServiceWorkload<NotificationConfig> = {
    name: 'notification',
    // Its inboxes and deliveries are an SQLite file that goes with the consumer's position.
    kind: 'StatefulSet',
    // Two: the holder of the sending lease sends, the other stands by (the service's README).
    replicas: 2,
    port: port(notificationConfig),
    start: startOf('notification'),
    settings: { ...backendSettings('notification', port(notificationConfig), settings), NOTIFICATION_DIRECTORY: `${DIRECTORY.dir}/directory.json` },
    // Each instance its own durable consumer and name in the lease (notification-0, notification-1).
    fromPod: { NOTIFICATION_DURABLE: 'metadata.name', NOTIFICATION_INSTANCE: 'metadata.name' },
    secrets: [...BACKEND_SECRETS, 'SMTP_URL'],
    files: [MASTER_KEY, CHAIN_KEYS, KURRENTDB_CA, NATS_CA, DIRECTORY],
    storage: '10Gi',
    cpu: ['100m', '500m'],
    memory: ['256Mi', '512Mi'],
    loadConfig: notificationConfig,
    variables: notificationVariables,
  };
  const url = (name: ServiceName, p: number) => `http://${serviceHost(settings, name)}:${p}`;
  const console: ServiceWorkload<ConsoleConfig> = {
    name: 'console',
    // Sessions live in memory: the Service and the ingress keep a browser on one instance (README).
    kind: 'Deployment',
    replicas: 2,
    port: port(consoleConfig),
    start: startOf('console'),
    settings: {
      HOST: '0.0.0.0',
      PORT: String(port(consoleConfig)),
      DATA_DIR,
      LOG_LEVEL: 'info',
      COMMAND_URL: url('command', command.port),
      PROJECTION_URL: url('projection', projection.port),
      NOTIFICATION_URL: url('notification', notification.port),
      COOKIE_SECURE: 'true',
      OIDC_ISSUER: settings.K8S_OIDC_ISSUER,
      OIDC_CLIENT_ID: settings.K8S_OIDC_CLIENT_ID,
      OIDC_REDIRECT_URL: `${settings.K8S_CONSOLE_URL.replace(/\/$/, '')}${OIDC_CALLBACK_PATH}`,
      JWT_AUDIENCE: settings.K8S_JWT_AUDIENCE,
      JWT_ROLES_CLAIM: settings.K8S_JWT_ROLES_CLAIM,
      JWT_JURISDICTIONS_CLAIM: settings.K8S_JWT_JURISDICTIONS_CLAIM,
    },
    secrets: ['OIDC_CLIENT_SECRET'],
    files: [],
    cpu: ['100m', '500m'],
    memory: ['128Mi', '256Mi'],
    loadConfig: consoleConfig,
    variables: consoleVariables,
  };
  return [command, projection, notification, console] as ServiceWorkload[];
}
