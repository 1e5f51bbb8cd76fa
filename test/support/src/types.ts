import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ConnectionOptions, NatsConnection } from 'nats';

/**
 * - `embedded`: the embedded event store in this process and a nats-server child, on free ports in a temp dir;
 * - `external`: ESDB_CONNECTION_STRING and/or NATS_URL name running servers (whichever is unset is embedded);
 * - `containers`: TEST_CONTAINERS=1, a real EventStoreDB/KurrentDB and NATS in containers.
 */
export type EnvironmentMode = 'embedded' | 'external' | 'containers';

export interface TestEnvironmentOptions {
  /** Embedded event store in memory only: faster, nothing written to disk. Default false. */
  memDb?: boolean;
  /** Where to read ESDB_CONNECTION_STRING, NATS_URL and TEST_CONTAINERS; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * The embedded nats-server speaks TLS only, as under `npm start` (a certificate of a CA made for
   * the environment; clients and services get the CA). Default false.
   */
  natsTls?: boolean;
}

export interface TestEnvironment {
  mode: EnvironmentMode;
  skipped?: undefined;
  /** One line saying what runs where, for t.comment(). */
  description: string;
  esdbConnectionString: string;
  natsUrl: string;
  /** A client connected to the event store; disposed by close(). */
  eventStore: EventStoreDBClient;
  /**
   * Opens a NATS connection, by default as the test user `test` (every permission); pass
   * `natsOptions('projection')` etc. to connect as a service. close() drains every connection opened here.
   */
  connectNats(options?: Omit<ConnectionOptions, 'servers'>): Promise<NatsConnection>;
  /**
   * Credentials of a NATS user (default `test`): on the embedded nats-server the services'
   * users (`command`, `projection`, `notification`) and `test`; on an external one NATS_USER and
   * NATS_PASSWORD, if set, whatever the name; otherwise none.
   */
  natsOptions(user?: string): { user?: string; pass?: string; tls?: { caFile: string } };
  /** The same as environment variables for a service process (NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE). */
  natsEnv(user: string): Record<string, string>;
  /**
   * The event store as a service connects to it under `npm start`: its own user `cfund-<service>`
   * with the ACLs of @cfund/infra's provisionEventStoreAccess, created on first use with a random
   * password. A store without credentials in `esdbConnectionString` (insecure) has no users:
   * then `esdbConnectionString` itself.
   */
  esdbConnectionStringFor(service: string): Promise<string>;
  /** With `natsTls`: the CA of the nats-server's certificate. */
  natsCaFile?: string;
  /** The temporary directory of embedded servers (removed by close()), if any. */
  tempDir?: string;
  /** Stops what was started here and removes temporary data. Idempotent. */
  close(): Promise<void>;
}

/** The requested environment cannot run on this machine (e.g. no container runtime). */
export interface SkippedEnvironment {
  mode: EnvironmentMode;
  /** Why: pass it to t.skip(). */
  skipped: string;
  close(): Promise<void>;
}
