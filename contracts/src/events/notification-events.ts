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

export const WebhookRegistered = eventVersion('WebhookRegistered', 1, {
  webhookId: id,
  owner: short(200),
  target: WebhookTargetSchema,
  url: z.url({ protocol: /^https?$/ }),
  /** SHA-256 of the signing secret (the secret itself is never stored in an event). */
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
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

export const NOTIFICATION_EVENTS = [
  NotificationIssued, NotificationDeliveryAttempted, NotificationDelivered, NotificationDeliveryFailed, NotificationDeliveryRetried,
  NotificationRead, WebhookRegistered, WebhookDisabled, WebhookEnabled, WebhookDeleted,
] as const;

