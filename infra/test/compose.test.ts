/**
 * The compose deployment (infra/compose) against the code it runs: every variable set on a
 * service is one its configuration schema reads, and the whole environment passes that schema;
 * every path it names is mounted; the NATS users are the embedded default's; the Keycloak realm
 * has the roles and demo users of the contracts and puts the claims where the services read them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import * as command from '@cfund/command-service';
import * as consoleService from '@cfund/console';
import { DEMO_USERS, JURISDICTIONS, ROLES } from '@cfund/contracts';
import * as notification from '@cfund/notification-service';
import * as projection from '@cfund/projection-service';
import { ensureNodeTls } from '@cfund/embedded-eventstore';
import { keyStoreDir } from '@cfund/service-kit';
import { SERVICE_NATS_PERMISSIONS, clusterAuthorizationConfig, discoverServices, eventStoreLogin, findNatsServer, natsPasswordVariable } from '../src/index.js';
import { readEventStoreUsersConfig } from '../src/eventstore-users-cli.js';
import { type ComposeService, composeDir, environmentOf, exampleEnvFile, loadCompose, mountTargets, parseEnvFile } from './compose-file.js';

/** The services of the cfund image, by the command that chooses them, with their configuration. */
const SERVICES = {
  command: { variables: command.CONFIG_VARIABLES, load: command.loadConfig },
  projection: { variables: projection.CONFIG_VARIABLES, load: projection.loadConfig },
  notification: { variables: notification.CONFIG_VARIABLES, load: notification.loadConfig },
  console: { variables: consoleService.CONFIG_VARIABLES, load: consoleService.loadConfig },
} as const;
type ServiceName = keyof typeof SERVICES;

/** Node's own variables, read by the runtime rather than a schema. */
const RUNTIME_VARIABLES = new Set(['NODE_EXTRA_CA_CERTS']);

const project = loadCompose();
const cfundServices = Object.entries(project.services)
  .filter(([, s]) => s.build?.dockerfile === 'infra/compose/Dockerfile' && (s.command?.[0] ?? '') in SERVICES)
  .map(([name, s]) => ({ name, service: s, kind: s.command![0] as ServiceName }));

/** Absolute paths an environment names (`/certs/ca/ca.crt`, also inside `tlsCAFile=...`). */
const pathsIn = (value: string): string[] => [...value.matchAll(/(?:^|=)(\/[A-Za-z0-9._/-]+)/g)].map((m) => m[1]!);

/**
 * Problems of a service's environment: variables its schema does not read, paths no volume
 * provides, and what the schema refuses. Paths are pointed at stand-in files under `root` (the
 * schema checks that tlsCAFile exists).
 */
function environmentProblems(kind: ServiceName, service: ComposeService, root: string): string[] {
  const env = environmentOf(service);
  const { variables, load } = SERVICES[kind];
  const problems = Object.keys(env).filter((k) => !variables.includes(k) && !RUNTIME_VARIABLES.has(k)).map((k) => `${k}: not a variable of the ${kind} service`);
  const mounts = mountTargets(service);
  const local: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    let rewritten = value;
    for (const path of pathsIn(value)) {
      if (key === 'DATA_DIR' || key === 'HOST') continue;
      if (!mounts.some((m) => path === m || path.startsWith(`${m}/`))) problems.push(`${key}: ${path} is on no volume of the container`);
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), 'stand-in');
      rewritten = rewritten.replace(path, join(root, path));
    }
    local[key] = rewritten;
  }
  try {
    load(local);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

t.test('two instances of each service and one console, all from the one image', async (t) => {
  const count = (kind: ServiceName) => cfundServices.filter((s) => s.kind === kind).length;
  t.same([count('command'), count('projection'), count('notification'), count('console')], [2, 2, 2, 1]);
  const images = new Set(Object.values(project.services).filter((s) => s.build).map((s) => s.image));
  t.same([...images], [parseEnvFile(readFileSync(exampleEnvFile, 'utf8')).CFUND_IMAGE]);
  // The second instances are opt-in (a profile), so that one machine runs the smallest system.
  t.same(cfundServices.filter((s) => s.service.profiles).map((s) => [s.name, s.service.profiles]), [
    ['command-2', ['scale-out']], ['projection-2', ['scale-out']], ['notification-2', ['scale-out']],
  ]);
});

t.test('each notification instance has its own durable consumer and name in the sending lease', async (t) => {
  const notifiers = cfundServices.filter((s) => s.kind === 'notification').map((s) => environmentOf(s.service));
  t.same(notifiers.map((e) => [e.NOTIFICATION_DURABLE, e.NOTIFICATION_INSTANCE]), [['notification-1', 'notification-1'], ['notification-2', 'notification-2']]);
});

t.test('each projection instance has its own durable consumer (on a shared one each would see part of the events)', async (t) => {
  const durables = cfundServices.filter((s) => s.kind === 'projection').map((s) => environmentOf(s.service).PROJECTION_DURABLE ?? 'projection (the default)');
  t.same(durables, ['projection (the default)', 'projection-2']);
});

t.test('the image runs every service the local runner runs, from the same entry point', async (t) => {
  const entrypoint = readFileSync(join(composeDir, 'entrypoint.sh'), 'utf8');
  const servicesCase = /^\s*([a-z|]+)\)\n\s*cd "\/app\/services\/\$service"\n\s*exec node (\S+)$/m.exec(entrypoint);
  t.ok(servicesCase, 'entrypoint.sh starts a service from its directory');
  const services = discoverServices(join(composeDir, '..', '..', 'services'));
  t.same(servicesCase?.[1]?.split('|').sort(), services.map((s) => s.name).sort());
  t.same([...new Set(services.map((s) => s.entry.slice(s.dir.length + 1)))], [servicesCase?.[2]]);
  t.same(Object.keys(SERVICES).sort(), services.map((s) => s.name).sort(), 'this test knows every service');
});

t.test("every service's environment is one its configuration schema accepts", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'cfund-compose-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const { name, kind, service } of cfundServices) {
    t.same(environmentProblems(kind, service, join(root, name)), [], `${name} (${kind})`);
  }
  // The production settings, not the embedded defaults: tokens from Keycloak, secrets from configuration.
  for (const { name, kind, service } of cfundServices) {
    const config = SERVICES[kind].load(Object.fromEntries(Object.entries(environmentOf(service)).map(([k, v]) => [k, v.replace(/tlsCAFile=[^&]*/, 'tls=true')])));
    t.equal(config.embedded, false, `${name} is not in the embedded mode`);
  }
});

t.test('the check finds an unknown variable, a wrong value and a path on no volume', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'cfund-compose-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const base = cfundServices.find((s) => s.kind === 'command')!.service;
  const changed = (environment: Record<string, string>, volumes = base.volumes): ComposeService =>
    ({ ...base, environment: { ...base.environment, ...environment }, volumes });
  t.match(environmentProblems('command', changed({ NATS_SERVERS: 'nats://x:4222' }), root), [/^NATS_SERVERS: not a variable/]);
  t.match(environmentProblems('command', changed({ NATS_URL: 'http://nats-1:4222' }), root), [/NATS_URL: must start with nats:\/\/ or tls:\/\//]);
  t.match(environmentProblems('command', changed({}, base.volumes!.filter((v) => !v.startsWith('chain-keys'))), root), [
    /^CHAIN_SIGNING_KEY_FILE: \/keys\/secrets\/chain-signing-key.pem is on no volume/,
    /^CHAIN_VERIFY_KEYS_FILE: /,
  ]);
  const consoleCompose = project.services.console!;
  t.match(environmentProblems('console', { ...consoleCompose, environment: { ...consoleCompose.environment, OIDC_CLIENT_SECRET: '' } }, root), [/OIDC_CLIENT_SECRET: required with OIDC_ISSUER/]);
});

t.test('the victims\' keys: one NATS bucket for every instance, and a one-shot that copies an older file key store into it', async (t) => {
  for (const { name, kind, service } of cfundServices.filter((s) => s.kind === 'command' || s.kind === 'projection')) {
    t.equal(environmentOf(service).KEY_STORE, 'nats', `${name} (${kind}): KEY_STORE=nats`);
    t.notOk((service.volumes ?? []).some((v) => v.startsWith('victim-keys:')), `${name}: no key store volume`);
  }
  const copy = project.services['copy-key-store']!;
  t.same([copy.command, copy.profiles], [['copy-key-store'], ['migrate-keys']], 'opt-in, run by hand');
  t.match(readFileSync(join(composeDir, 'entrypoint.sh'), 'utf8'), /copy-key-store\)\n\s*#[^\n]*\n\s*cd \/app\/services\/command\n\s*exec node dist\/copy-key-store\.js/, 'the image runs the command service\'s copy script');
  const root = mkdtempSync(join(tmpdir(), 'cfund-compose-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.same(environmentProblems('command', copy, root), [], 'its environment is one the command service\'s schema accepts');
  const env = environmentOf(copy);
  t.equal(env.KEY_STORE, 'nats');
  t.ok((copy.volumes ?? []).includes(`victim-keys:${keyStoreDir(env.DATA_DIR!)}:ro`), 'the old volume, read-only, where the file key store is read from');
});

t.test('a missing secret stops compose with the variable named', async (t) => {
  const env = parseEnvFile(readFileSync(exampleEnvFile, 'utf8'));
  delete env.MASTER_KEY;
  t.throws(() => loadCompose(env), /MASTER_KEY: set MASTER_KEY in .env/);
});

t.test('KurrentDB: each back-end service connects as its own user; only the eventstore-users one-shot as admin', async (t) => {
  for (const { name, kind, service } of cfundServices) {
    const esdb = environmentOf(service).ESDB_CONNECTION_STRING;
    if (kind === 'console') t.equal(esdb, undefined, `${name}: no event store at all`);
    else t.match(esdb, new RegExp(`^esdb://${eventStoreLogin(kind)}:[^@]+@`), `${name} as ${eventStoreLogin(kind)}`);
  }
  const users = project.services['eventstore-users'];
  t.same(users?.command, ['eventstore-users'], 'the one-shot runs the image\'s eventstore-users');
  const config = readEventStoreUsersConfig(environmentOf(users!));
  t.notOk('errors' in config && config.errors, 'its environment is what the CLI reads');
  if (!('errors' in config)) {
    t.match(config.admin, /^esdb:\/\/admin:/);
    for (const { service, password } of config.accounts) {
      t.ok(environmentOf(cfundServices.find((s) => s.kind === service)!.service).ESDB_CONNECTION_STRING?.includes(`:${password}@`), `${service}: the password it creates is the one the service uses`);
    }
  }
  for (const { name, service } of cfundServices) t.notMatch(environmentOf(service).ESDB_CONNECTION_STRING ?? '', /admin/, `${name} never gets admin's`);
  const backendDepends = (cfundServices.find((s) => s.kind === 'command')!.service as { depends_on?: Record<string, unknown> }).depends_on ?? {};
  t.same(backendDepends['eventstore-users'], { condition: 'service_completed_successfully' }, 'services start once the users exist');
  t.same(readEventStoreUsersConfig({}), { errors: [
    'ESDB_ADMIN_CONNECTION_STRING must be an esdb:// connection string with the admin\'s credentials',
    'KURRENTDB_COMMAND_PASSWORD must be set, at least 16 characters',
    'KURRENTDB_PROJECTION_PASSWORD must be set, at least 16 characters',
    'KURRENTDB_NOTIFICATION_PASSWORD must be set, at least 16 characters',
  ] }, 'a missing variable is named');
  if (!('errors' in config)) {
    t.equal(config.authorization, 'acl', 'the ACLs by default: a KurrentDB node needs a licence for the stream policy');
    const policed = readEventStoreUsersConfig({ ...environmentOf(users!), EVENT_STORE_AUTHORIZATION: 'stream-policy' });
    t.equal('authorization' in policed && policed.authorization, 'stream-policy', 'EVENT_STORE_AUTHORIZATION=stream-policy asks for the stream policy');
  }
  t.same(readEventStoreUsersConfig({ ...environmentOf(users!), EVENT_STORE_AUTHORIZATION: 'streampolicy' }), { errors: [
    'EVENT_STORE_AUTHORIZATION must be one of acl, stream-policy, got "streampolicy"',
  ] }, 'a wrong authorization is named');
});

t.test('NATS: the cluster has the users and permissions of the embedded default', async (t) => {
  const file = readFileSync(join(composeDir, 'nats', 'authorization.conf'), 'utf8');
  const expected = `# Generated from infra/src/nats-auth.ts (clusterAuthorizationConfig); infra/test/compose.test.ts checks it.\n${clusterAuthorizationConfig()}`;
  if (process.env.CFUND_WRITE_GENERATED === '1') writeFileSync(join(composeDir, 'nats', 'authorization.conf'), expected);
  t.equal(file, expected, 'authorization.conf is up to date (CFUND_WRITE_GENERATED=1 rewrites it)');
  const natsEnv = environmentOf(project.services['nats-1']!);
  for (const { name, service } of cfundServices.filter((s) => s.kind !== 'console')) {
    const env = environmentOf(service);
    t.ok(env.NATS_USER! in SERVICE_NATS_PERMISSIONS, `${name}'s NATS user ${env.NATS_USER} exists`);
    t.equal(env.NATS_PASSWORD, natsEnv[natsPasswordVariable(env.NATS_USER!)], `${name}'s password is the one its user has on the servers`);
  }
});

const nats = findNatsServer();

t.test('nats-server accepts the cluster configuration', { skip: nats ? false : 'nats-server is not installed' }, async (t) => {
  // The container's paths (/certs, /data) moved under a temporary directory, with real certificates.
  const root = mkdtempSync(join(tmpdir(), 'cfund-nats-conf-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const tls = await ensureNodeTls(join(root, 'certs', 'node'), ['nats-1']);
  mkdirSync(join(root, 'certs', 'ca'));
  writeFileSync(join(root, 'certs', 'ca', 'ca.crt'), tls.ca);
  const conf = readFileSync(join(composeDir, 'nats', 'nats.conf'), 'utf8').replaceAll('"/certs/', `"${root}/certs/`).replace('"/data"', `"${root}/data"`);
  writeFileSync(join(root, 'nats.conf'), conf);
  writeFileSync(join(root, 'authorization.conf'), readFileSync(join(composeDir, 'nats', 'authorization.conf')));
  const env = { ...process.env, ...environmentOf(project.services['nats-1']!) };
  const ok = spawnSync(nats!, ['-t', '-c', join(root, 'nats.conf')], { env, encoding: 'utf8' });
  t.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
  // The check can fail: without the passwords' variables the configuration does not load.
  const without = spawnSync(nats!, ['-t', '-c', join(root, 'nats.conf')], { env: { PATH: process.env.PATH, NATS_SERVER_NAME: 'nats-1' }, encoding: 'utf8' });
  t.not(without.status, 0, 'refused without NATS_COMMAND_PASSWORD');
});

interface RealmUser { id: string; username: string; realmRoles: string[]; attributes: { jurisdictions: string[] }; firstName: string; lastName: string }
interface Mapper { protocolMapper: string; config: Record<string, string> }

t.test('Keycloak: the realm has the roles, the demo users and the claims the services read', async (t) => {
  const realm = JSON.parse(readFileSync(join(composeDir, 'keycloak', 'cfund-realm.json'), 'utf8')) as {
    roles: { realm: { name: string }[] }; users: RealmUser[]; clients: { clientId: string; redirectUris: string[]; protocolMappers: Mapper[] }[];
    components: Record<string, { config: Record<string, string[]> }[]>;
  };
  t.same(realm.roles.realm.map((r) => r.name).sort(), [...ROLES].sort());
  t.same(
    realm.users.map((u) => ({ sub: u.id, name: `${u.firstName} ${u.lastName}`, roles: u.realmRoles, jurisdictions: u.attributes.jurisdictions })),
    DEMO_USERS.map((u) => ({ sub: u.sub, name: u.name, roles: u.roles, jurisdictions: u.jurisdictions })),
  );
  t.ok(realm.users.every((u) => u.username === u.id));
  const profile = JSON.parse(realm.components['org.keycloak.userprofile.UserProfileProvider']![0]!.config['kc.user.profile.config']![0]!) as { attributes: { name: string; multivalued: boolean; validations: { options?: { options: string[] } } }[] };
  const jurisdictions = profile.attributes.find((a) => a.name === 'jurisdictions');
  t.same({ multivalued: jurisdictions?.multivalued, options: jurisdictions?.validations.options?.options }, { multivalued: true, options: [...JURISDICTIONS] });

  const consoleEnv = environmentOf(project.services.console!);
  const client = realm.clients.find((c) => c.clientId === consoleEnv.OIDC_CLIENT_ID);
  t.ok(client, 'the console\'s client exists');
  const mapper = (type: string) => client!.protocolMappers.find((m) => m.protocolMapper === type)?.config ?? {};
  for (const { name, service } of cfundServices) {
    const env = environmentOf(service);
    t.equal(mapper('oidc-usermodel-attribute-mapper')['claim.name'], env.JWT_JURISDICTIONS_CLAIM, `${name} reads the jurisdictions where Keycloak puts them`);
    t.equal(mapper('oidc-usermodel-attribute-mapper')['access.token.claim'], 'true');
    t.equal(mapper('oidc-audience-mapper')['included.custom.audience'], env.JWT_AUDIENCE, `${name} expects the audience Keycloak adds`);
    t.equal(env.JWT_ROLES_CLAIM, 'realm_access.roles', `${name} reads Keycloak's realm roles`);
    t.equal(env.JWT_ISSUER, consoleEnv.OIDC_ISSUER, `${name} expects the issuer the console signs in at`);
  }
  // Each ${...} of the realm file is set in Keycloak's environment (it replaces them at import).
  const keycloakEnv = environmentOf(project.services.keycloak!);
  const placeholders = new Set([...readFileSync(join(composeDir, 'keycloak', 'cfund-realm.json'), 'utf8').matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!));
  t.same([...placeholders].filter((p) => !keycloakEnv[p]), []);
  const callback = `${keycloakEnv.CONSOLE_URL}${consoleService.OIDC_CALLBACK_PATH}`;
  t.same(client!.redirectUris.map((u) => u.replace('${CONSOLE_URL}', keycloakEnv.CONSOLE_URL!)), [callback]);
  t.equal(consoleEnv.OIDC_REDIRECT_URL, callback);
});
