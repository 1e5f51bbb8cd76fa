/**
 * The notification service process (runService: configuration, secrets, signals, exit codes):
 * the SQLite working state, templates, directory, mailer and NATS; once listening, recovery of
 * deliveries a previous process left half-way, the scheduler, the consumer of claim events, and
 * the sending lease: of several instances only its holder sends (README, "Several instances").
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { connect } from 'nats';
import { ensureEventsStream, eventSigningKeys, keepLease, type LeaseKeeper } from '@cfund/messaging';
import { httpLimitsOf, natsConnectOptions, runService, tokenVerification } from '@cfund/service-kit';
import { buildApp } from './app.js';
import { loadConfig, notificationSettings } from './config.js';
import { consumerReadyCheck, NOTIFICATION_LEASE, notificationEvents, startNotificationConsumer, type NotificationConsumer } from './consumer.js';
import { smtpEmailSender } from './delivery/senders.js';
import { Directory } from './directory.js';
import { NotificationStore } from './store/store.js';
import { Templates } from './templates/render.js';

runService({
  name: 'notification',
  loadConfig: () => loadConfig(),
  async build({ config, secrets, logger }) {
    const templates = Templates.fromDirectory(config.NOTIFICATION_LOCALES_DIR);
    const directory = Directory.fromFile(config.NOTIFICATION_DIRECTORY);
    const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
    const dbPath = join(resolve(config.DATA_DIR), 'notification', 'notification.db');
    const store = NotificationStore.open(dbPath, { synchronous: config.NOTIFICATION_SQLITE_SYNC, masterKey: secrets.masterKey, previousMasterKeys: secrets.acceptedMasterKeys });
    const mailer = config.SMTP_URL ? smtpEmailSender(config.SMTP_URL, config.NOTIFICATION_EMAIL_FROM) : undefined;
    const nc = await connect({ ...natsConnectOptions(config), name: 'notification', maxReconnectAttempts: -1 });
    const running: { consumer?: NotificationConsumer; lease?: LeaseKeeper } = {};
    const signingKey = eventSigningKeys(secrets.masterKey, secrets.acceptedMasterKeys);
    const app = await buildApp({
      ...tokenVerification(config, secrets), http: httpLimitsOf(config), client, chainSigner: secrets.chainSigner, store, logger, templates, directory,
      settings: notificationSettings(config),
      events: notificationEvents(nc, signingKey, logger),
      active: () => running.lease?.active() ?? false,
      ...(mailer ? { sendEmail: mailer.send } : {}),
      readyChecks: { nats: () => !nc.isClosed(), consumer: consumerReadyCheck(() => running.consumer) },
    });
    return { app, client, store, mailer, nc, running, dbPath, signingKey };
  },
  async start({ app, nc, running, mailer, dbPath, signingKey }, { config, logger }) {
    // Before the background: the shared state and the catch-up read CFUND_EVENTS.
    await ensureEventsStream(await nc.jetstreamManager(), { replicas: config.NATS_STREAM_REPLICAS });
    await app.startBackground();
    const holder = config.NOTIFICATION_INSTANCE ?? `${hostname()}-${process.pid}`;
    running.lease = await keepLease({
      nc, bucket: NOTIFICATION_LEASE.bucket, key: NOTIFICATION_LEASE.key, holder, replicas: config.NATS_STREAM_REPLICAS, logger,
      ttlMs: config.NOTIFICATION_LEASE_TTL_MS, renewIntervalMs: config.NOTIFICATION_LEASE_TTL_MS / 3, standbyPollMs: config.NOTIFICATION_LEASE_TTL_MS / 10,
      // The holder before may have sent what this instance still has open.
      onAcquired: async () => {
        await app.worker.settleOpen();
        app.metrics.active.set(1);
        app.scheduler.kick();
      },
      onLost: () => app.metrics.active.set(0),
    });
    running.consumer = await startNotificationConsumer({
      nc, notifier: app.notifier, metrics: app.metrics, durable: config.NOTIFICATION_DURABLE, logger,
      signingKey, stallAfterMs: config.CONSUMER_STALL_MS, replicas: config.NATS_STREAM_REPLICAS,
      ...(config.NOTIFICATION_ACK_WAIT_MS ? { ackWaitMs: config.NOTIFICATION_ACK_WAIT_MS } : {}),
    });
    return { details: `; data: ${dbPath}; email: ${mailer ? 'on' : 'off (no SMTP_URL)'}; instance ${holder} (sends while it holds the lease)` };
  },
  async stop({ app, client, store, mailer, nc, running }) {
    await running.consumer?.stop();
    await app.scheduler.stop(); // before the lease goes: nothing is sent after its release
    await running.lease?.stop();
    await app.close();
    await nc.drain();
    await client.dispose();
    mailer?.close();
    store.close();
  },
  stoppingMessage: 'shutting down: no new requests or events, finishing those in flight',
  stopTimeoutMs: 15_000,
});
