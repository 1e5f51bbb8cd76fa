// TEST_CONTAINERS=1: a real EventStoreDB (or KurrentDB) and NATS in containers, through testcontainers.
import type { Teardown } from './teardown.js';

export interface ContainerServers {
  esdbConnectionString: string;
  natsUrl: string;
  description: string;
}

export const DEFAULT_ESDB_IMAGE = 'eventstore/eventstore:24.10';
export const DEFAULT_NATS_IMAGE = 'nats:2.10';

/** Starts both containers, or returns the reason they cannot run here (no Docker/Podman). */
export async function startContainers(env: NodeJS.ProcessEnv, teardown: Teardown): Promise<ContainerServers | { skipped: string }> {
  // Imported lazily: testcontainers is only loaded by suites that ask for it.
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    return { skipped: `TEST_CONTAINERS=1 but no container runtime is available: ${(error as Error).message}` };
  }

  const esdbImage = env.TEST_ESDB_IMAGE || DEFAULT_ESDB_IMAGE;
  // Both prefixes: EventStoreDB reads EVENTSTORE_*, KurrentDB reads KURRENTDB_* (and EVENTSTORE_* too).
  const insecureInMemory = Object.fromEntries(
    ['EVENTSTORE', 'KURRENTDB'].flatMap((prefix) => [
      [`${prefix}_INSECURE`, 'true'],
      [`${prefix}_MEM_DB`, 'true'],
      [`${prefix}_RUN_PROJECTIONS`, 'None'],
    ]),
  );
  const esdb = await new GenericContainer(esdbImage)
    .withEnvironment(esdbImage.includes('kurrent') ? filterPrefix(insecureInMemory, 'KURRENTDB_') : filterPrefix(insecureInMemory, 'EVENTSTORE_'))
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(180_000)
    .start();
  teardown.add(() => esdb.stop());

  const natsImage = env.TEST_NATS_IMAGE || DEFAULT_NATS_IMAGE;
  const nats = await new GenericContainer(natsImage)
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .withStartupTimeout(60_000)
    .start();
  teardown.add(() => nats.stop());

  return {
    esdbConnectionString: `esdb://${esdb.getHost()}:${esdb.getMappedPort(2113)}?tls=false`,
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    description: `containers: ${esdbImage}, ${natsImage}`,
  };
}

function filterPrefix(values: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key.startsWith(prefix)));
}
