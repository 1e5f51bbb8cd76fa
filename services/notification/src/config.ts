/**
 * Configuration from environment variables, validated by zod at start-up. A wrong value stops
 * the service with a message naming the variable (ConfigError, exit code 2).
 */
import { z } from 'zod';
import { messagingSettings } from '@cfund/messaging';
import { commonEnv, parseEnv } from '@cfund/service-kit';
import type { RetryPolicy } from './delivery/backoff.js';
import type { ReminderOptions } from './reminders/plan.js';

export { ConfigError } from '@cfund/service-kit';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const EnvShape = {
  ...commonEnv(4003),
  /** SMTP server for email, e.g. `smtp://user:pass@mail.example.org:587` or `smtps://...:465`; unset: no email. */
  SMTP_URL: z.string().trim().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  /** Sender of the emails. */
  NOTIFICATION_EMAIL_FROM: z.string().trim().min(3).default('Compensation fund <no-reply@cfund.invalid>'),
  /** JSON file: users and roles -> email addresses and locale (see README). */
  NOTIFICATION_DIRECTORY: z.string().trim().min(1).optional(),
  /** Directory of drop-in locale files (`<locale>.json`). */
  NOTIFICATION_LOCALES_DIR: z.string().trim().min(1).optional(),
  /** Locale of recipients the directory says nothing about. */
  NOTIFICATION_LOCALE: z.string().trim().min(2).max(35).default('en'),
  /** Days before a deadline at which reminders go out, comma-separated. */
  REMINDER_DAYS: z.string().trim().regex(/^\d{1,3}(,\d{1,3})*$/, 'comma-separated whole days, e.g. 14,7,1').default('14,7,1')
    .transform((s) => s.split(',').map(Number)),
  /** Local hour (scheme's time zone) of "N days before" reminders. */
  REMINDER_HOUR: int(0, 23, 9),
  /** Consecutive failed attempts after which a webhook is disabled. */
  WEBHOOK_DISABLE_AFTER: int(1, 1000, 10),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000, 10_000),
  /** `true`: webhooks may point at loopback, private and link-local addresses (a receiver on this machine or network). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.stringbool().default(false),
  /** Attempts per delivery before it is given up (then listed as failed, retryable by hand). */
  DELIVERY_MAX_ATTEMPTS: int(1, 100, 10),
  DELIVERY_BACKOFF_BASE_MS: int(1, 3_600_000, 1000),
  DELIVERY_BACKOFF_MAX_MS: int(1, 24 * 3_600_000, 3_600_000),
  DELIVERY_CONCURRENCY: int(1, 64, 8),
  /** How often due reminders and deliveries are looked for. */
  SCHEDULER_INTERVAL_MS: int(10, 60_000, 1000),
  /**
   * SQLite durability of the consumer's commits: `normal` (survive a killed process; what a power
   * loss rolls back is replayed from the event store at start) or `full` (fsync each). Requests
   * and delivery outcomes are fsynced either way.
   */
  NOTIFICATION_SQLITE_SYNC: z.enum(['full', 'normal']).default('normal'),
  /**
   * Durable NATS consumer name. Each instance keeps its own working state and needs a consumer of
   * its own (e.g. its pod's name): two instances on one durable would each see part of the events.
   */
  NOTIFICATION_DURABLE: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - and _ (at most 64)').default('notification'),
  /** Names this instance in the sending lease and the logs; default: host and process id. */
  NOTIFICATION_INSTANCE: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be letters, digits, ., - and _ (at most 64)').optional(),
  /**
   * The sending lease (one active instance sends; the others stand by): a holder that has not
   * renewed it for this long loses it to a standby. It renews every third of it.
   */
  NOTIFICATION_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(300_000).default(5000),
  /** Ack wait of the consumer (default: messaging's setting). */
  NOTIFICATION_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  /** /ready fails when events are pending and none was handled for this long (ms). */
  CONSUMER_STALL_MS: z.coerce.number().int().min(1000).max(24 * 3_600_000).default(messagingSettings.consumer.stallAfterMs),
};

/** Every variable the configuration reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvShape);

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(EnvShape, env);
}

/** How the notification engine is tuned: from the configuration, so the schema above holds every default. */
export interface NotificationSettings {
  /** Locale of recipients the directory says nothing about. */
  defaultLocale: string;
  reminders: ReminderOptions;
  retry: RetryPolicy;
  /** Consecutive failed attempts after which a webhook is disabled. */
  disableWebhookAfter: number;
  webhookTimeoutMs: number;
  /** Webhooks may point at private or local networks (see delivery/targets.ts). */
  allowPrivateWebhookTargets: boolean;
  deliveryConcurrency: number;
  schedulerIntervalMs: number;
}

export function notificationSettings(config: Config): NotificationSettings {
  return {
    defaultLocale: config.NOTIFICATION_LOCALE,
    reminders: { daysBefore: config.REMINDER_DAYS, hour: config.REMINDER_HOUR },
    retry: { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS, maxAttempts: config.DELIVERY_MAX_ATTEMPTS },
    disableWebhookAfter: config.WEBHOOK_DISABLE_AFTER,
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateWebhookTargets: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    deliveryConcurrency: config.DELIVERY_CONCURRENCY,
    schedulerIntervalMs: config.SCHEDULER_INTERVAL_MS,
  };
}

/** The settings of an unconfigured service: the schema's defaults (an app built by a test). */
export const defaultNotificationSettings = (): NotificationSettings => notificationSettings(loadConfig({}));
