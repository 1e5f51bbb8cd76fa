// startTestEnvironment(): one call gives a suite an event store and NATS, embedded, external or in containers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@cfund/embedded-eventstore';
import { startNatsServer } from '@cfund/infra';
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
      described.push(`event store ${esdbConnectionString} (ESDB_CONNECTION_STRING)`);
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
    if (natsUrl) {
      described.push(`NATS ${natsUrl} (NATS_URL)`);
    } else {
      const nats = await startNatsServer({ dataDir: await scratch('nats'), port: 0 });
      teardown.add(() => nats.close());
      natsUrl = nats.url;
      described.push(`nats-server ${nats.url}`);
    }

    const mode: EnvironmentMode = external ? 'external' : 'embedded';
    const servers = { esdbConnectionString, natsUrl, description: `${mode}: ${described.join(', ')}` };
    return { ...connectClients(mode, servers, teardown), ...(tempDir ? { tempDir } : {}) };
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}

function connectClients(
  mode: EnvironmentMode,
  servers: { esdbConnectionString: string; natsUrl: string; description: string },
  teardown: Teardown,
): TestEnvironment {
  const eventStore = EventStoreDBClient.connectionString(servers.esdbConnectionString);
  // Registered last, so closed first: clients go before the servers they talk to.
  const connections = new Set<NatsConnection>();
  teardown.add(() => eventStore.dispose());
  teardown.add(() => Promise.allSettled([...connections].map((connection) => connection.drain())));
  return {
    mode,
    ...servers,
    eventStore,
    async connectNats(options = {}) {
      const connection = await connect({ ...options, servers: servers.natsUrl });
      connections.add(connection);
      void connection.closed().then(() => connections.delete(connection));
      return connection;
    },
    close: () => teardown.run(),
  };
}
