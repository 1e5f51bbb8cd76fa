/**
 * The notification service process: reads the configuration (a wrong variable stops it with its
 * name, exit code 2), opens the event store client, the SQLite working state and NATS, recovers
 * deliveries a previous process left half-way, listens, consumes claim events (durable consumer
 * `notification`), and shuts down gracefully on SIGTERM/SIGINT.
 */
import { join, resolve } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { connect } from 'nats';
import { createLogger } from '@cfund/eventstore';
import { ensureEventsStream, eventSigningKey } from '@cfund/messaging';
import { httpLimitsOf, loadConfigOrExit, natsConnectOptions, onShutdownSignals, resolveSecrets, runMain } from '@cfund/service-kit';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { consumerReadyCheck, startNotificationConsumer, type NotificationConsumer } from './consumer.js';
import { smtpEmailSender } from './delivery/senders.js';
import { Directory } from './directory.js';
import { NotificationStore } from './store/store.js';
import { Templates } from './templates/render.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('notification service', () => loadConfig());
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'notification' } });
  const secrets = await loadConfigOrExitAsync(() => resolveSecrets(config));
  for (const note of secrets.notes) logger.info(note);
  const templates = loadConfigOrExit('notification service', () => Templates.fromDirectory(config.NOTIFICATION_LOCALES_DIR));
  const directory = loadConfigOrExit('notification service', () => Directory.fromFile(config.NOTIFICATION_DIRECTORY));

  const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
  const dbPath = join(resolve(config.DATA_DIR), 'notification', 'notification.db');
  const store = NotificationStore.open(dbPath, { synchronous: config.NOTIFICATION_SQLITE_SYNC, masterKey: secrets.masterKey });
  const mailer = config.SMTP_URL ? smtpEmailSender(config.SMTP_URL, config.NOTIFICATION_EMAIL_FROM) : undefined;
  const nc = await connect({ ...natsConnectOptions(config), name: 'notification', maxReconnectAttempts: -1 });
  // Started after listening; stopped first on shutdown.
  const running: { consumer?: NotificationConsumer } = {};

  const app = await buildApp({
    http: httpLimitsOf(config),
    client, chainSigner: secrets.chainSigner, store, logger, templates, directory, defaultLocale: config.NOTIFICATION_LOCALE,
    reminders: { daysBefore: config.REMINDER_DAYS, hour: config.REMINDER_HOUR },
    retry: { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS, maxAttempts: config.DELIVERY_MAX_ATTEMPTS },
    disableWebhookAfter: config.WEBHOOK_DISABLE_AFTER, webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateWebhookTargets: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    deliveryConcurrency: config.DELIVERY_CONCURRENCY, schedulerIntervalMs: config.SCHEDULER_INTERVAL_MS,
    ...(mailer ? { sendEmail: mailer.send } : {}),
    ...(secrets.jwtSecret ? { jwtSecret: secrets.jwtSecret } : {}),
    ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : {}),
    ...(config.JWT_ISSUER ? { jwtIssuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { jwtAudience: config.JWT_AUDIENCE } : {}),
    jwtMaxLifetimeSeconds: config.JWT_MAX_LIFETIME,
    readyChecks: {
      nats: () => !nc.isClosed(),
      consumer: consumerReadyCheck(() => running.consumer),
    },
  });

  onShutdownSignals(async () => {
    await running.consumer?.stop();
    await app.close();
    await nc.drain();
    await client.dispose();
    mailer?.close();
    store.close();
  }, { logger, message: 'shutting down: no new requests or events, finishing those in flight', timeoutMs: 15_000 });

  const address = await app.listen({ port: config.PORT, host: config.HOST });
  await app.startBackground();
  await ensureEventsStream(await nc.jetstreamManager());
  running.consumer = await startNotificationConsumer({
    nc, notifier: app.notifier, metrics: app.metrics, durable: config.NOTIFICATION_DURABLE, logger,
    signingKey: eventSigningKey(secrets.masterKey), stallAfterMs: config.CONSUMER_STALL_MS,
    ...(config.NOTIFICATION_ACK_WAIT_MS ? { ackWaitMs: config.NOTIFICATION_ACK_WAIT_MS } : {}),
  });
  logger.info(`notification service ready on ${address} (docs: ${address}/docs; data: ${dbPath}; email: ${mailer ? 'on' : 'off (no SMTP_URL)'})`);
}

async function loadConfigOrExitAsync<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    return loadConfigOrExit('notification service', () => { throw error; });
  }
}

runMain('notification service', main);
