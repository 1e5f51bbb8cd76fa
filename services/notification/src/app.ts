/**
 * buildApp: the Fastify application (inbox, webhooks, operations) and the notification engine
 * behind it (notifier, delivery worker, scheduler). It neither reads configuration, consumes
 * NATS nor listens: main.ts does; tests call it directly and drive `notifier.handle` and
 * `scheduler.tick()` with their own clock.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { createLogger, type ChainSigner } from '@cfund/eventstore';
import { createServiceFastify, registerCommonPlugins, type HttpLimits, type TokenVerification } from '@cfund/service-kit';
import { AuditTrail } from './audit.js';
import type { RetryPolicy } from './delivery/backoff.js';
import { httpWebhookSender, type EmailSender, type WebhookSender } from './delivery/senders.js';
import { DeliveryWorker } from './delivery/worker.js';
import { Directory } from './directory.js';
import { NotificationMetrics } from './metrics.js';
import { Notifier } from './notifier.js';
import { DEFAULT_REMINDER_OPTIONS, type ReminderOptions } from './reminders/plan.js';
import { notificationRoutes } from './routes/notifications.js';
import { webhookRoutes } from './routes/webhooks.js';
import { Scheduler } from './scheduler.js';
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
  defaultLocale?: string;
  reminders?: ReminderOptions;
  retry?: Partial<RetryPolicy>;
  /** Consecutive failed attempts after which a webhook is disabled (default 10). */
  disableWebhookAfter?: number;
  deliveryConcurrency?: number;
  webhookTimeoutMs?: number;
  /** Webhooks may point at private or local networks (default false: public addresses only; see delivery/targets.ts). */
  allowPrivateWebhookTargets?: boolean;
  schedulerIntervalMs?: number;
  sendWebhook?: WebhookSender;
  /** Email sender (SMTP); without one, no email is queued. */
  sendEmail?: EmailSender;
  /** Further /ready checks (e.g. NATS). */
  readyChecks?: Record<string, () => boolean | Promise<boolean>>;
}

export interface NotificationApp extends FastifyInstance {
  notifier: Notifier;
  worker: DeliveryWorker;
  scheduler: Scheduler;
  store: NotificationStore;
  metrics: NotificationMetrics;
  /** Catches up from the event store, recovers interrupted deliveries, then starts the scheduler (main.ts; stopped on close). */
  startBackground(): Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60 * 60 * 1000, maxAttempts: 10 };

export async function buildApp(options: BuildAppOptions): Promise<NotificationApp> {
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  const app = createServiceFastify({ logger, bodyLimit: 16 * 1024, ...(options.http ? { http: options.http } : {}) });

  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? new NotificationMetrics();
  const audit = new AuditTrail(options.client, options.chainSigner);
  // The notifier wakes the scheduler, which is built after it.
  const wake = { kick: () => undefined as void };
  const notifier = new Notifier({
    client: options.client, store: options.store, audit, now, logger, metrics,
    templates: options.templates ?? new Templates(), directory: options.directory ?? new Directory(),
    reminders: options.reminders ?? DEFAULT_REMINDER_OPTIONS, email: options.sendEmail !== undefined,
    ...(options.defaultLocale ? { defaultLocale: options.defaultLocale } : {}),
    onQueued: () => wake.kick(),
  });
  const worker = new DeliveryWorker({
    store: options.store, audit, notifier, now, logger, metrics,
    sendWebhook: options.sendWebhook ?? httpWebhookSender(options.webhookTimeoutMs ?? 10_000, { allowPrivate: options.allowPrivateWebhookTargets ?? false }),
    ...(options.sendEmail ? { sendEmail: options.sendEmail } : {}),
    ...(options.random ? { random: options.random } : {}),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    disableAfter: options.disableWebhookAfter ?? 10,
    concurrency: options.deliveryConcurrency ?? 4,
  });
  const sched = new Scheduler(notifier, worker, options.schedulerIntervalMs ?? 1000, logger);
  wake.kick = () => sched.kick();
  let closing = false;
  let started = false;
  app.addHook('onClose', async () => {
    closing = true;
    await sched.stop();
    if (started) options.store.markCleanShutdown();
  });

  await registerCommonPlugins(app, {
    metrics,
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
    store: options.store, audit, worker, now, kick: () => sched.kick(), allowPrivateTargets: options.allowPrivateWebhookTargets ?? false,
  });

  app.decorate('notifier', notifier);
  app.decorate('worker', worker);
  app.decorate('scheduler', sched);
  app.decorate('store', options.store);
  app.decorate('metrics', metrics);
  app.decorate('startBackground', async () => {
    const cleanStop = options.store.takeCleanShutdown();
    await notifier.catchUp();
    await worker.recover(cleanStop);
    started = true;
    sched.start();
  });
  return app as unknown as NotificationApp;
}
