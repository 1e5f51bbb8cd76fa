export { CLAIM_SNAPSHOT_VERSION, evolveSnapshot, initialSnapshot, isCurrentSnapshot, type ClaimSnapshot, type SnapshotStatus } from './claim-snapshot.js';
export { routeClaimEvent, claimTimeZone, type EventSource } from './routing/route.js';
export type { NotificationIntent } from './routing/intent.js';
export { keysOf, parseRecipientKey, recipientKey, roleRecipient, userRecipient, type Recipient } from './routing/recipients.js';
export { TOPICS, type ParamValue, type Params, type Topic } from './routing/topics.js';
export {
  desiredReminders, reminderId, reminderInstants, reminderIntent,
  type PlannedReminder, type ReminderKind, type ReminderOptions,
} from './reminders/plan.js';
export { Templates, escapeHtml } from './templates/render.js';
export type { RenderedNotification } from './templates/types.js';
export { CATALOGUES, type MessageId } from './templates/catalogues.js';
export { notificationId, type Channel } from './ids.js';
export { buildApp, type BuildAppOptions, type NotificationApp } from './app.js';
export { CONFIG_VARIABLES, defaultNotificationSettings, loadConfig, notificationSettings, type Config, type NotificationSettings } from './config.js';
export { AuditTrail, type NotificationTrail } from './audit.js';
export { Directory, type DirectoryFile } from './directory.js';
export { NotificationMetrics } from './metrics.js';
export { Notifier, type NotificationPayload } from './notifier.js';
export { NOTIFICATION_LEASE } from './consumer.js';
export { Scheduler } from './scheduler.js';
export { SharedState, SHARED_EVENT_TYPES } from './shared-state.js';
export { NotificationStore, type Delivery, type InboxEntry, type Webhook } from './store/store.js';
export { WrongMasterKeyError } from './store/webhook-secrets.js';
export { DeliveryWorker, RetryRefused } from './delivery/worker.js';
export { backoffDelay, type RetryPolicy } from './delivery/backoff.js';
export { httpWebhookSender, smtpEmailSender, type EmailSender, type SendResult, type WebhookSender } from './delivery/senders.js';
export { SIGNATURE_HEADER, signPayload, verifySignature } from './delivery/signature.js';
export { isPrivateAddress, webhookTargetRefusal, type Lookup } from './delivery/targets.js';
