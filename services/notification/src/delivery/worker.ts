/**
 * Works the outbox: sends due deliveries (webhooks, email), records every attempt in the event
 * store, retries failures with exponential backoff and jitter, gives a delivery up after
 * `maxAttempts`, and disables a webhook after `disableAfter` consecutive failed attempts (its
 * open deliveries fail, its owner is told in the inbox). Pending deliveries are rows in SQLite:
 * they survive a restart.
 *
 * Exactly once, and its limit: a delivery is marked `sending` before the request and
 * `delivered` after the event store has the NotificationDelivered event. A process killed in
 * between is recovered at start: if the event store says delivered, it is not sent again;
 * otherwise it is sent again with the same notification id (`Cfund-Notification-Id`) so that the
 * receiver can recognise it. Only a delivery whose request was in flight at the crash can reach
 * a receiver twice; HTTP gives no way to know whether that one arrived.
 *
 * With several instances only the holder of the sending lease sends (`active`, checked before
 * each request); a new holder first settles every open delivery from the event store
 * (`settleOpen`), since the one before may have delivered it. The same limit holds there: a
 * request in flight when its holder died or lost the lease may reach a receiver twice.
 */
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit.js';
import type { NotificationMetrics } from '../metrics.js';
import type { Notifier, NotificationPayload } from '../notifier.js';
import { GroupCommit } from '../store/group-commit.js';
import type { Delivery, DeliveryStatus, NotificationStore, Webhook } from '../store/store.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';
import type { EmailSender, SendResult, WebhookSender } from './senders.js';

export interface DeliveryWorkerOptions {
  store: NotificationStore;
  audit: AuditTrail;
  notifier: Notifier;
  sendWebhook: WebhookSender;
  sendEmail?: EmailSender;
  now: () => Date;
  random?: () => number;
  retry: RetryPolicy;
  /** Consecutive failed attempts after which a webhook is disabled. */
  disableAfter: number;
  /** Deliveries sent at the same time. */
  concurrency: number;
  logger?: Logger;
  metrics?: NotificationMetrics;
  /** Whether this instance may send (holds the sending lease); default: always. */
  active?: () => boolean;
  /** How long a standby waits before it looks at a pending delivery's trail again (ms). */
  followAfterMs?: number;
}

export class RetryRefused extends Error {
  override name = 'RetryRefused';
}

export class DeliveryWorker {
  /**
   * The lanes' status changes share commits. They are not fsynced one by one: the event store has
   * the truth (NotificationDelivered), and after an unclean stop `recover` settles every pending
   * or sending delivery from it.
   */
  private readonly commits: GroupCommit;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.commits = new GroupCommit(o.store);
  }

  /**
   * At start: settles deliveries a stopped process left `sending` from their event store trail
   * (delivered ones are not sent again); after an unclean stop (`cleanStop` false) the pending
   * ones too, since their status commits are not fsynced one by one.
   */
  async recover(cleanStop = false): Promise<number> {
    const interrupted = this.o.store.interruptedDeliveries(!cleanStop);
    for (const d of interrupted) {
      const settled = await this.fromTrail(d);
      if (settled.status === 'pending' && d.status === 'pending' && settled.attempts === d.attempts) continue; // as it was
      const at = this.o.now();
      this.o.store.durable(() => this.o.store.updateDelivery(d.notificationId, {
        ...settled, ...(settled.status === 'pending' ? { nextAttemptAt: at.getTime() } : {}),
      }, at.toISOString()));
    }
    if (interrupted.length) this.o.logger?.warn({ count: interrupted.length }, 'recovered deliveries interrupted by a stop');
    return interrupted.length;
  }

  /** What a delivery's stream in the event store says: delivered, failed, or still to send, and the attempts made. */
  private async fromTrail(d: Delivery): Promise<{ status: DeliveryStatus; attempts: number }> {
    const trail = await this.o.audit.trail(d.notificationId);
    return {
      status: trail.delivered ? 'delivered' : trail.failed ? 'failed' : 'pending',
      attempts: Math.max(d.attempts, trail.attempts),
    };
  }

  private active(): boolean {
    return this.o.active?.() ?? true;
  }

  /**
   * On taking the sending lease: settles every open (pending or sending) delivery from its trail
   * in the event store, since the instance that held the lease before may have delivered it,
   * failed it, or made attempts. What is still to send is due at once.
   */
  async settleOpen(): Promise<number> {
    const open = this.o.store.interruptedDeliveries(true);
    for (const d of open) {
      const settled = await this.fromTrail(d);
      const at = this.o.now();
      await this.commits.run(() => this.o.store.updateDelivery(d.notificationId, {
        ...settled, ...(settled.status === 'pending' ? { nextAttemptAt: at.getTime() } : {}),
      }, at.toISOString()));
    }
    if (open.length) this.o.logger?.info({ count: open.length }, 'took over: open deliveries settled from the event store');
    return open.length;
  }

  /**
   * A standby's stand-in for sending: the due pending deliveries whose trail says the active
   * instance delivered or failed them are marked so; the others are looked at again after
   * `followAfterMs`. Returns how many were looked at.
   */
  async followTrail(limit = 200): Promise<number> {
    const due = this.o.store.dueDeliveries(this.o.now().getTime(), limit);
    for (const d of due) {
      await this.o.notifier.yieldToEvents();
      const settled = await this.fromTrail(d);
      const at = this.o.now();
      await this.commits.run(() => this.o.store.updateDelivery(d.notificationId, {
        ...settled, nextAttemptAt: at.getTime() + (this.o.followAfterMs ?? 5000),
      }, at.toISOString()));
    }
    return due.length;
  }

  /** Sends what is due now, `concurrency` at a time; returns how many attempts were made. */
  async runDue(limit = 200): Promise<number> {
    const due = this.o.store.dueDeliveries(this.o.now().getTime(), limit);
    let next = 0;
    const lane = async () => {
      while (next < due.length) {
        await this.o.notifier.yieldToEvents();
        if (next >= due.length) return; // another lane took the last one meanwhile
        if (!this.active()) return; // the lease was lost: the new holder sends the rest
        const d = due[next++]!;
        const current = this.o.store.delivery(d.notificationId);
        if (current?.status === 'pending') await this.attempt(current);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.concurrency) }, lane));
    return due.length;
  }

  private async attempt(d: Delivery): Promise<void> {
    const { store, audit } = this.o;
    const webhook = d.webhookId ? store.webhook(d.webhookId) : undefined;
    if (d.channel === 'webhook' && webhook?.status !== 'enabled') {
      await this.giveUp(d, webhook?.status === 'deleted' || !webhook ? 'webhook-deleted' : 'webhook-disabled');
      return;
    }
    const attempt = d.attempts + 1;
    const sendingAt = this.o.now().toISOString();
    await this.commits.run(() => store.updateDelivery(d.notificationId, { status: 'sending', attempts: attempt }, sendingAt));
    if (!this.active()) {
      // Lost the lease while marking it: not sent; the new holder settles it from its trail.
      await this.commits.run(() => store.updateDelivery(d.notificationId, { status: 'pending', attempts: d.attempts }, sendingAt));
      return;
    }
    const result = await this.send(d, webhook, attempt);
    const at = this.o.now();
    this.o.metrics?.attempts.inc({ channel: d.channel, outcome: result.ok ? 'delivered' : 'failed' });
    const common = { notificationId: d.notificationId, attempt, attemptedAt: at.toISOString(), ...(result.status ? { status: result.status } : {}) };
    if (result.ok) {
      await audit.delivered({ ...common, outcome: 'delivered' }, { notificationId: d.notificationId, attempt, deliveredAt: at.toISOString() });
      await this.commits.run(() => {
        store.updateDelivery(d.notificationId, { status: 'delivered', lastStatus: result.status ?? null, lastError: null }, at.toISOString());
        if (webhook) store.webhookSucceeded(webhook.id);
      });
      return;
    }
    const error = result.error ?? 'failed';
    const final = attempt >= this.o.retry.maxAttempts;
    const nextAt = final ? undefined : at.getTime() + backoffDelay(attempt, this.o.retry, this.o.random);
    await audit.notification('NotificationDeliveryAttempted', {
      ...common, outcome: 'failed', error, ...(nextAt !== undefined ? { nextAttemptAt: new Date(nextAt).toISOString() } : {}),
    });
    if (final) await audit.notification('NotificationDeliveryFailed', { notificationId: d.notificationId, attempts: attempt, reason: 'max-attempts', failedAt: at.toISOString() });
    const failures = await this.commits.run(() => {
      store.updateDelivery(d.notificationId, {
        status: final ? 'failed' : 'pending', lastStatus: result.status ?? null, lastError: error, ...(nextAt !== undefined ? { nextAttemptAt: nextAt } : {}),
      }, at.toISOString());
      return webhook ? store.webhookFailed(webhook.id) : 0;
    });
    this.o.logger?.info({ notificationId: d.notificationId, channel: d.channel, attempt, error, final }, 'delivery attempt failed');
    if (webhook && failures >= this.o.disableAfter) await this.disable(webhook, failures);
  }

  private async send(d: Delivery, webhook: Webhook | undefined, attempt: number): Promise<SendResult> {
    if (d.channel === 'webhook') {
      return this.o.sendWebhook({
        url: webhook!.url, secret: webhook!.secret, body: d.payload, notificationId: d.notificationId, topic: d.topic, attempt,
        nowSeconds: Math.floor(this.o.now().getTime() / 1000),
      });
    }
    if (!this.o.sendEmail) return { ok: false, error: 'email is not configured (SMTP_URL)' };
    const p = JSON.parse(d.payload) as NotificationPayload & { html: string };
    return this.o.sendEmail({ to: d.addresses ?? [], subject: p.subject, text: p.text, html: p.html, notificationId: d.notificationId });
  }

  private async giveUp(d: Delivery, reason: 'webhook-disabled' | 'webhook-deleted'): Promise<void> {
    const at = this.o.now().toISOString();
    await this.o.audit.notification('NotificationDeliveryFailed', { notificationId: d.notificationId, attempts: d.attempts, reason, failedAt: at });
    this.o.store.durable(() => this.o.store.updateDelivery(d.notificationId, { status: 'failed', lastError: reason }, at));
  }

  /** Disables a webhook: it gets nothing new, its open deliveries fail, its owner is told in the inbox. */
  private async disable(webhook: Webhook, failures: number): Promise<void> {
    const current = this.o.store.webhook(webhook.id);
    if (current?.status !== 'enabled') return;
    const at = this.o.now().toISOString();
    this.o.store.durable(() => this.o.store.setWebhookStatus(webhook.id, 'disabled', at));
    await this.o.audit.webhook('WebhookDisabled', { webhookId: webhook.id, consecutiveFailures: failures, disabledAt: at }, 'notification');
    for (const d of this.o.store.openDeliveriesOf(webhook.id)) await this.giveUp(d, 'webhook-disabled');
    await this.o.notifier.webhookDisabled(webhook, failures, at);
    this.o.metrics?.webhooksDisabled.inc();
    this.o.logger?.warn({ webhookId: webhook.id, failures }, 'webhook disabled after consecutive failures');
  }

  /** Retries a failed delivery now (enabling its webhook again if it was disabled). */
  async retry(notificationId: string, requestedBy: string): Promise<Delivery> {
    const d = this.o.store.delivery(notificationId);
    if (!d) throw new RetryRefused('no such delivery');
    if (d.status !== 'failed') throw new RetryRefused(`the delivery is ${d.status}; only a failed delivery can be retried`);
    const at = this.o.now();
    if (d.webhookId) {
      const w = this.o.store.webhook(d.webhookId);
      if (!w || w.status === 'deleted') throw new RetryRefused('the webhook was deleted');
      if (w.status === 'disabled') {
        this.o.store.durable(() => this.o.store.setWebhookStatus(w.id, 'enabled', at.toISOString()));
        await this.o.audit.webhook('WebhookEnabled', { webhookId: w.id, enabledBy: requestedBy, enabledAt: at.toISOString() }, requestedBy);
      }
    }
    await this.o.audit.notification('NotificationDeliveryRetried', { notificationId, requestedBy, requestedAt: at.toISOString() }, requestedBy);
    this.o.store.durable(() => this.o.store.updateDelivery(notificationId, { status: 'pending', nextAttemptAt: at.getTime() }, at.toISOString()));
    return this.o.store.delivery(notificationId)!;
  }

  /**
   * Fails the open deliveries of a deleted webhook, on the sending instance only: a standby that
   * answered the delete leaves them to the sender (which learns of it from the event store,
   * SharedState), so that each is failed once, not once by each instance.
   */
  async webhookDeleted(webhookId: string): Promise<void> {
    if (!this.active()) return;
    for (const d of this.o.store.openDeliveriesOf(webhookId)) await this.giveUp(d, 'webhook-deleted');
  }
}
