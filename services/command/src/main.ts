/**
 * The command service process (runService: configuration, secrets, signals, exit codes): the
 * event store client and the key store; once listening, the ledger reconciler and the relay;
 * the sweep of orphaned document bytes; in the embedded mode, demo tokens.
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { PersonalDataProtector, openKeyStore } from '@cfund/eventstore';
import { connect, type NatsConnection } from 'nats';
import { openDocumentStore } from '@cfund/documents';
import { documentsDir, httpLimitsOf, keyStoreDir, natsConnectOptions, runService, tokenVerification } from '@cfund/service-kit';
import { eventSigningKeys, startRelayHost, type RelayHost } from '@cfund/messaging';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { demoTokens } from './demo-tokens.js';
import { startReconciler } from './reconciler.js';
import { startDocumentSweep } from './document-sweep.js';
import { killAt } from './faults.js';

runService({
  name: 'command',
  loadConfig: () => loadConfig(),
  async build({ config, secrets, logger }) {
    const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
    const running: { relay?: RelayHost; stopReconciler?: () => void; stopDocumentSweep?: () => void; documentsNats?: NatsConnection; keysNats?: NatsConnection } = {};
    const keyStore = await openKeyStore({ ...config, keyStoreDir: keyStoreDir(config.DATA_DIR) }, async () => {
      running.keysNats = await connect({ ...natsConnectOptions(config), name: 'command-keys', maxReconnectAttempts: -1 });
      return running.keysNats;
    });
    // Keys erased by another instance are evicted on notice; the age limit bounds a missed notice.
    const protector = await PersonalDataProtector.open({
      keyStore, masterKey: secrets.masterKey, previousMasterKeys: secrets.previousMasterKeys, nextMasterKeys: secrets.nextMasterKeys, ...(config.KEY_STORE === 'nats' ? { maxCacheAgeMs: config.KEY_CACHE_MAX_AGE_MS } : {}),
    });
    const documentStore = await openDocumentStore({ ...config, documentsDir: documentsDir(config.DATA_DIR) }, async () => {
      running.documentsNats = await connect({ ...natsConnectOptions(config), name: 'command-documents' });
      return running.documentsNats;
    });
    const clamd = config.CLAMD_SOCKET ? { socket: config.CLAMD_SOCKET } : config.CLAMD_HOST ? { host: config.CLAMD_HOST, port: config.CLAMD_PORT } : undefined;
    const app = await buildApp({
      ...tokenVerification(config, secrets), http: httpLimitsOf(config), client, chainSigner: secrets.chainSigner, protector, logger, bodyLimit: config.BODY_LIMIT,
      fingerprintSecret: secrets.masterKey, previousFingerprintSecrets: secrets.acceptedMasterKeys, fundAccounts: config.FUND_ACCOUNTS,
      letterRenderWorkers: config.LETTER_RENDER_WORKERS,
      documents: {
        store: documentStore, maxBytes: config.DOCUMENT_MAX_BYTES, clamd,
      },
      // Not NATS itself (a NATS outage must not take the write side out of rotation): a relay stuck with NATS up.
      readyChecks: { relay: () => running.relay?.stuck() === undefined },
      ...(config.CFUND_FAULT_INJECTION ? { faultAt: killAt(config.CFUND_FAULT_INJECTION)! } : {}),
    });
    if (config.CFUND_FAULT_INJECTION) logger.warn({ fault: config.CFUND_FAULT_INJECTION }, 'fault injection is on (testing only)');
    return { app, client, running, documentStore, protector };
  },
  async start({ app, client, running, documentStore }, { config, secrets, logger }) {
    if (config.RECONCILER_ENABLED) running.stopReconciler = startReconciler(app.commandService, config.RECONCILE_INTERVAL_MS, logger);
    running.stopDocumentSweep = startDocumentSweep(documentStore, client, { intervalMs: config.DOCUMENT_SWEEP_INTERVAL_MS, graceMs: config.DOCUMENT_ORPHAN_GRACE_MS }, logger);
    // Only with NATS_URL set explicitly (the runner sets it): a process started without it (tests,
    // benchmarks) must not join the relay of whatever NATS listens on the default port.
    if (config.RELAY_ENABLED && process.env.NATS_URL) {
      const { servers, ...natsOptions } = natsConnectOptions(config);
      running.relay = startRelayHost({ eventStore: client, natsUrl: servers, natsOptions, signingKey: eventSigningKeys(secrets.masterKey, secrets.acceptedMasterKeys), logger, replicas: config.NATS_STREAM_REPLICAS });
      app.metrics.relayStatus = () => running.relay?.status();
    }
    return config.embedded && secrets.jwtSecret ? { banner: await demoTokens(secrets.jwtSecret, config) } : {};
  },
  async stop({ app, client, running, protector }) {
    running.stopReconciler?.();
    running.stopDocumentSweep?.();
    await app.close();
    await running.relay?.stop(); // releases the relay lease, so a standby takes over at once
    await running.documentsNats?.drain();
    protector.close();
    await running.keysNats?.drain();
    await client.dispose();
  },
});
