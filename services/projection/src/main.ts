/**
 * The projection service process: reads the configuration (a wrong variable stops it with its
 * name, exit code 2), opens the read model (rebuilding it from EventStoreDB when it is new or was
 * lost), consumes the events from NATS, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, stop the consumer after the event in hand, close the store and clients).
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { connect } from 'nats';
import { FileKeyStore, createLogger } from '@cfund/eventstore';
import { httpLimitsOf, keyStoreDir, loadConfigOrExit, natsConnectOptions, onShutdownSignals, resolveSecrets, runMain } from '@cfund/service-kit';
import { eventSigningKey } from '@cfund/messaging';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { consumerReadyCheck, startProjectionConsumer } from './consumer.js';
import { ReadModelStore, readModelPath } from './read-model/store.js';
import type { EventConsumer } from '@cfund/messaging';

async function main(): Promise<void> {
  const config = loadConfigOrExit('projection service', () => loadConfig());
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'projection' } });
  let secrets;
  try {
    secrets = await resolveSecrets(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`projection service: ${error.message}\n`);
    process.exit(2);
  }
  for (const note of secrets.notes) logger.info(note);

  const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
  const keyStore = await FileKeyStore.open(keyStoreDir(config.DATA_DIR), { readOnly: true });
  const store = new ReadModelStore(readModelPath(config.DATA_DIR));
  const nc = await connect({ ...natsConnectOptions(config), name: 'cfund-projection', maxReconnectAttempts: -1 });
  const running: { consumer?: EventConsumer } = {};
  const app = await buildApp({
    http: httpLimitsOf(config),
    client, store, keyStore, masterKey: secrets.masterKey, chainSigner: secrets.chainSigner, chainKeyring: secrets.chainKeyring, logger,
    ...(secrets.jwtSecret ? { jwtSecret: secrets.jwtSecret } : {}),
    ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : {}),
    ...(config.JWT_ISSUER ? { jwtIssuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { jwtAudience: config.JWT_AUDIENCE } : {}),
    jwtMaxLifetimeSeconds: config.JWT_MAX_LIFETIME,
    checks: {
      nats: () => !nc.isClosed() && nc.info !== undefined,
      consumer: () => consumerReadyCheck(() => running.consumer, app.runner)(),
    },
  });

  if (store.isEmpty() || store.needsRebuild) {
    // A new (or lost) read model: build it from the source of truth before following NATS, so a
    // durable consumer that is already far ahead does not leave it with only the newest events.
    const r = await app.runner.rebuild();
    logger.info({ events: r.events, applied: r.applied, seconds: r.seconds }, 'new read model built from the event store');
  }
  onShutdownSignals(async () => {
    await app.close();
    await running.consumer?.stop();
    await nc.drain().catch(() => undefined);
    store.close();
    await client.dispose();
  }, { logger, message: 'shutting down: no new requests, finishing the event in hand' });

  running.consumer = await startProjectionConsumer({
    nc, runner: app.runner, metrics: app.metrics, logger, signingKey: eventSigningKey(secrets.masterKey), stallAfterMs: config.CONSUMER_STALL_MS,
    ...(config.PROJECTION_MAX_DELIVER !== undefined ? { maxDeliver: config.PROJECTION_MAX_DELIVER } : {}),
  });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info(`projection service ready on ${address} (docs: ${address}/docs)`);
}

runMain('projection service', main);
