/**
 * The projection service process (runService: configuration, secrets, signals, exit codes): the
 * read model, rebuilt from EventStoreDB when it is new or was lost; once listening, the consumer
 * of the events on NATS. A shutdown stops the consumer after the event in hand.
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { connect } from 'nats';
import { openKeyStore } from '@cfund/eventstore';
import { openDocumentStore } from '@cfund/documents';
import { documentsDir, httpLimitsOf, keyStoreDir, natsConnectOptions, runService, tokenVerification } from '@cfund/service-kit';
import { eventSigningKeys, type EventConsumer } from '@cfund/messaging';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { consumerReadyCheck, startProjectionConsumer } from './consumer.js';
import { ReadModelStore, readModelPath } from './read-model/store.js';

runService({
  name: 'projection',
  loadConfig: () => loadConfig(),
  async build({ config, secrets, logger }) {
    const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
    const store = new ReadModelStore(readModelPath(config.DATA_DIR));
    const nc = await connect({ ...natsConnectOptions(config), name: 'cfund-projection', maxReconnectAttempts: -1 });
    // Read-only: the projection decrypts, caching no key, so an erasure takes effect here at once.
    const keyStore = await openKeyStore({ ...config, keyStoreDir: keyStoreDir(config.DATA_DIR), readOnly: true }, async () => nc);
    const running: { consumer?: EventConsumer } = {};
    const documents = await openDocumentStore({ ...config, documentsDir: documentsDir(config.DATA_DIR), readOnly: true }, async () => nc);
    const app = await buildApp({
      ...tokenVerification(config, secrets), http: httpLimitsOf(config), client, store, keyStore, masterKey: secrets.masterKey, previousMasterKeys: secrets.previousMasterKeys, nextMasterKeys: secrets.nextMasterKeys, chainSigner: secrets.chainSigner, chainKeyring: secrets.chainKeyring, logger,
      suppressionThreshold: config.MONITORING_SUPPRESSION_THRESHOLD, openData: config.MONITORING_OPEN_DATA, documents,
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
    return { app, client, store, nc, running };
  },
  async start({ app, nc, running }, { config, secrets, logger }) {
    running.consumer = await startProjectionConsumer({
      nc, runner: app.runner, metrics: app.metrics, logger, signingKey: eventSigningKeys(secrets.masterKey, secrets.acceptedMasterKeys), stallAfterMs: config.CONSUMER_STALL_MS,
      durable: config.PROJECTION_DURABLE, replicas: config.NATS_STREAM_REPLICAS,
      ...(config.PROJECTION_MAX_DELIVER !== undefined ? { maxDeliver: config.PROJECTION_MAX_DELIVER } : {}),
      ...(config.PROJECTION_ACK_WAIT_MS !== undefined ? { ackWaitMs: config.PROJECTION_ACK_WAIT_MS } : {}),
    });
  },
  async stop({ app, client, store, nc, running }) {
    await app.close();
    await running.consumer?.stop();
    await nc.drain().catch(() => undefined);
    store.close();
    await client.dispose();
  },
  stoppingMessage: 'shutting down: no new requests, finishing the event in hand',
});
