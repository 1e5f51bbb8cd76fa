/**
 * buildApp: the Fastify application (inbox, webhooks, operations) and the notification engine
 * behind it (notifier, delivery worker, scheduler). It neither reads configuration, consumes
 * NATS nor listens: main.ts does; tests call it directly and drive `notifier.handle` and
 * `scheduler.tick()` with their own clock.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { domainErrorProblem } from '@cfund/domain';
import { eventStoreErrorProblem, type ChainSigner } from '@cfund/eventstore';
import { createLogger, createServiceFastify, registerCommonPlugins, type HttpLimits, type TokenVerification } from '@cfund/service-kit';
import { AuditTrail } from './audit.js';
import { defaultNotificationSettings, type NotificationSettings } from './config.js';
import type { NotificationEvents } from './consumer.js';
import { httpWebhookSender, type EmailSender, type WebhookSender } from './delivery/senders.js';
import { DeliveryWorker } from './delivery/worker.js';
import { Directory } from './directory.js';
import { NotificationMetrics } from './metrics.js';
import { Notifier } from './notifier.js';
import { notificationRoutes } from './routes/notifications.js';
import { webhookRoutes } from './routes/webhooks.js';
import { Scheduler } from './scheduler.js';
import { SharedState } from './shared-state.js';
import type { NotificationStore } from './store/store.js';
import { Templates } from './templates/render.js';

/** Token verification (`jwtSecret` in the embedded mode, or `jwksUrl`; optional issuer and audience) comes from TokenVerification. */
export interface BuildAppOptions extends TokenVerification {
  /** Server and rate limits (HTTP_* and RATE_LIMIT_* variables); default: the server's defaults, no rate limits. */
  http?: HttpLimits;
  client: EventStoreDBClient;
  /** Signs the audit events (resolveSecrets' chainSigner). */
  chainSigner: ChainSigner;
  store: NotificationStore;
  logger?: Logger;
  logLevel?: string;
  now?: () => Date;
  random?: () => number;
  metrics?: NotificationMetrics;
  templates?: Templates;
  directory?: Directory;
  /** From the configuration (notificationSettings); a test overrides what it checks, the rest is the schema's defaults. */
  settings?: Partial<NotificationSettings>;
  sendWebhook?: WebhookSender;
  /** Email sender (SMTP); without one, no email is queued. */
  sendEmail?: EmailSender;
  /**
   * Whether this instance sends (holds the sending lease, main.ts); default: always. A standby
   * fires reminders and records notifications like the active one, but sends nothing.
   */
  active?: () => boolean;
  /**
   * The reads of CFUND_EVENTS this instance positions itself (notificationEvents, main.ts): the
   * shared state's follower and the catch-up at start. Without them (tests driving
   * `notifier.handle`) neither runs.
   */
  events?: NotificationEvents;
  /** Further /ready checks (e.g. NATS). */
  readyChecks?: Record<string, () => boolean | Promise<boolean>>;
}

export interface NotificationApp extends FastifyInstance {
  notifier: Notifier;
  worker: DeliveryWorker;
  scheduler: Scheduler;
  /** Folds the requests other instances served (webhooks, reads, retries, languages) into this one's state. */
  shared: SharedState;
  store: NotificationStore;
  metrics: NotificationMetrics;
  /**
   * Folds the shared state recorded so far and keeps following it, replays the claim events a
   * power loss rolled back (from NATS), recovers interrupted deliveries, then starts the
   * scheduler (main.ts; stopped on close).
   */
  startBackground(): Promise<void>;
}

export async function buildApp(options: BuildAppOptions): Promise<NotificationApp> {
  const logger = options.logger ?? createLogger(options.logLevel === undefined ? {} : { level: options.logLevel });
  const app = createServiceFastify({ logger, bodyLimit: 16 * 1024, ...(options.http ? { http: options.http } : {}) });

  const settings = { ...defaultNotificationSettings(), ...options.settings };
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? new NotificationMetrics();
  const audit = new AuditTrail(options.client, options.chainSigner);
  // The notifier wakes the scheduler, which is built after it.
  const wake = { kick: () => undefined as void };
  const notifier = new Notifier({
    client: options.client, store: options.store, audit, now, logger, metrics,
    templates: options.templates ?? Templates.default(), directory: options.directory ?? new Directory(),
    reminders: settings.reminders, email: options.sendEmail !== undefined, defaultLocale: settings.defaultLocale,
    onQueued: () => wake.kick(),
  });
  const worker = new DeliveryWorker({
    store: options.store, audit, notifier, now, logger, metrics,
    sendWebhook: options.sendWebhook ?? httpWebhookSender(settings.webhookTimeoutMs, { allowPrivate: settings.allowPrivateWebhookTargets }),
    ...(options.sendEmail ? { sendEmail: options.sendEmail } : {}),
    ...(options.random ? { random: options.random } : {}),
    retry: settings.retry,
    disableAfter: settings.disableWebhookAfter,
    concurrency: settings.deliveryConcurrency,
    ...(options.active ? { active: options.active } : {}),
  });
  const sched = new Scheduler(notifier, worker, settings.schedulerIntervalMs, logger, options.active);
  wake.kick = () => sched.kick();
  const shared = new SharedState({
    ...(options.events ? { follow: options.events.followShared } : {}), store: options.store, now, logger, onDue: () => sched.kick(),
  });
  let closing = false;
  let started = false;
  app.addHook('onClose', async () => {
    closing = true;
    await shared.stop();
    await sched.stop();
    if (started) options.store.markCleanShutdown();
  });

  await registerCommonPlugins(app, {
    metrics,
    problems: [domainErrorProblem, eventStoreErrorProblem],
    docs: {
      title: 'Compensation fund: notification service',
      description: 'The inbox of each user (what concerns them and their roles), webhooks signed with HMAC-SHA256, and email. '
        + 'Notifications name claims by id and public reference only, never a victim. Errors are RFC 9457 `application/problem+json`.',
    },
    tokens: options,
    ...(options.http ? { http: options.http } : {}),
    health: { client: options.client, isClosing: () => closing, ...(options.readyChecks ? { checks: options.readyChecks } : {}) },
  });
  await app.register(notificationRoutes, { store: options.store, audit, notifier, now });
  await app.register(webhookRoutes, {
    store: options.store, audit, worker, now, kick: () => sched.kick(), allowPrivateTargets: settings.allowPrivateWebhookTargets,
  });

  app.decorate('notifier', notifier);
  app.decorate('worker', worker);
  app.decorate('scheduler', sched);
  app.decorate('shared', shared);
  app.decorate('store', options.store);
  app.decorate('metrics', metrics);
  app.decorate('startBackground', async () => {
    const cleanStop = options.store.takeCleanShutdown();
    await shared.start(); // the webhooks registered elsewhere, before any delivery is planned
    if (options.events) await notifier.catchUp(options.events.replayClaimEvents);
    await worker.recover(cleanStop);
    started = true;
    sched.start();
  });
  return app as unknown as NotificationApp;
}
