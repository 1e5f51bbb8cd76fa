/**
 * What is done through one instance's HTTP interface, made every instance's: each instance
 * follows the events the relay publishes on NATS (CFUND_EVENTS, in `$all` order), keeps those
 * that record such requests (webhooks registered, disabled, enabled, deleted; reads; retries;
 * languages chosen), and folds them into its own SQLite working state from the sequence it last
 * folded (kept there too). The instance that served the request wrote its state already: folding
 * its own event changes nothing. Each fold is idempotent, so a sequence rolled back by a power
 * loss folds some events again, harmlessly. No read of the event store's `$all`: that is the
 * relay's alone (services/README.md, "Stream policy").
 */
import type { Logger } from 'pino';
import { parseEvent, type NotificationEvent } from '@cfund/contracts';
import type { EventFollower, StoredEvent } from '@cfund/messaging';
import { recipientKey, roleRecipient, userRecipient } from './routing/recipients.js';
import type { NotificationStore } from './store/store.js';
import { WrongMasterKeyError } from './store/webhook-secrets.js';

/** The event types folded (exactly these: each is also a prefix of no other type). */
export const SHARED_EVENT_TYPES = [
  'WebhookRegistered', 'WebhookDisabled', 'WebhookEnabled', 'WebhookDeleted', 'NotificationRead', 'NotificationDeliveryRetried', 'NotificationLocaleChosen',
] as const;
type SharedType = (typeof SHARED_EVENT_TYPES)[number];
type SharedEvent = Extract<NotificationEvent, { type: SharedType }>;
const shared = new Set<string>(SHARED_EVENT_TYPES);

/**
 * Follows CFUND_EVENTS from a sequence, handing on the events of the shared types with their
 * sequences (NotificationEvents.followShared).
 */
export type SharedEventFollow = (fromSequence: number, handle: (event: StoredEvent, sequence: number) => void) => Promise<EventFollower>;

/** Whether an event type is one the instances share. */
export const isSharedEventType = (type: string): boolean => shared.has(type);

export interface SharedStateOptions {
  /** Without one (tests that fold by hand), `start` only resolves. */
  follow?: SharedEventFollow;
  store: NotificationStore;
  now: () => Date;
  logger?: Logger;
  /** A retry made elsewhere made a delivery due here (wakes the delivery worker). */
  onDue?: () => void;
  /** Wait after the subscription failed before subscribing again. */
  resubscribeAfterMs?: number;
}

export class SharedState {
  private follower: EventFollower | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: SharedStateOptions) {}

  /** Folds one event (ignored unless a shared type); records its sequence in CFUND_EVENTS with it. */
  fold(e: StoredEvent, sequence?: number): void {
    if (!shared.has(e.type)) return;
    let event: SharedEvent | undefined;
    try {
      event = parseEvent(e.type, e.data) as SharedEvent;
    } catch (error) {
      this.o.logger?.error({ err: error, eventId: e.eventId, type: e.type }, 'a shared event does not match its schema: skipped');
    }
    this.o.store.transaction(() => {
      if (event) this.apply(event);
      if (sequence !== undefined) this.o.store.advanceSharedSequence(sequence);
    });
  }

  private apply(event: SharedEvent): void {
    const { store } = this.o;
    switch (event.type) {
      case 'WebhookRegistered': return this.registered(event.data);
      case 'WebhookDisabled': {
        const w = store.webhook(event.data.webhookId);
        if (w?.status === 'enabled') store.setWebhookStatus(w.id, 'disabled', event.data.disabledAt);
        return;
      }
      case 'WebhookEnabled': {
        const w = store.webhook(event.data.webhookId);
        if (w?.status === 'disabled') store.setWebhookStatus(w.id, 'enabled', event.data.enabledAt);
        return;
      }
      case 'WebhookDeleted': {
        // Deleted is final. Its open deliveries fail at their next attempt (DeliveryWorker.attempt),
        // made due now: the sender gives them up at once, however long their backoff, and a standby
        // (which deleted nothing itself) reads their trail.
        const w = store.webhook(event.data.webhookId);
        if (!w || w.status === 'deleted') return;
        store.setWebhookStatus(w.id, 'deleted', event.data.deletedAt);
        const now = this.o.now();
        for (const d of store.openDeliveriesOf(w.id)) if (d.status === 'pending') store.updateDelivery(d.notificationId, { nextAttemptAt: now.getTime() }, now.toISOString());
        this.o.onDue?.();
        return;
      }
      case 'NotificationRead':
        // The inbox entry may come later (this instance's consumer may lag): the read waits for it.
        store.markRead(event.data.notificationId, event.data.readBy, event.data.readAt);
        return;
      case 'NotificationDeliveryRetried': {
        // Failed here before the retry was asked for; one that failed again since (the retry, here) stays failed.
        const d = store.delivery(event.data.notificationId);
        if (d?.status !== 'failed' || d.updatedAt >= event.data.requestedAt) return;
        store.updateDelivery(d.notificationId, { status: 'pending', nextAttemptAt: this.o.now().getTime() }, event.data.requestedAt);
        this.o.onDue?.();
        return;
      }
      case 'NotificationLocaleChosen':
        store.setPreferredLocale(event.data.userId, event.data.locale, event.data.chosenAt);
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`not a shared event: ${(unexpected as { type: string }).type}`);
      }
    }
  }

  private registered(data: Extract<SharedEvent, { type: 'WebhookRegistered' }>['data']): void {
    if (this.o.store.webhook(data.webhookId)) return; // registered here, or folded before
    if (!data.sealedSecret) {
      this.o.logger?.warn({ webhookId: data.webhookId }, 'webhook registered by an older version elsewhere, without its sealed secret: only that instance can deliver to it');
      return;
    }
    const recipient = data.target.kind === 'user' ? userRecipient(data.target.userId) : roleRecipient(data.target.role, data.target.jurisdiction);
    try {
      this.o.store.adoptWebhook({
        id: data.webhookId, owner: data.owner, target: recipientKey(recipient), url: data.url, description: data.description ?? null,
        status: 'enabled', consecutiveFailures: 0, createdAt: data.registeredAt, disabledAt: null,
      }, data.sealedSecret);
    } catch (error) {
      if (!(error instanceof WrongMasterKeyError)) throw error;
      this.o.logger?.error({ webhookId: data.webhookId }, 'a webhook\'s sealed secret opens with none of the configured master keys: not delivered to by this instance');
    }
  }

  /**
   * Follows CFUND_EVENTS from the sequence folded last, folding each shared event, until `stop`;
   * follows again after a failure. Resolves once the history is folded (caught up): then this
   * instance knows every webhook, read and language recorded so far.
   */
  start(): Promise<void> {
    const follow = this.o.follow;
    if (!follow) return Promise.resolve();
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => { caughtUp = resolve; });
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          this.follower = await follow((this.o.store.sharedSequence() ?? 0) + 1, (e, sequence) => this.fold(e, sequence));
          if (this.stopped) break; // stop() came while it started: it stops it below
          void this.follower.caughtUp.then(caughtUp);
          await this.follower.done;
          if (this.stopped) break;
          throw new Error('the follower ended');
        } catch (error) {
          if (this.stopped) break;
          this.o.logger?.warn({ err: error }, 'following the shared state failed: following again');
          await new Promise((r) => setTimeout(r, this.o.resubscribeAfterMs ?? 1000));
        }
      }
      await this.follower?.stop();
      caughtUp();
    })();
    return ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.follower?.stop();
    await this.loop;
  }
}
