import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import usersGrpc from '@eventstore/db-client/generated/users_grpc_pb.js';
import { lockDataDir } from './data-dir-lock.js';
import { batchDurations, durationOf, handleAppend, handleBatchAppend, handleDelete } from './grpc/appends.js';
import { gossip, handleSupportedMethods, SERVER_VERSIONS, type ServerVersion } from './grpc/cluster.js';
import { handleRead } from './grpc/reads.js';
import { usersService } from './grpc/users.js';
import type { RecoveryReport } from './log/file-storage.js';
import { Guard } from './security/guard.js';
import { ensureNodeTls, type NodeTls } from './security/tls.js';
import { DEFAULT_PASSWORD, Users, type UserPasswords } from './security/users.js';
import { startStatsCollector } from './stats.js';
import { EventStore } from './store.js';

export interface EmbeddedEventStoreOptions {
  /** Where the log and index live; required unless `memDb`. */
  dataDir?: string;
  /** Keep everything in memory (nothing survives the process), like EventStoreDB's `--mem-db`. */
  memDb?: boolean;
  /** Default 2113; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The server this store answers as, where they differ: the version ServerFeatures reports and
   * the default append limits. `24.10` (default): EventStoreDB 24.10.5, 1 MiB per append, no
   * per-event limit. `25.1`: KurrentDB 25.1, 256 MiB per append, 16 MiB per event.
   */
  serverVersion?: ServerVersion;
  /** Largest append accepted, in bytes as the server counts them (data, metadata, twice the type's length). */
  maxAppendSize?: number;
  /** Largest single event accepted, in the same bytes. */
  maxAppendEventSize?: number;
  /** Period of the `$statsCollected` system event (default 30 s, as on EventStoreDB). */
  statsIntervalMs?: number;
  /** Events between index checkpoints (default 200,000). */
  checkpointEvery?: number;
  /**
   * Run as KurrentDB's `--insecure` does: no TLS, no authentication, no access control. Off by
   * default: the store then speaks TLS only, requires credentials and enforces stream ACLs.
   */
  insecure?: boolean;
  /**
   * How stream access is decided while `$authorization-policy-settings` holds no event (the
   * server's `Authorization:PolicyType`): `acl` (default, the legacy ACLs) or `streampolicy`
   * (rules by stream prefix in `$policies`, security/stream-policy.ts). An event in that stream
   * switches the running store, as on a real node.
   */
  authorizationPolicyType?: 'acl' | 'streampolicy';
  /**
   * Passwords `admin` and `ops` get when they are created, on the first secure start (default
   * `changeit` each, as the real server); afterwards the Users API changes them.
   */
  passwords?: UserPasswords;
  /**
   * Where the CA and node certificate live (generated on first start). Default `<dataDir>/certs`;
   * with `memDb`, a temporary directory removed by `close()`.
   */
  certsDir?: string;
  /** Where operational reports go (a truncated tail, a failed write); default stderr. */
  log?: (line: string) => void;
}

export interface EmbeddedEventStore {
  host: string;
  port: number;
  /**
   * For `EventStoreDBClient.connectionString`: as `admin`, with `tls=true&tlsCAFile=...` in
   * secure mode; `?tls=false` without credentials when insecure.
   */
  connectionString: string;
  /** The same connection as another user (secure mode), e.g. to test access control. */
  connectionStringFor(username: string, password: string): string;
  /** The CA certificate file clients trust; undefined when insecure. */
  caFile: string | undefined;
  insecure: boolean;
  /** What start-up found and repaired in the log. */
  recovery: RecoveryReport;
  store: EventStore;
  close(): Promise<void>;
}

/** Starts the store and its gRPC endpoint, which the real `@eventstore/db-client` talks to. */
export async function startEmbeddedEventStore(options: EmbeddedEventStoreOptions): Promise<EmbeddedEventStore> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = options.memDb ? undefined : options.dataDir && path.resolve(options.dataDir);
  if (!options.memDb && !dataDir) throw new Error('embedded-eventstore: a data directory is required unless memDb is set');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  let store: EventStore;
  const version = SERVER_VERSIONS[options.serverVersion ?? '24.10'];
  try {
    store = EventStore.open({
      ...(dataDir ? { dataDir } : { memDb: true }),
      maxAppendSize: options.maxAppendSize ?? version.maxAppendSize,
      maxAppendEventSize: options.maxAppendEventSize ?? version.maxAppendEventSize,
      ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    });
  } catch (err) {
    unlock();
    throw err;
  }
  const insecure = options.insecure ?? false;
  let tls: NodeTls | undefined;
  let tempCertsDir: string | undefined;
  if (!insecure) {
    try {
      let certsDir = options.certsDir ?? (dataDir ? path.join(dataDir, 'certs') : undefined);
      if (!certsDir) certsDir = tempCertsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-eventstore-certs-'));
      tls = await ensureNodeTls(certsDir, [host]);
    } catch (err) {
      await store.close();
      unlock();
      throw new Error(`embedded-eventstore: cannot prepare the TLS certificates: ${(err as Error).message}`);
    }
  }
  const users = insecure ? undefined : new Users(store);
  const guard = new Guard(store, users, options.authorizationPolicyType ?? 'acl');
  if (users) {
    try {
      await users.ensureDefaultUsers(options.passwords);
    } catch (err) {
      await store.close();
      unlock();
      if (tempCertsDir) fs.rmSync(tempCertsDir, { recursive: true, force: true });
      throw new Error(`embedded-eventstore: cannot create the default users: ${(err as Error).message}`);
    }
  }
  if (store.recovery.truncatedBytes > 0) {
    log(`embedded-eventstore: dropped a damaged tail of ${store.recovery.truncatedBytes} bytes at offset ${store.recovery.truncatedAt} (${store.recovery.reason}); every event before it is intact`);
  }

  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  // Read responses are encoded by hand (grpc/wire.ts): pass the bytes through unchanged.
  const streamsService = {
    ...streamsGrpc.StreamsService,
    read: { ...streamsGrpc.StreamsService.read, responseSerialize: (b: Buffer) => b },
    batchAppend: {
      ...streamsGrpc.StreamsService.batchAppend,
      requestDeserialize: (b: Buffer) => {
        const req = streamsGrpc.StreamsService.batchAppend.requestDeserialize(b);
        const ms = durationOf(b);
        if (ms !== undefined) batchDurations.set(req, ms);
        return req;
      },
    },
  };
  let port = options.port ?? 2113;
  server.addService(streamsService, {
    read: (call: Parameters<typeof handleRead>[2]) => handleRead(store, guard, call),
    append: handleAppend(store, guard),
    batchAppend: handleBatchAppend(store, guard),
    delete: handleDelete(store, guard, false),
    tombstone: handleDelete(store, guard, true),
  } as UntypedServiceImplementation);
  // User management needs users: served on a secure node only.
  if (users) server.addService(usersGrpc.UsersService, usersService(guard, users));
  server.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods: handleSupportedMethods(version.reported, users !== undefined) } as UntypedServiceImplementation);
  server.addService(gossipGrpc.GossipService, { read: gossip(crypto.randomUUID(), host, () => port) } as UntypedServiceImplementation);
  const credentials = tls
    ? ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], false)
    : ServerCredentials.createInsecure();
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  } catch (err) {
    await store.close();
    unlock();
    if (tempCertsDir) fs.rmSync(tempCertsDir, { recursive: true, force: true });
    throw new Error(`embedded-eventstore: cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const stopStats = startStatsCollector(store, `$stats-${host}:${port}`, options.statsIntervalMs ?? 30_000, (err) => log(`embedded-eventstore: stats: ${err.message}`));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopStats();
      await new Promise<void>((resolve) => {
        // Subscriptions never end by themselves: give calls a moment, then cut them.
        const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 1000);
        server.tryShutdown(() => { clearTimeout(timer); resolve(); });
      });
      await store.close();
      unlock();
      if (tempCertsDir) fs.rmSync(tempCertsDir, { recursive: true, force: true });
    })();
    return closing;
  };
  const connectionStringFor = (username: string, password: string): string => (tls
    ? `esdb://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${port}?tls=true&tlsCAFile=${encodeURIComponent(tls.caFile)}`
    : `esdb://${host}:${port}?tls=false`);
  return {
    host, port, store, close, insecure, connectionStringFor,
    caFile: tls?.caFile,
    connectionString: connectionStringFor('admin', options.passwords?.admin ?? DEFAULT_PASSWORD),
    recovery: store.recovery,
  };
}

