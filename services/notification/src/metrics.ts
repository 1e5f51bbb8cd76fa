/** Prometheus metrics of one app instance (its own registry, so tests can build several apps). */
import { Counter, Gauge, Histogram } from 'prom-client';
import { HttpMetrics } from '@cfund/service-kit';

export class NotificationMetrics extends HttpMetrics {
  readonly issued = new Counter({
    name: 'cfund_notifications_issued_total', help: 'Notifications issued, by channel and topic', labelNames: ['channel', 'topic'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'cfund_notification_delivery_attempts_total', help: 'Delivery attempts by channel and outcome', labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly reminders = new Counter({
    name: 'cfund_notification_reminders_total', help: 'Deadline reminders sent, by kind and label (before, missed, due)', labelNames: ['kind', 'label'] as const,
    registers: [this.registry],
  });
  readonly unverifiedEvents = new Counter({
    name: 'cfund_notification_unverified_events_total', help: 'Messages on the events stream without a valid relay signature, dead-lettered unhandled',
    registers: [this.registry],
  });
  readonly webhooksDisabled = new Counter({
    name: 'cfund_webhooks_disabled_total', help: 'Webhooks disabled after consecutive failures', registers: [this.registry],
  });
  readonly handleSeconds = new Histogram({
    name: 'cfund_notification_event_handle_seconds', help: 'Time to handle one claim event (event store appends and the local commit)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly eventLagSeconds = new Histogram({
    name: 'cfund_notification_event_lag_seconds', help: 'From the event\'s commit in the event store to its notifications committed here',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry],
  });
  readonly active = new Gauge({
    name: 'cfund_notification_active', help: '1 while this instance holds the sending lease (sends); 0 while it stands by', registers: [this.registry],
  });
  readonly consumerPending = new Gauge({
    name: 'cfund_notification_consumer_pending', help: 'Events not yet consumed by the notification service', registers: [this.registry],
  });
}
