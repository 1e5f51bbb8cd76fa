/**
 * The engine's settings come from the environment schema alone: an app built without settings
 * runs with the schema's defaults, and a configured value reaches the engine.
 */
import t, { type Test } from 'tap';
import { defaultNotificationSettings, loadConfig, notificationSettings, type NotificationSettings, type WebhookSender } from '../src/index.ts';
import { lifecycle, startHarness } from './helpers.ts';

/** Deliveries in flight at most: twelve webhooks of one lawyer, and the events of a claim up to its assessment. */
async function mostInFlight(t: Test, settings?: Partial<NotificationSettings>): Promise<number> {
  let inFlight = 0;
  let most = 0;
  const sendWebhook: WebhookSender = async () => {
    most = Math.max(most, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 20));
    inFlight -= 1;
    return { ok: true, status: 204 };
  };
  const h = await startHarness(t, { sendWebhook, ...(settings ? { settings } : {}) });
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  for (let i = 0; i < 12; i += 1) {
    const r = await h.app.inject({ method: 'POST', url: '/webhooks', payload: { url: `http://127.0.0.1:9/hook-${i}`, target: { kind: 'user' } }, headers: { authorization: `Bearer ${lawyer}` } });
    t.equal(r.statusCode, 201);
  }
  await lifecycle(h, { until: 'assessment' });
  await h.pump();
  await h.app.scheduler.tick();
  return most;
}

t.test('given no settings, when deliveries are due, then DELIVERY_CONCURRENCY\'s default is how many go at once', async (t) => {
  const { deliveryConcurrency } = defaultNotificationSettings();
  t.equal(deliveryConcurrency, loadConfig({}).DELIVERY_CONCURRENCY, 'the schema\'s default');
  t.equal(await mostInFlight(t), deliveryConcurrency);
});

t.test('given DELIVERY_CONCURRENCY=3, when deliveries are due, then 3 go at once', async (t) => {
  const { deliveryConcurrency } = notificationSettings(loadConfig({ DELIVERY_CONCURRENCY: '3' }));
  t.equal(await mostInFlight(t, { deliveryConcurrency }), 3);
});

t.test('the settings of the configuration, each from its variable', async (t) => {
  t.same(notificationSettings(loadConfig({
    NOTIFICATION_LOCALE: 'sr', REMINDER_DAYS: '30,2', REMINDER_HOUR: '8', DELIVERY_BACKOFF_BASE_MS: '5', DELIVERY_BACKOFF_MAX_MS: '50',
    DELIVERY_MAX_ATTEMPTS: '3', WEBHOOK_DISABLE_AFTER: '2', WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    DELIVERY_CONCURRENCY: '2', SCHEDULER_INTERVAL_MS: '20',
  })), {
    defaultLocale: 'sr', reminders: { daysBefore: [30, 2], hour: 8 }, retry: { baseMs: 5, maxMs: 50, maxAttempts: 3 }, disableWebhookAfter: 2,
    webhookTimeoutMs: 500, allowPrivateWebhookTargets: true, deliveryConcurrency: 2, schedulerIntervalMs: 20,
  });
});
