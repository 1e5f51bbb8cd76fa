/**
 * The service's working state in SQLite (better-sqlite3) under DATA_DIR/notification/: each
 * claim's snapshot (claim-snapshot.ts) and last revision applied, the inbox read model, webhooks, the outbox of
 * deliveries (pending ones survive a restart), the NotificationIssued records still to append to
 * the event store, and the reminders. The event store keeps the audit
 * trail; this file can be rebuilt from the events by replaying them (notification ids are
 * deterministic, so a replay issues nothing twice).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS claims (
  claim_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox (
  id TEXT PRIMARY KEY, recipient TEXT NOT NULL, topic TEXT NOT NULL, claim_id TEXT, public_reference TEXT,
  subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL, created_at TEXT NOT NULL, source_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_recipient ON inbox (recipient, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS reads (
  notification_id TEXT NOT NULL, user_id TEXT NOT NULL, read_at TEXT NOT NULL, PRIMARY KEY (notification_id, user_id)
);
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, target TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
  description TEXT, status TEXT NOT NULL, consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, disabled_at TEXT
);
CREATE INDEX IF NOT EXISTS webhooks_by_target ON webhooks (target, status);
CREATE INDEX IF NOT EXISTS webhooks_by_owner ON webhooks (owner, status);
CREATE TABLE IF NOT EXISTS deliveries (
  notification_id TEXT PRIMARY KEY, channel TEXT NOT NULL, webhook_id TEXT, addresses TEXT,
  topic TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_by_webhook ON deliveries (webhook_id, created_at DESC);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY, value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issues (
  notification_id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS preferences (
  user_id TEXT PRIMARY KEY, locale TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS token_locales (
  user_id TEXT PRIMARY KEY, locale TEXT NOT NULL, seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders (
  id TEXT PRIMARY KEY, claim_id TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, deadline TEXT NOT NULL,
  label TEXT NOT NULL, fire_at TEXT NOT NULL, plan TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_due ON reminders (status, fire_at);
CREATE INDEX IF NOT EXISTS reminders_by_claim ON reminders (claim_id, status);
`;

/**
 * What changed in the shape since the schema above, in order: the file's `user_version` counts
 * the steps it has had. Each step runs once, in one transaction with the version it reaches,
 * on a new file as on an older one (whose rows it must keep serving).
 */
const MIGRATIONS: readonly string[] = [
  // 1: a row addressed to a role keeps what renders it again in each reader's language
  // (its topic's params, the time zone, the scheme's language); older rows keep only their text.
  'ALTER TABLE inbox ADD COLUMN params TEXT; ALTER TABLE inbox ADD COLUMN time_zone TEXT; ALTER TABLE inbox ADD COLUMN language TEXT;',
];

/** The schema version this code writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export type Db = Database.Database;

/**
 * Opens (creating) the database; `:memory:` for pure tests. WAL; `synchronous` is the mode of
 * ordinary commits (see NotificationStore.durable for those that must be on disk at once).
 */
export function openDatabase(path: string, synchronous: 'full' | 'normal' = 'full'): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600)); // created private: SQLite gives its WAL the same mode
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  migrate(db);
  if (path !== ':memory:') makePrivate(path);
  return db;
}

/** Runs the steps a file has not had yet. A file of a later version is left as it is: its steps only added columns. */
function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    for (const step of MIGRATIONS.slice(version)) db.exec(step);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** The database's directory and files readable by the service's user only (older versions left them 0755/0644). */
function makePrivate(path: string): void {
  const tighten = (file: string, mode: number) => {
    if (existsSync(file) && (statSync(file).mode & 0o777) !== mode) chmodSync(file, mode);
  };
  tighten(dirname(path), 0o700);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, 0o600);
}
