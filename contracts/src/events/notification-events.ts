import { z } from 'zod';
import { ClaimIdSchema, InstantSchema, JurisdictionSchema, RoleSchema } from '../primitives.js';
import { eventVersion } from './common.js';

/**
 * The notification service's audit trail: who was told what, when, on which channel, and every
 * delivery attempt. One stream per notification (`notification-<id>`, its first event
 * `NotificationIssued`) and one per webhook (`webhook-<id>`). No personal data of a victim:
 * claims are named by id and public reference.
 */
export const NOTIFICATION_CHANNELS = ['inbox', 'webhook', 'email'] as const;

const id = z.uuid();
const short = (max: number) => z.string().min(1).max(max);
/** `user:<sub>` or `role:<role>:<jurisdiction>`. */
const recipient = z.string().regex(/^(user:.+|role:[a-z-]+:[A-Z]{2})$/).max(300);
const WebhookTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: short(200) }).strict(),
  z.object({ kind: z.literal('role'), role: RoleSchema, jurisdiction: JurisdictionSchema }).strict(),
]);

export const NotificationIssued = eventVersion('NotificationIssued', 1, {
  notificationId: id,
  channel: z.enum(NOTIFICATION_CHANNELS),
  recipient,
  webhookId: id.optional(),
  topic: short(100),
  /** The event (its id) or reminder (its id) this notification comes from. */
  sourceId: short(200),
  claimId: ClaimIdSchema.optional(),
  publicReference: short(40).optional(),
  /** The rendered subject (no personal data), so auditors see what was said. */
  subject: short(500),
  locale: short(35),
  issuedAt: InstantSchema,
});

export const NotificationDeliveryAttempted = eventVersion('NotificationDeliveryAttempted', 1, {
  notificationId: id,
  attempt: z.number().int().min(1),
  attemptedAt: InstantSchema,
  outcome: z.enum(['delivered', 'failed']),
  /** HTTP status of a webhook's answer, or the SMTP reply code. */
  status: z.number().int().optional(),
  error: z.string().max(500).optional(),
  /** When the next attempt is due, after a failure that will be retried. */
  nextAttemptAt: InstantSchema.optional(),
});

export const NotificationDelivered = eventVersion('NotificationDelivered', 1, {
  notificationId: id,
  attempt: z.number().int().min(1),
  deliveredAt: InstantSchema,
});

export const NotificationDeliveryFailed = eventVersion('NotificationDeliveryFailed', 1, {
  notificationId: id,
  attempts: z.number().int().min(0),
  reason: z.enum(['max-attempts', 'webhook-disabled', 'webhook-deleted']),
  failedAt: InstantSchema,
});

export const NotificationDeliveryRetried = eventVersion('NotificationDeliveryRetried', 1, {
  notificationId: id,
  requestedBy: short(200),
  requestedAt: InstantSchema,
});

export const NotificationRead = eventVersion('NotificationRead', 1, {
  notificationId: id,
  readBy: short(200),
  readAt: InstantSchema,
});

/**
 * v2: `sealedSecret`, the signing secret sealed with the master key (AES-256-GCM bound to the
 * webhook's id, as the notification service's working state keeps it; never the plaintext), and
 * the `description`: every instance of the service folds the registration into its own working
 * state and signs deliveries with it. A v1 registration reads as v2 without them: only the
 * instance that registered it holds its secret.
 */
export const WebhookRegistered = eventVersion('WebhookRegistered', 2, {
  webhookId: id,
  owner: short(200),
  target: WebhookTargetSchema,
  url: z.url({ protocol: /^https?$/ }),
  /** SHA-256 of the signing secret (the plaintext is never stored in an event). */
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** `v1:<iv>:<ciphertext>:<tag>` (base64url), sealed under a key derived from the master key; absent in v1. */
  sealedSecret: z.string().regex(/^v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/).max(400).optional(),
  description: z.string().max(200).optional(),
  registeredAt: InstantSchema,
});

export const WebhookDisabled = eventVersion('WebhookDisabled', 1, {
  webhookId: id,
  consecutiveFailures: z.number().int().min(1),
  disabledAt: InstantSchema,
});

export const WebhookEnabled = eventVersion('WebhookEnabled', 1, {
  webhookId: id,
  enabledBy: short(200),
  enabledAt: InstantSchema,
});

export const WebhookDeleted = eventVersion('WebhookDeleted', 1, {
  webhookId: id,
  deletedBy: short(200),
  deletedAt: InstantSchema,
});

/**
 * The language a user chose for their notifications (`locale` null: the choice forgotten), in the
 * user's stream `notificationsettings-<sub>`: every instance of the service renders with it.
 */
export const NotificationLocaleChosen = eventVersion('NotificationLocaleChosen', 1, {
  userId: short(200),
  locale: short(35).nullable(),
  chosenAt: InstantSchema,
});

export const NOTIFICATION_EVENTS = [
  NotificationIssued, NotificationDeliveryAttempted, NotificationDelivered, NotificationDeliveryFailed, NotificationDeliveryRetried,
  NotificationRead, WebhookRegistered, WebhookDisabled, WebhookEnabled, WebhookDeleted, NotificationLocaleChosen,
] as const;

/** WebhookRegistered v1 to v2: a registration of before carries no sealed secret (see v2). */
export const NOTIFICATION_UPCASTERS = [
  { type: 'WebhookRegistered', fromVersion: 1, up: (data: Record<string, unknown>): Record<string, unknown> => ({ ...data, schemaVersion: 2 }) },
] as const;
