// startTestEnvironment(): one call gives a suite an event store and NATS, embedded, external or in containers.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { ensureServerCertificate, startEmbeddedEventStore } from '@cfund/embedded-eventstore';
import { type NatsCredentials, SERVICE_NATS_PERMISSIONS, eventStoreLogin, provisionEventStoreAccess, startNatsServer } from '@cfund/infra';
import { type NatsConnection, connect } from 'nats';
import { startContainers } from './containers.js';
import { Teardown } from './teardown.js';
import type { EnvironmentMode, SkippedEnvironment, TestEnvironment, TestEnvironmentOptions } from './types.js';

export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment | SkippedEnvironment> {
  const env = options.env ?? process.env;
  const teardown = new Teardown();
  try {
    if (env.TEST_CONTAINERS === '1') {
      const servers = await startContainers(env, teardown);
      if ('skipped' in servers) return { mode: 'containers', skipped: servers.skipped, close: () => teardown.run() };
      return connectClients('containers', servers, teardown);
    }

    const external = Boolean(env.ESDB_CONNECTION_STRING || env.NATS_URL);
    let tempDir: string | undefined;
    const scratch = async (name: string) => {
      if (!tempDir) {
        const dir = await mkdtemp(join(tmpdir(), 'cfund-test-'));
        tempDir = dir;
        teardown.add(() => rm(dir, { recursive: true, force: true }));
      }
      return join(tempDir, name);
    };
    const described: string[] = [];

    let esdbConnectionString = env.ESDB_CONNECTION_STRING;
    if (esdbConnectionString) {
      // Without the credentials a connection string may carry: descriptions are printed.
      described.push(`event store ${esdbConnectionString.replace(/^(esdb(?:\+discover)?:\/\/)[^@/?]*@/, '$1')} (ESDB_CONNECTION_STRING)`);
    } else {
      const store = await startEmbeddedEventStore({
        ...(options.memDb ? { memDb: true } : { dataDir: await scratch('eventstore') }),
        port: 0,
        host: '127.0.0.1',
      });
      teardown.add(() => store.close());
      esdbConnectionString = store.connectionString;
      described.push(`embedded event store ${store.host}:${store.port}${options.memDb ? ' (memDb)' : ''}`);
    }

    let natsUrl = env.NATS_URL;
    let natsCaFile: string | undefined;
    let credentials: Record<string, NatsCredentials> | undefined;
    if (natsUrl) {
      described.push(`NATS ${natsUrl} (NATS_URL)`);
      if (env.NATS_USER && env.NATS_PASSWORD) credentials = { [TEST_USER]: { user: env.NATS_USER, pass: env.NATS_PASSWORD } };
      natsCaFile = env.NATS_TLS_CA_FILE || undefined;
    } else {
      // With authentication, as in production: the services' users, and a test user that may do
      // anything (tests publish by hand, e.g. forged events, and inspect every stream).
      const tls = options.natsTls ? await ensureServerCertificate(await scratch('nats-certs'), 'nats', 'nats', ['127.0.0.1']) : undefined;
      const nats = await startNatsServer({
        dataDir: await scratch('nats'), port: 0,
        users: { ...SERVICE_NATS_PERMISSIONS, [TEST_USER]: { publish: ['>'], subscribe: ['>'] } },
        ...(tls ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
      });
      teardown.add(() => nats.close());
      natsUrl = nats.url;
      credentials = nats.credentials;
      natsCaFile = tls?.caFile;
      described.push(`nats-server ${nats.url} (with users${tls ? ', TLS' : ''})`);
    }

    const mode: EnvironmentMode = external ? 'external' : 'embedded';
    const servers = { esdbConnectionString, natsUrl, description: `${mode}: ${described.join(', ')}`, ...(credentials ? { credentials } : {}), ...(natsCaFile ? { natsCaFile } : {}) };
    return { ...connectClients(mode, servers, teardown), ...(tempDir ? { tempDir } : {}) };
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}

const TEST_USER = 'test';

function connectClients(
  mode: EnvironmentMode,
  { credentials, ...servers }: { esdbConnectionString: string; natsUrl: string; description: string; credentials?: Record<string, NatsCredentials>; natsCaFile?: string },
  teardown: Teardown,
): TestEnvironment {
  const tls = servers.natsCaFile ? { tls: { caFile: servers.natsCaFile } } : {};
  const natsOptions = (user = TEST_USER): { user?: string; pass?: string; tls?: { caFile: string } } => {
    if (!credentials) return { ...tls };
    const found = credentials[user] ?? (Object.keys(credentials).length === 1 ? credentials[TEST_USER] : undefined);
    if (!found) throw new Error(`no NATS user ${user} in this environment`);
    return { ...found, ...tls };
  };
  const eventStore = EventStoreDBClient.connectionString(servers.esdbConnectionString);
  const serviceStrings: Record<string, Promise<string>> = {};
  // Registered last, so closed first: clients go before the servers they talk to.
  const connections = new Set<NatsConnection>();
  teardown.add(() => eventStore.dispose());
  teardown.add(() => Promise.allSettled([...connections].map((connection) => connection.drain())));
  return {
    mode,
    ...servers,
    eventStore,
    natsOptions,
    esdbConnectionStringFor(service) {
      serviceStrings[service] ??= (async () => {
        // Not new URL(): an esdb+discover:// host list is no URL authority.
        const userinfo = /^(esdb(?:\+discover)?:\/\/)[^@/?]+@/;
        if (!userinfo.test(servers.esdbConnectionString)) return servers.esdbConnectionString;
        const password = randomBytes(24).toString('base64url');
        // The stream policy on the embedded store, as `npm start` runs it; an external node may lack the licence.
        await provisionEventStoreAccess(servers.esdbConnectionString, [{ service, password }], mode === 'embedded' ? 'stream-policy' : 'acl');
        return servers.esdbConnectionString.replace(userinfo, `$1${encodeURIComponent(eventStoreLogin(service))}:${password}@`);
      })();
      return serviceStrings[service];
    },
    natsEnv(user) {
      const o = natsOptions(user);
      return {
        NATS_URL: servers.natsUrl,
        ...(o.user && o.pass ? { NATS_USER: o.user, NATS_PASSWORD: o.pass } : {}),
        ...(servers.natsCaFile ? { NATS_TLS_CA_FILE: servers.natsCaFile } : {}),
      };
    },
    async connectNats(options = {}) {
      const connection = await connect({ ...natsOptions(), ...options, servers: servers.natsUrl });
      connections.add(connection);
      void connection.closed().then(() => connections.delete(connection));
      return connection;
    },
    close: () => teardown.run(),
  };
}
