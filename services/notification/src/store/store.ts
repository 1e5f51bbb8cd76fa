/** Typed access to the SQLite working state (see database.ts). Synchronous: better-sqlite3. */
import type { ClaimSnapshot } from '../claim-snapshot.js';
import type { PlannedReminder } from '../reminders/plan.js';
import type { Params } from '../routing/topics.js';
import type { Statement } from 'better-sqlite3';
import { openDatabase, type Db } from './database.js';
import { WebhookSecretSealer } from './webhook-secrets.js';

export interface InboxEntry {
  id: string;
  recipient: string;
  topic: string;
  claimId: string | null;
  publicReference: string | null;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
  sourceId: string;
  /**
   * A row addressed to a role: what renders it again in each reader's language (the role has
   * none of its own). Null on a user's row (rendered in their language) and on an older version's.
   */
  rendering: InboxRendering | null;
}

/** A role's notification as the templates take it; params hold no personal data (routing/topics.ts). */
export interface InboxRendering {
  params: Params;
  timeZone: string;
  /** The scheme's language of the proceedings, if the notification is about a claim. */
  language: string | null;
}

/** `unrecorded`: waiting for its NotificationIssued to be in the event store (nothing is sent before). */
export type DeliveryStatus = 'unrecorded' | 'pending' | 'sending' | 'delivered' | 'failed';

/** A NotificationIssued waiting to be appended to the event store (see Notifier.recordIssued). */
export interface IssueRecord {
  notificationId: string;
  data: Record<string, unknown>;
}

export interface Delivery {
  notificationId: string;
  channel: 'webhook' | 'email';
  webhookId: string | null;
  addresses: string[] | null;
  topic: string;
  /** Webhook: the JSON body sent. Email: JSON of { subject, text, html }. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  /** Epoch milliseconds. */
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export type WebhookStatus = 'enabled' | 'disabled' | 'deleted';

export interface Webhook {
  id: string;
  owner: string;
  /** Recipient key: `user:<sub>` or `role:<role>:<jurisdiction>`. */
  target: string;
  url: string;
  secret: string;
  description: string | null;
  status: WebhookStatus;
  consecutiveFailures: number;
  createdAt: string;
  disabledAt: string | null;
}

export type ReminderStatus = 'pending' | 'sent' | 'cancelled' | 'skipped';

interface DeliveryRow {
  notification_id: string; channel: 'webhook' | 'email'; webhook_id: string | null; addresses: string | null; topic: string; payload: string;
  status: DeliveryStatus; attempts: number; next_attempt_at: number; last_status: number | null; last_error: string | null;
  created_at: string; updated_at: string;
}
interface WebhookRow {
  id: string; owner: string; target: string; url: string; secret: string; description: string | null; status: WebhookStatus;
  consecutive_failures: number; created_at: string; disabled_at: string | null;
}
interface InboxRow {
  id: string; recipient: string; topic: string; claim_id: string | null; public_reference: string | null; subject: string;
  text: string; html: string; created_at: string; source_id: string; params: string | null; time_zone: string | null; language: string | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  notificationId: r.notification_id, channel: r.channel, webhookId: r.webhook_id,
  addresses: r.addresses === null ? null : (JSON.parse(r.addresses) as string[]), topic: r.topic, payload: r.payload,
  status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastStatus: r.last_status, lastError: r.last_error,
  createdAt: r.created_at, updatedAt: r.updated_at,
});
const toInbox = (r: InboxRow): InboxEntry => ({
  id: r.id, recipient: r.recipient, topic: r.topic, claimId: r.claim_id, publicReference: r.public_reference, subject: r.subject,
  text: r.text, html: r.html, createdAt: r.created_at, sourceId: r.source_id,
  rendering: r.params === null || r.time_zone === null ? null : { params: JSON.parse(r.params) as Params, timeZone: r.time_zone, language: r.language },
});

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/**
 * Durability. With `synchronous: 'full'` every commit is fsynced. With `'normal'` (WAL), ordinary
 * commits survive a killed process but a power loss may roll back the latest ones; that is used
 * only for what can be replayed from NATS (the consumer's commits, which record the sequence of
 * CFUND_EVENTS they reached: `Notifier.catchUp` replays from it at start), while `durable`
 * commits (HTTP requests, delivery outcomes) are fsynced before they are answered or acted on.
 */
export class NotificationStore {
  /** Prepared once and reused: preparing costs more than running most of these statements. */
  private readonly statements = new Map<string, Statement>();
  /** Token locales by user, read or written once (a few hundred staff and lawyers). */
  private readonly tokenLocales = new Map<string, string | undefined>();

  private constructor(readonly db: Db, readonly synchronous: 'full' | 'normal', private readonly secrets: WebhookSecretSealer) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      // The texts are the ones below (with at most a few hundred placeholder counts): bounded anyway.
      if (this.statements.size >= 500) this.statements.clear();
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** `masterKey` encrypts the webhook signing secrets (see webhook-secrets.ts); `previousMasterKeys` still open them during a rotation. */
  static open(path: string, options: { synchronous?: 'full' | 'normal'; masterKey: Buffer; previousMasterKeys?: readonly Buffer[] }): NotificationStore {
    const synchronous = options.synchronous ?? 'full';
    const db = openDatabase(path, synchronous);
    const secrets = new WebhookSecretSealer(options.masterKey, options.previousMasterKeys);
    try {
      sealSecretsUnderCurrentKey(db, secrets);
    } catch (error) {
      db.close();
      throw error;
    }
    return new NotificationStore(db, synchronous, secrets);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A transaction that is on disk when it returns, whatever the store's mode. */
  durable<T>(fn: () => T): T {
    if (this.synchronous === 'full') return this.transaction(fn);
    this.db.pragma('synchronous = FULL');
    try {
      return this.transaction(fn);
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  // ---- CFUND_EVENTS sequences: the claim events' consumer, and the shared state's follower ----

  /**
   * The sequence in CFUND_EVENTS of the last claim event whose commit recorded it: a power loss
   * rolls it back with that commit, and `Notifier.catchUp` replays from the one after it.
   */
  eventsSequence(): number | undefined {
    return this.sequenceOf('events-sequence');
  }

  /** Moves the claim events' sequence forward (never back). */
  advanceEventsSequence(sequence: number): void {
    this.advance('events-sequence', sequence);
  }

  /** The sequence of the last shared event folded (SharedState: webhooks, reads, retries, languages). */
  sharedSequence(): number | undefined {
    return this.sequenceOf('shared-sequence');
  }

  advanceSharedSequence(sequence: number): void {
    this.advance('shared-sequence', sequence);
  }

  private sequenceOf(key: string): number | undefined {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? Number(row.value) : undefined;
  }

  private advance(key: string, sequence: number): void {
    const current = this.sequenceOf(key);
    if (current !== undefined && current >= sequence) return;
    this.sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, String(sequence));
  }

  // ---- claims --------------------------------------------------------------------------------

  /** The claim's last revision applied and its snapshot, as stored: possibly of an older shape (see isCurrentSnapshot). */
  claim(claimId: string): { revision: number; snapshot: unknown } | undefined {
    const row = this.sql('SELECT revision, state FROM claims WHERE claim_id = ?').get(claimId) as { revision: number; state: string } | undefined;
    return row ? { revision: row.revision, snapshot: JSON.parse(row.state) as unknown } : undefined;
  }

  saveClaim(claimId: string, revision: number, snapshot: ClaimSnapshot): void {
    this.sql('INSERT INTO claims (claim_id, revision, state) VALUES (?, ?, ?) ON CONFLICT (claim_id) DO UPDATE SET revision = excluded.revision, state = excluded.state')
      .run(claimId, revision, JSON.stringify(snapshot));
  }

  // ---- inbox ---------------------------------------------------------------------------------

  addInbox(entries: InboxEntry[]): void {
    const insert = this.sql(`INSERT OR IGNORE INTO inbox (id, recipient, topic, claim_id, public_reference, subject, text, html, created_at, source_id,
      params, time_zone, language)
      VALUES (@id, @recipient, @topic, @claimId, @publicReference, @subject, @text, @html, @createdAt, @sourceId, @params, @timeZone, @language)`);
    for (const { rendering, ...e } of entries) {
      insert.run({ ...e, params: rendering ? JSON.stringify(rendering.params) : null, timeZone: rendering?.timeZone ?? null, language: rendering?.language ?? null });
    }
  }

  inboxEntry(id: string): InboxEntry | undefined {
    const row = this.sql('SELECT * FROM inbox WHERE id = ?').get(id) as InboxRow | undefined;
    return row ? toInbox(row) : undefined;
  }

  /** The entries addressed to any of `keys`, newest first, each with whether `userId` read it. */
  inbox(keys: string[], userId: string, options: { limit: number; offset: number; unreadOnly?: boolean }): {
    items: (InboxEntry & { readAt: string | null })[]; total: number; unread: number;
  } {
    const inKeys = `recipient IN (${placeholders(keys.length)})`;
    const unreadFilter = 'NOT EXISTS (SELECT 1 FROM reads r WHERE r.notification_id = inbox.id AND r.user_id = ?)';
    const where = options.unreadOnly ? `${inKeys} AND ${unreadFilter}` : inKeys;
    const whereArgs = options.unreadOnly ? [...keys, userId] : keys;
    const rows = this.sql(`SELECT inbox.*, (SELECT read_at FROM reads r WHERE r.notification_id = inbox.id AND r.user_id = ?) AS read_at
      FROM inbox WHERE ${where} ORDER BY created_at DESC, inbox.rowid DESC LIMIT ? OFFSET ?`)
      .all(userId, ...whereArgs, options.limit, options.offset) as (InboxRow & { read_at: string | null })[];
    const total = (this.sql(`SELECT count(*) AS n FROM inbox WHERE ${where}`).get(...whereArgs) as { n: number }).n;
    const unread = (this.sql(`SELECT count(*) AS n FROM inbox WHERE ${inKeys} AND ${unreadFilter}`).get(...keys, userId) as { n: number }).n;
    return { items: rows.map((r) => ({ ...toInbox(r), readAt: r.read_at })), total, unread };
  }

  readAt(notificationId: string, userId: string): string | undefined {
    const row = this.sql('SELECT read_at FROM reads WHERE notification_id = ? AND user_id = ?').get(notificationId, userId) as { read_at: string } | undefined;
    return row?.read_at;
  }

  markRead(notificationId: string, userId: string, at: string): void {
    this.sql('INSERT OR IGNORE INTO reads (notification_id, user_id, read_at) VALUES (?, ?, ?)').run(notificationId, userId, at);
  }

  // ---- preferences ---------------------------------------------------------------------------

  /** The language a user chose (PUT /notification-settings), if any. */
  preferredLocale(userId: string): string | undefined {
    const row = this.sql('SELECT locale FROM preferences WHERE user_id = ?').get(userId) as { locale: string } | undefined;
    return row?.locale;
  }

  /** Sets (or, with null, forgets) the language a user chose. */
  setPreferredLocale(userId: string, locale: string | null, at: string): void {
    if (locale === null) this.sql('DELETE FROM preferences WHERE user_id = ?').run(userId);
    else this.sql('INSERT INTO preferences (user_id, locale, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, updated_at = excluded.updated_at').run(userId, locale, at);
  }

  /** The `locale` claim of the user's latest token that the service saw, if any. */
  tokenLocale(userId: string): string | undefined {
    if (this.tokenLocales.has(userId)) return this.tokenLocales.get(userId);
    const row = this.sql('SELECT locale FROM token_locales WHERE user_id = ?').get(userId) as { locale: string } | undefined;
    this.tokenLocales.set(userId, row?.locale);
    return row?.locale;
  }

  /**
   * Remembers the `locale` claim of a user's token: notifications are rendered when an event
   * arrives, long after (and without) any request of theirs. Written only when it changed.
   */
  rememberTokenLocale(userId: string, locale: string, at: string): void {
    if (this.tokenLocale(userId) === locale) return;
    this.sql('INSERT INTO token_locales (user_id, locale, seen_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, seen_at = excluded.seen_at').run(userId, locale, at);
    this.tokenLocales.set(userId, locale);
  }

  // ---- webhooks ------------------------------------------------------------------------------

  private toWebhook(r: WebhookRow): Webhook {
    return {
      id: r.id, owner: r.owner, target: r.target, url: r.url, secret: this.secrets.open(r.id, r.secret), description: r.description, status: r.status,
      consecutiveFailures: r.consecutive_failures, createdAt: r.created_at, disabledAt: r.disabled_at,
    };
  }

  /** Adds a webhook; one of this id already there (its registration folded from the event store first: SharedState) stays. */
  addWebhook(w: Webhook): void {
    this.sql(`INSERT INTO webhooks (id, owner, target, url, secret, description, status, consecutive_failures, created_at, disabled_at)
      VALUES (@id, @owner, @target, @url, @secret, @description, @status, @consecutiveFailures, @createdAt, @disabledAt) ON CONFLICT (id) DO NOTHING`).run({ ...w, secret: this.secrets.seal(w.id, w.secret) });
  }

  /** The secret sealed as this store keeps it (under the current master key, bound to the webhook's id): what WebhookRegistered carries. */
  sealWebhookSecret(webhookId: string, secret: string): string {
    return this.secrets.seal(webhookId, secret);
  }

  /**
   * Adds a webhook registered elsewhere (another instance) with its secret as the event carries
   * it, sealed: opened with the configured master keys (WrongMasterKeyError when none opens it),
   * and kept sealed under the current one.
   */
  adoptWebhook(w: Omit<Webhook, 'secret'>, sealedSecret: string): void {
    this.addWebhook({ ...w, secret: this.secrets.open(w.id, sealedSecret) });
  }

  webhook(id: string): Webhook | undefined {
    const row = this.sql('SELECT * FROM webhooks WHERE id = ?').get(id) as WebhookRow | undefined;
    return row ? this.toWebhook(row) : undefined;
  }

  webhooksOf(owner: string): Webhook[] {
    return (this.sql("SELECT * FROM webhooks WHERE owner = ? AND status != 'deleted' ORDER BY created_at, id").all(owner) as WebhookRow[]).map((r) => this.toWebhook(r));
  }

  /** Enabled webhooks registered for a recipient key. */
  webhooksFor(target: string): Webhook[] {
    return (this.sql("SELECT * FROM webhooks WHERE target = ? AND status = 'enabled' ORDER BY id").all(target) as WebhookRow[]).map((r) => this.toWebhook(r));
  }

  setWebhookStatus(id: string, status: WebhookStatus, at: string): void {
    this.sql('UPDATE webhooks SET status = ?, disabled_at = CASE WHEN ? = \'disabled\' THEN ? ELSE NULL END, consecutive_failures = CASE WHEN ? = \'enabled\' THEN 0 ELSE consecutive_failures END WHERE id = ?')
      .run(status, status, at, status, id);
  }

  /** Counts a failed attempt; returns the consecutive failures. */
  webhookFailed(id: string): number {
    return (this.sql('UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = ? RETURNING consecutive_failures')
      .get(id) as { consecutive_failures: number }).consecutive_failures;
  }

  webhookSucceeded(id: string): void {
    this.sql('UPDATE webhooks SET consecutive_failures = 0 WHERE id = ?').run(id);
  }

  // ---- deliveries (the outbox) ---------------------------------------------------------------

  addDeliveries(ds: Delivery[]): void {
    const insert = this.sql(`INSERT OR IGNORE INTO deliveries (notification_id, channel, webhook_id, addresses, topic, payload, status, attempts,
      next_attempt_at, last_status, last_error, created_at, updated_at)
      VALUES (@notificationId, @channel, @webhookId, @addresses, @topic, @payload, @status, @attempts, @nextAttemptAt, @lastStatus, @lastError, @createdAt, @updatedAt)`);
    for (const d of ds) insert.run({ ...d, addresses: d.addresses === null ? null : JSON.stringify(d.addresses) });
  }

  delivery(notificationId: string): Delivery | undefined {
    const row = this.sql('SELECT * FROM deliveries WHERE notification_id = ?').get(notificationId) as DeliveryRow | undefined;
    return row ? toDelivery(row) : undefined;
  }

  /** Pending deliveries due at `nowMs`, oldest first. */
  dueDeliveries(nowMs: number, limit: number): Delivery[] {
    return (this.sql("SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?")
      .all(nowMs, limit) as DeliveryRow[]).map(toDelivery);
  }

  /** When the next pending delivery is due (epoch ms), if any. */
  nextDeliveryAt(): number | undefined {
    const row = this.sql("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'").get() as { at: number | null };
    return row.at ?? undefined;
  }

  /**
   * Deliveries left `sending` by a process that stopped mid-attempt; after an unclean stop also
   * the `pending` ones (a power loss may have rolled back their latest status).
   */
  interruptedDeliveries(includePending: boolean): Delivery[] {
    const statuses = includePending ? "('sending', 'pending')" : "('sending')";
    return (this.sql(`SELECT * FROM deliveries WHERE status IN ${statuses}`).all() as DeliveryRow[]).map(toDelivery);
  }

  /** Records a graceful stop (fsynced). */
  markCleanShutdown(): void {
    this.durable(() => this.sql("INSERT INTO meta (key, value) VALUES ('clean-shutdown', '1') ON CONFLICT (key) DO UPDATE SET value = '1'").run());
  }

  /** Whether the last stop was graceful; clears the mark (fsynced) so that a crash from now on is seen. */
  takeCleanShutdown(): boolean {
    return this.durable(() => this.sql("DELETE FROM meta WHERE key = 'clean-shutdown'").run().changes > 0);
  }

  deliveriesOf(webhookId: string, options: { status?: DeliveryStatus; limit: number; offset: number }): { items: Delivery[]; total: number } {
    const statuses = options.status === 'pending' ? ['pending', 'unrecorded'] : options.status ? [options.status] : [];
    const where = statuses.length ? `webhook_id = ? AND status IN (${placeholders(statuses.length)})` : 'webhook_id = ?';
    const args = [webhookId, ...statuses];
    const rows = this.sql(`SELECT * FROM deliveries WHERE ${where} ORDER BY created_at DESC, notification_id DESC LIMIT ? OFFSET ?`)
      .all(...args, options.limit, options.offset) as DeliveryRow[];
    const total = (this.sql(`SELECT count(*) AS n FROM deliveries WHERE ${where}`).get(...args) as { n: number }).n;
    return { items: rows.map(toDelivery), total };
  }

  updateDelivery(notificationId: string, change: Partial<Pick<Delivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastStatus' | 'lastError'>>, at: string): void {
    const current = this.delivery(notificationId);
    if (!current) return;
    const next = { ...current, ...change };
    this.sql(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?
      WHERE notification_id = ?`).run(next.status, next.attempts, next.nextAttemptAt, next.lastStatus, next.lastError, at, notificationId);
  }

  /** Pending or sending deliveries of a webhook (to fail them when it is disabled or deleted). */
  openDeliveriesOf(webhookId: string): Delivery[] {
    return (this.sql("SELECT * FROM deliveries WHERE webhook_id = ? AND status IN ('pending', 'sending')").all(webhookId) as DeliveryRow[]).map(toDelivery);
  }

  // ---- NotificationIssued records to append -------------------------------------------------

  addIssues(records: IssueRecord[], at: string): void {
    const insert = this.sql('INSERT OR IGNORE INTO issues (notification_id, data, created_at) VALUES (?, ?, ?)');
    for (const r of records) insert.run(r.notificationId, JSON.stringify(r.data), at);
  }

  /** Oldest first; only `ids` when given. */
  pendingIssues(limit: number, ids?: string[]): IssueRecord[] {
    const rows = (ids
      ? this.sql(`SELECT notification_id, data FROM issues WHERE notification_id IN (${placeholders(ids.length)})`).all(...ids)
      : this.sql('SELECT notification_id, data FROM issues ORDER BY rowid LIMIT ?').all(limit)) as { notification_id: string; data: string }[];
    return rows.map((r) => ({ notificationId: r.notification_id, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  issueRecorded(notificationId: string): void {
    this.sql('DELETE FROM issues WHERE notification_id = ?').run(notificationId);
  }

  // ---- reminders -----------------------------------------------------------------------------

  /**
   * Makes a claim's reminders match `desired`: new ones are added (pending, or skipped when an
   * "N days before" reminder is already past at `nowIso`: it would only be noise), and pending
   * ones no longer desired are cancelled (the deadline was met or moved). Sent ones stay sent.
   */
  planReminders(claimId: string, desired: PlannedReminder[], nowIso: string): void {
    const wanted = new Set(desired.map((r) => r.id));
    const pending = this.sql("SELECT id FROM reminders WHERE claim_id = ? AND status = 'pending'").all(claimId) as { id: string }[];
    const cancel = this.sql("UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE id = ?");
    for (const { id } of pending) if (!wanted.has(id)) cancel.run(nowIso, id);
    const insert = this.sql(`INSERT INTO reminders (id, claim_id, kind, ref, deadline, label, fire_at, plan, status, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at WHERE reminders.status = 'cancelled' AND excluded.status = 'pending'`);
    for (const r of desired) {
      const stale = r.label !== 'missed' && r.fireAt <= nowIso;
      insert.run(r.id, r.claimId, r.kind, r.ref, r.deadline, r.label, r.fireAt, JSON.stringify(r), stale ? 'skipped' : 'pending', nowIso);
    }
  }

  dueReminders(nowIso: string, limit: number): PlannedReminder[] {
    return (this.sql("SELECT plan FROM reminders WHERE status = 'pending' AND fire_at <= ? ORDER BY fire_at, id LIMIT ?").all(nowIso, limit) as { plan: string }[])
      .map((r) => JSON.parse(r.plan) as PlannedReminder);
  }

  remindersOf(claimId: string): (PlannedReminder & { status: ReminderStatus })[] {
    return (this.sql('SELECT plan, status FROM reminders WHERE claim_id = ? ORDER BY fire_at, id').all(claimId) as { plan: string; status: ReminderStatus }[])
      .map((r) => ({ ...(JSON.parse(r.plan) as PlannedReminder), status: r.status }));
  }

  markReminder(id: string, status: ReminderStatus, at: string): void {
    this.sql('UPDATE reminders SET status = ?, updated_at = ? WHERE id = ?').run(status, at, id);
  }
}

/**
 * At start: refuses master keys none of which the secrets were sealed with, seals the plaintext
 * secrets an older version stored and, during a rotation, reseals under the new master key what
 * a previous one sealed (in one transaction: a crash leaves them all under one key or the other,
 * and both open). Then rewrites the file (VACUUM) and empties the WAL, so no page, free page or
 * WAL frame keeps a plaintext copy or one sealed under the old key.
 */
function sealSecretsUnderCurrentKey(db: Db, secrets: WebhookSecretSealer): void {
  const sample = db.prepare("SELECT id, secret FROM webhooks WHERE secret LIKE 'v1:%' LIMIT 1").get() as { id: string; secret: string } | undefined;
  if (sample) secrets.open(sample.id, sample.secret); // throws WrongMasterKeyError
  const stale = (db.prepare('SELECT id, secret FROM webhooks').all() as { id: string; secret: string }[])
    .filter((row) => !secrets.sealedWithCurrentKey(row.id, row.secret));
  if (stale.length === 0) return;
  const update = db.prepare('UPDATE webhooks SET secret = ? WHERE id = ?');
  db.transaction(() => {
    for (const row of stale) {
      const secret = WebhookSecretSealer.isSealed(row.secret) ? secrets.open(row.id, row.secret) : row.secret;
      update.run(secrets.seal(row.id, secret), row.id);
    }
  })();
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

