export { routeClaimEvent, claimTimeZone, type EventSource } from './routing/route.js';
export type { NotificationIntent } from './routing/intent.js';
export { keysOf, parseRecipientKey, recipientKey, roleRecipient, userRecipient, type Recipient } from './routing/recipients.js';
export { TOPICS, type ParamValue, type Params, type Topic } from './routing/topics.js';
export {
  DEFAULT_REMINDER_OPTIONS, desiredReminders, reminderId, reminderInstants, reminderIntent,
  type PlannedReminder, type ReminderKind, type ReminderOptions,
} from './reminders/plan.js';
export { Templates, escapeHtml } from './templates/render.js';
export type { LocaleMessages, RenderedNotification, TopicTemplate } from './templates/types.js';
export { notificationId, notificationStream, webhookStream, type Channel } from './ids.js';
