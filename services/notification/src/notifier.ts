/**
 * Turns claim events and due reminders into notifications, exactly once per (source, recipient,
 * channel). Handling an event is one SQLite transaction: the claim's new snapshot and revision, the
 * inbox entries (visible at once), the deliveries and their NotificationIssued records; ids are
 * deterministic, so a redelivered or replayed event adds nothing. `recordIssued` then appends each
 * record to the event store at `no_stream` (off the consumer's path: the event is acknowledged
 * after the local commit) and only then releases its deliveries. A record the store already has
 * (a replay onto a lost working state) is recognised, and the notification's stream says whether
 * it was delivered: nothing is sent twice.
 */
import { BACKWARDS, END, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { claimIdOfStream, claimStream, isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { negotiateLocale, type Locale } from '@cfund/i18n';
import { OrderedApplier, type StoredEvent } from '@cfund/messaging';
import type { AuditTrail } from './audit.js';
import { evolveSnapshot, initialSnapshot, isCurrentSnapshot, type ClaimSnapshot } from './claim-snapshot.js';
import type { Directory } from './directory.js';
import { notificationId } from './ids.js';
import type { NotificationMetrics } from './metrics.js';
import { desiredReminders, reminderIntent, type ReminderOptions } from './reminders/plan.js';
import type { NotificationIntent } from './routing/intent.js';
import { parseRecipientKey, recipientKey, userRecipient } from './routing/recipients.js';
import { routeClaimEvent } from './routing/route.js';
import { isTopic } from './routing/topics.js';
import type { Delivery, DeliveryStatus, InboxEntry, IssueRecord, NotificationStore, Webhook } from './store/store.js';
import type { Templates } from './templates/render.js';
import type { RenderedNotification } from './templates/types.js';

export interface NotifierOptions {
  client: EventStoreDBClient;
  store: NotificationStore;
  audit: AuditTrail;
  templates: Templates;
  directory: Directory;
  now: () => Date;
  reminders: ReminderOptions;
  /** Email is sent (SMTP configured). */
  email: boolean;
  /** The service's locale: for recipients with no choice of their own and no scheme (NOTIFICATION_LOCALE). */
  defaultLocale: string;
  logger?: Logger;
  metrics?: NotificationMetrics;
  /** Called after deliveries were queued (wakes the delivery worker). */
  onQueued?: () => void;
}

/**
 * Replays the claim events of CFUND_EVENTS from a sequence to the stream's end, handing each to
 * `handle` with its sequence (NotificationEvents.replayClaimEvents); resolves once all were handled.
 */
export type ClaimEventReplay = (fromSequence: number, handle: (event: StoredEvent, sequence: number) => Promise<void>) => Promise<void>;

interface Prepared {
  inbox: InboxEntry[];
  deliveries: Delivery[];
  issues: IssueRecord[];
}

/** The payload of a webhook delivery (also what an email carries, as text and HTML). */
export interface NotificationPayload {
  id: string;
  topic: string;
  createdAt: string;
  recipient: string;
  claimId?: string;
  publicReference?: string;
  subject: string;
  text: string;
  params: Record<string, unknown>;
}

export class Notifier {
  private lastHandled = -Infinity;
  private readonly applier: OrderedApplier;
  /** The message being handled and its sequence in CFUND_EVENTS: its commit records the sequence. */
  private inHand: { event: StoredEvent; sequence: number } | undefined;

  constructor(private readonly o: NotifierOptions) {
    this.applier = new OrderedApplier({
      client: o.client,
      lastApplied: (streamId) => o.store.claim(claimIdOfStream(streamId)!)?.revision ?? -1,
      apply: (e) => this.apply(claimIdOfStream(e.streamId)!, e),
      ...(o.logger ? { logger: o.logger } : {}),
    });
  }

  /**
   * Applies one event (idempotent: an event at or below the claim's last revision is ignored;
   * events missing before it are read from the event store and applied first). `sequence`, its
   * message's in CFUND_EVENTS, is recorded with its commit (see `catchUp`).
   */
  async handle(envelope: StoredEvent, sequence?: number): Promise<void> {
    if (claimIdOfStream(envelope.streamId) === undefined) return;
    const started = performance.now();
    this.lastHandled = started;
    this.inHand = sequence === undefined ? undefined : { event: envelope, sequence };
    try {
      await this.applier.handle(envelope);
    } finally {
      this.inHand = undefined;
    }
    this.lastHandled = performance.now();
    this.o.metrics?.handleSeconds.observe((performance.now() - started) / 1000);
    this.o.metrics?.eventLagSeconds.observe(Math.max(0, Date.now() - new Date(envelope.created).getTime()) / 1000); // wall clock, not the injected one
  }

  private async apply(claimId: string, envelope: StoredEvent): Promise<void> {
    const known = this.o.store.claim(claimId);
    if (known && envelope.revision <= known.revision) return;
    const before = known === undefined ? initialSnapshot()
      : isCurrentSnapshot(known.snapshot) ? known.snapshot
        : await this.refold(envelope.streamId, known.revision);
    let after: ClaimSnapshot = before;
    let intents: NotificationIntent[] = [];
    if (isClaimEventType(envelope.type)) {
      const event = parseEvent(envelope.type, envelope.data) as ClaimEvent;
      after = evolveSnapshot(before, event);
      intents = routeClaimEvent(event, before, after, { eventId: envelope.eventId, occurredAt: new Date(envelope.created).toISOString() });
    }
    const prepared = this.prepare(intents);
    const desired = desiredReminders(after, this.o.reminders);
    // Only the message's own event records its sequence (not a gap's events read before it).
    const sequence = this.inHand?.event === envelope ? this.inHand.sequence : undefined;
    const commit = () => {
      this.commit(prepared);
      this.o.store.planReminders(claimId, desired, this.o.now().toISOString());
      this.o.store.saveClaim(claimId, envelope.revision, after);
      if (sequence !== undefined) this.o.store.advanceEventsSequence(sequence);
    };
    // A message behind the sequence recorded (a redelivery after later ones) is fsynced: a power
    // loss then rolls back only commits after the surviving sequence, which catchUp replays.
    if (sequence !== undefined && sequence < (this.o.store.eventsSequence() ?? 0)) this.o.store.durable(commit);
    else this.o.store.transaction(commit);
    this.queued(prepared);
  }

  /** Whether events are flowing (one handled in the last few ms): background work then yields to them. */
  busy(): boolean {
    return performance.now() - this.lastHandled < 5;
  }

  /**
   * Background work (recording issues, deliveries) calls this before each step: the inbox comes
   * first, so while events are flowing it waits, at most 50 ms, and never starves.
   */
  async yieldToEvents(): Promise<void> {
    for (let waited = 0; this.busy() && waited < 50; waited += 5) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Replays the claim events of CFUND_EVENTS after the sequence this store last recorded, through
   * `handle` (idempotent). At start this restores what a power loss may have rolled back from
   * commits already acknowledged to NATS. Returns the events handled.
   */
  async catchUp(replay: ClaimEventReplay): Promise<number> {
    const from = this.o.store.eventsSequence();
    if (from === undefined) return 0;
    let read = 0;
    await replay(from + 1, async (event, sequence) => {
      read++;
      await this.handle(event, sequence);
    });
    if (read) this.o.logger?.info({ read }, 'caught up from NATS since the last sequence recorded');
    return read;
  }

  /**
   * Sends the reminders due now. A reminder fires only when this service has applied every
   * event of its claim: one not yet consumed may have met the deadline.
   */
  async fireDueReminders(limit = 100): Promise<number> {
    const nowIso = this.o.now().toISOString();
    let fired = 0;
    for (const r of this.o.store.dueReminders(nowIso, limit)) {
      const known = this.o.store.claim(r.claimId);
      const head = await this.streamHead(claimStream(r.claimId));
      if (!known || (head !== undefined && head > known.revision)) continue;
      const prepared = this.prepare([reminderIntent(r)]);
      this.o.store.transaction(() => {
        this.commit(prepared);
        this.o.store.markReminder(r.id, 'sent', nowIso);
      });
      this.o.metrics?.reminders.inc({ kind: r.kind, label: r.label === 'missed' || r.label === 'due' ? r.label : 'before' });
      this.queued(prepared);
      fired++;
    }
    return fired;
  }

  /** Tells a webhook's owner, in the inbox, that it was disabled. */
  async webhookDisabled(webhook: Webhook, failures: number, at: string): Promise<void> {
    const prepared = this.prepare([{
      sourceId: `webhook-disabled:${webhook.id}:${at}`, topic: 'webhook-disabled', recipient: userRecipient(webhook.owner), occurredAt: at,
      timeZone: 'UTC', inboxOnly: true, params: { webhookId: webhook.id, url: webhook.url, failures },
    }]);
    this.o.store.durable(() => this.commit(prepared));
    this.queued(prepared);
  }

  /**
   * The language a notification is read in: the one the reader chose (PUT /notification-settings),
   * else their token's `locale` claim (the latest this service saw), else the directory's for
   * them, then for the recipient (a role), else the scheme's language of the proceedings, else the
   * service's, else English; each matched to a supported locale by @cfund/i18n (`sr` gives
   * `sr-Latn`). The reader is the user it is addressed to, or `reader`, a member of the role
   * reading their inbox; with neither (a role's email and webhooks) no one's wish counts.
   */
  localeOf(intent: Pick<NotificationIntent, 'recipient' | 'language'>, reader?: string): Locale {
    const key = recipientKey(intent.recipient);
    const user = reader ?? (intent.recipient.kind === 'user' ? intent.recipient.userId : undefined);
    const userKey = user === undefined ? undefined : recipientKey(userRecipient(user));
    const wishes = user === undefined ? [] : [this.o.store.preferredLocale(user), this.o.store.tokenLocale(user)];
    const listed = userKey === undefined || userKey === key ? [this.o.directory.locale(key)] : [this.o.directory.locale(userKey), this.o.directory.locale(key)];
    return negotiateLocale([...wishes, ...listed, intent.language, this.o.defaultLocale]);
  }

  /**
   * What an inbox row shows `reader`. A row addressed to a role is rendered again in the reader's
   * language (the role has none of its own). Others show what was rendered when they were written:
   * a user's row is in that user's language already (and keeps it, like the email and webhook
   * deliveries of the same notification); a row of an older version has nothing to render it from.
   */
  shownTo(entry: InboxEntry, reader: string): RenderedNotification {
    const r = entry.rendering;
    if (!r || !isTopic(entry.topic)) return entry; // a topic this version does not know: as stored
    const locale = this.localeOf({ recipient: parseRecipientKey(entry.recipient), ...(r.language === null ? {} : { language: r.language }) }, reader);
    return this.o.templates.render(entry.topic, r.params, { locale, timeZone: r.timeZone });
  }

  /** Renders each intent on each of its channels; what was committed before is left out. */
  private prepare(intents: NotificationIntent[]): Prepared {
    const out: Prepared = { inbox: [], deliveries: [], issues: [] };
    const nowIso = this.o.now().toISOString();
    for (const intent of intents) {
      const key = recipientKey(intent.recipient);
      const locale = this.localeOf(intent);
      const rendered = this.o.templates.render(intent.topic, intent.params, { locale, timeZone: intent.timeZone });
      const channels: { channel: string; kind: 'inbox' | 'webhook' | 'email'; webhook?: Webhook; addresses?: string[] }[] = [{ channel: 'inbox', kind: 'inbox' }];
      if (!intent.inboxOnly) {
        for (const w of this.o.store.webhooksFor(key)) channels.push({ channel: `webhook:${w.id}`, kind: 'webhook', webhook: w });
        const addresses = this.o.email ? this.o.directory.emails(key) : [];
        if (addresses.length > 0) channels.push({ channel: 'email', kind: 'email', addresses });
      }
      for (const c of channels) {
        const id = notificationId(intent.sourceId, key, c.channel);
        if (c.kind === 'inbox' ? this.o.store.inboxEntry(id) : this.o.store.delivery(id)) continue; // committed before
        out.issues.push({
          notificationId: id,
          data: {
            notificationId: id, channel: c.kind, recipient: key, ...(c.webhook ? { webhookId: c.webhook.id } : {}), topic: intent.topic,
            sourceId: intent.sourceId, ...(intent.claimId ? { claimId: intent.claimId } : {}),
            ...(intent.publicReference ? { publicReference: intent.publicReference } : {}),
            subject: rendered.subject.slice(0, 500), locale, issuedAt: nowIso,
          },
        });
        if (c.kind === 'inbox') {
          out.inbox.push({
            id, recipient: key, topic: intent.topic, claimId: intent.claimId ?? null, publicReference: intent.publicReference ?? null,
            subject: rendered.subject, text: rendered.text, html: rendered.html, createdAt: intent.occurredAt, sourceId: intent.sourceId,
            // A role's row is rendered for each reader (shownTo); the text above serves if it cannot be.
            rendering: intent.recipient.kind === 'role' ? { params: intent.params, timeZone: intent.timeZone, language: intent.language ?? null } : null,
          });
          continue;
        }
        const payload: NotificationPayload = {
          id, topic: intent.topic, createdAt: intent.occurredAt, recipient: key,
          ...(intent.claimId ? { claimId: intent.claimId } : {}), ...(intent.publicReference ? { publicReference: intent.publicReference } : {}),
          subject: rendered.subject, text: rendered.text, params: intent.params,
        };
        out.deliveries.push({
          notificationId: id, channel: c.kind, webhookId: c.webhook?.id ?? null, addresses: c.addresses ?? null, topic: intent.topic,
          payload: JSON.stringify(c.kind === 'email' ? { ...payload, html: rendered.html } : payload),
          status: 'unrecorded', attempts: 0, nextAttemptAt: this.o.now().getTime(), lastStatus: null, lastError: null, createdAt: nowIso, updatedAt: nowIso,
        });
      }
    }
    return out;
  }

  private commit(p: Prepared): void {
    this.o.store.addInbox(p.inbox);
    this.o.store.addDeliveries(p.deliveries);
    this.o.store.addIssues(p.issues, this.o.now().toISOString());
  }

  private queued(p: Prepared): void {
    if (p.issues.length > 0) this.o.onQueued?.();
  }

  /**
   * Appends the waiting NotificationIssued records to the event store (each at `no_stream`, in
   * batches of `batch` at a time, small enough not to hold the event loop long, each batch after
   * yieldToEvents) and releases their deliveries: `pending`, or, when the store
   * already had the record, what the notification's stream says (delivered, failed, pending).
   * With `ids`, only those (a read must not precede its notification's issue in the stream).
   */
  async recordIssued(options: { ids?: string[]; batch?: number } = {}): Promise<number> {
    let total = 0;
    for (;;) {
      // A read (`ids`) is answered at once; the background's batches let claim events go first.
      if (!options.ids) await this.yieldToEvents();
      const records = this.o.store.pendingIssues(options.batch ?? 16, options.ids);
      if (records.length === 0) return total;
      const outcomes = await Promise.all(records.map(async (r) => {
        const data = r.data as unknown as Parameters<AuditTrail['issued']>[0];
        const fresh = await this.o.audit.issued(data);
        if (fresh) this.o.metrics?.issued.inc({ channel: data.channel, topic: data.topic });
        const delivery = this.o.store.delivery(r.notificationId);
        if (delivery?.status !== 'unrecorded') return { id: r.notificationId };
        if (fresh) return { id: r.notificationId, status: 'pending' as DeliveryStatus, attempts: 0 };
        const trail = await this.o.audit.trail(r.notificationId);
        return { id: r.notificationId, status: (trail.delivered ? 'delivered' : trail.failed ? 'failed' : 'pending') as DeliveryStatus, attempts: trail.attempts };
      }));
      const at = this.o.now();
      this.o.store.transaction(() => {
        for (const o of outcomes) {
          if (o.status) this.o.store.updateDelivery(o.id, { status: o.status, attempts: o.attempts, nextAttemptAt: at.getTime() }, at.toISOString());
          this.o.store.issueRecorded(o.id);
        }
      });
      total += records.length;
      if (options.ids) return total;
    }
  }

  /** The last revision of a stream in the event store, or undefined when it does not exist. */
  private async streamHead(stream: string): Promise<number | undefined> {
    try {
      let head: number | undefined;
      for await (const e of this.o.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (e.event) head = Number(e.event.revision);
      }
      return head;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }

  /** A claim's snapshot folded again from its events up to `revision`: the one kept has an older shape. */
  private async refold(stream: string, revision: number): Promise<ClaimSnapshot> {
    let state = initialSnapshot();
    for await (const { event: e } of this.o.client.readStream(stream, { fromRevision: 0n, maxCount: revision + 1 })) {
      if (e && isClaimEventType(e.type)) state = evolveSnapshot(state, parseEvent(e.type, e.data) as ClaimEvent);
    }
    return state;
  }
}
