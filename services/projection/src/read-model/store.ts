/**
 * The read model in SQLite (better-sqlite3): one file under DATA_DIR/projection/.
 *
 * WAL journal (readers never block the projector) and synchronous=FULL: the projector
 * acknowledges a NATS message only after its transaction commits, so the commit must be on disk
 * by then. With NORMAL a power cut could drop the last commits after their messages were acked,
 * and the read model would silently miss events; FULL costs one fsync per applied event, which
 * the projection's rates afford.
 *
 * Tables: `claims` (the read model's own shape: the columns lists filter and sort on, the
 * claim's detail, funding and facts as JSON, never the decider's state), `claim_folds` (the
 * decider's state, the projector's working state between a claim's events: no query reads it),
 * `claim_deadlines`, `claim_assignments` (who acts on a claim: lead lawyer, co-counsel, assessor), `claim_history` (one row per event: type, time, actor, revision, hash,
 * and the event's data as stored, personal data encrypted as in the event store, for the as-of replay; rows
 * in the order applied, found by the unique index on claim and revision: a rebuild appends them
 * as `$all` delivers them instead of inserting into a B-tree in random claim order),
 * `fund_years` and `fund_year_claims` (a ledger's budget and each claim's money in it, not the
 * ledger decider's state), `claim_advances_due` (approved advances a payment run may still pay),
 * `payment_runs` and `bank_statements` (one row each, for the finance lists: never a payee's
 * details nor a statement's entries), and `applied` (the last revision applied per stream:
 * what makes applying idempotent).
 *
 * The list's filters each have an index in its order (newest filing first, then claim id), so a
 * page reads 50 index entries, not every claim. `claim_search` is an FTS5 trigram index over
 * `claims.search_text` (rowid = the claim's rowid; contentless: it stores no text, and that text
 * holds no personal data anyway; no positions: half the cost to build): a substring search reads
 * the claims holding all its trigrams, then checks the substring itself.
 *
 * A rebuild writes a new file beside this one (`buildPathOf`, opened with `{ build: true }`):
 * no journal and no fsync while it fills (the file is thrown away on any failure, so neither
 * buys anything), rows first and the search index and secondary indexes once at the end (sorting
 * once is far cheaper than keeping five indexes in order row by row). `completeBuild` fsyncs it and
 * `replaceWith` swaps it in by rename: the old file serves until the new one is whole on disk,
 * and a crash at any point leaves one or the other, never a mix.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

export const readModelPath = (dataDir: string): string => join(dataDir, 'projection', 'read-model.sqlite');

/**
 * The shape of the read model's rows (`user_version`): a file of an older shape is rebuilt at
 * start. Its own, not the decider's: a change of the decider's state refolds `claim_folds` lazily.
 * 3: claims keep their detail and funding (2 and below kept the decider's state in `claims.state`).
 * 4: fund years in rows of their own (`fund_years`, `fund_year_claims`; 3 kept the ledger's state).
 * 5: who acts on each claim (`claim_assignments`: lead lawyer, co-counsel, assessor of record).
 * 6: the claim detail's payee (kind and masked account in force, and a change awaiting confirmation).
 * 7: requests for information (in the facts and detail; open ones in `claim_deadlines`).
 * 8: a claim's standing decision (`lastDecision` of its facts) is none after an appeal that remitted it.
 * 9: the claim detail's documents (from the facts), lawyers and assessor of record.
 * 10: each claim's recoveries credited in a fund year (`fund_year_claims`), and in its funding.
 * 11: the claim detail's instalments name the payment run they are queued in (`runId`).
 * 12: approved advances not yet paid (`claim_advances_due`), payment runs (`payment_runs`) and
 *     imported bank statements (`bank_statements`), for the finance officers' lists.
 * 13: each claim's fund years (`claim_fund_years`): its instalments are committed in the years they fall due in.
 * 14: the claim detail's advances (a returned one `failed`) and each payment's last failure (the bank's reason);
 *     what the bank did with each run payment (`claim_payment_outcomes`), for a run's detail.
 * 15: whether a claim stands withdrawn (`withdrawn` of its facts), monitoring's withdrawn outcome.
 * 16: the claim detail's fund says whether the award's commitments are spread by year (`commitmentsSpreadByYear`).
 * 17: each history row holds its event's data as stored (`claim_history.data`), for the as-of replay;
 *     null in the rows of an older file until its rebuild (the replay then reads the event store).
 * 18: the claim detail's documents name the request for information they answer by its number (`request`, was `requestId`).
 */
export const READ_MODEL_VERSION = 18;

/** Where a rebuild writes the new read model before it replaces the one at `path`. */
export const buildPathOf = (path: string): string => `${path}.rebuild`;

/**
 * Bytes per page. A claim's row (its detail, funding and facts: about 3 kB) and its fold (about
 * 2.4 kB) fill a 4 kB page alone or spill into an overflow page; at 8 kB two or three rows share
 * a page: fewer pages to write in a rebuild.
 */
const PAGE_SIZE = 8192;

/** Pages of cache for a build (256 MiB): the file being built stays in memory while it fills. */
const BUILD_CACHE_KIB = 262_144;

/** The tables (a build creates these first and the indexes after its rows). */
const TABLES_SQL = `
CREATE TABLE IF NOT EXISTS applied (
  stream_id TEXT PRIMARY KEY,
  revision  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
  claim_id          TEXT PRIMARY KEY,
  revision          INTEGER NOT NULL,
  public_reference  TEXT,
  jurisdiction      TEXT,
  scheme_version    TEXT,
  currency          TEXT,
  status            TEXT NOT NULL,
  filed_by          TEXT,
  filed_at          TEXT,
  updated_at        TEXT NOT NULL,
  victim_ref        TEXT,
  form_of_exploitation TEXT,
  applicant_role    TEXT,
  claimed_minor     INTEGER NOT NULL,
  awarded_minor     INTEGER NOT NULL,
  paid_minor        INTEGER NOT NULL,
  outstanding_minor INTEGER NOT NULL,
  search_text       TEXT NOT NULL,
  personal_data     TEXT,
  fund_year         INTEGER,
  funding           TEXT NOT NULL,
  detail            TEXT NOT NULL,
  facts             TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_position (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  commit_position  TEXT NOT NULL,
  prepare_position TEXT NOT NULL
);
-- A rowid table: a rebuild appends folds in the order claims are written (only the small key
-- index takes them in claim order). Keyed by the claim itself (WITHOUT ROWID, until 2026-12-07),
-- folds written in random claim order left its pages a third full: 116 of 287 MB of a rebuilt file.
CREATE TABLE IF NOT EXISTS claim_folds (
  claim_id TEXT PRIMARY KEY,
  state    TEXT NOT NULL
);
DROP INDEX IF EXISTS claims_by_jurisdiction;
DROP INDEX IF EXISTS claims_by_lawyer;
DROP INDEX IF EXISTS claims_by_status;
DROP TABLE IF EXISTS claims_search;
CREATE VIRTUAL TABLE IF NOT EXISTS claim_search USING fts5 (search_text, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none);
CREATE TABLE IF NOT EXISTS claim_deadlines (
  claim_id     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  instalment   INTEGER NOT NULL DEFAULT 0,
  due_on       TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  filed_by     TEXT NOT NULL,
  PRIMARY KEY (claim_id, kind, instalment)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claim_fund_years (
  claim_id     TEXT NOT NULL,
  year         INTEGER NOT NULL,
  jurisdiction TEXT NOT NULL,
  award_year   INTEGER,
  tied_minor   INTEGER NOT NULL,
  paid_minor   INTEGER NOT NULL,
  PRIMARY KEY (claim_id, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claim_assignments (
  claim_id TEXT NOT NULL,
  role     TEXT NOT NULL,
  person   TEXT NOT NULL,
  PRIMARY KEY (claim_id, role, person)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claim_history (
  claim_id    TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT NOT NULL,
  type        TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  actor       TEXT,
  hash        TEXT,
  prev_hash   TEXT,
  data        TEXT
);
CREATE TABLE IF NOT EXISTS claim_advances_due (
  claim_id       TEXT NOT NULL,
  advance        INTEGER NOT NULL,
  jurisdiction   TEXT NOT NULL,
  amount_minor   INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  masked_account TEXT,
  run_id         TEXT,
  PRIMARY KEY (claim_id, advance)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claim_payment_outcomes (
  claim_id       TEXT NOT NULL,
  end_to_end_id  TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  PRIMARY KEY (claim_id, end_to_end_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS payment_runs (
  run_id       TEXT PRIMARY KEY,
  jurisdiction TEXT NOT NULL,
  status       TEXT NOT NULL,
  execution_on TEXT NOT NULL,
  currency     TEXT NOT NULL,
  total_minor  INTEGER NOT NULL,
  payments     INTEGER NOT NULL,
  voided       INTEGER NOT NULL,
  prepared_by  TEXT NOT NULL,
  prepared_at  TEXT NOT NULL,
  released_by  TEXT,
  released_at  TEXT,
  cancelled_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bank_statements (
  statement_id TEXT PRIMARY KEY,
  jurisdiction TEXT NOT NULL,
  state        TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  imported_by  TEXT NOT NULL,
  imported_at  TEXT NOT NULL,
  entry_count  INTEGER NOT NULL,
  recorded     INTEGER NOT NULL,
  paid         INTEGER NOT NULL,
  returned     INTEGER NOT NULL,
  unmatched    INTEGER NOT NULL,
  not_booked   INTEGER NOT NULL,
  resolved     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS personal_data_reads (
  stream_id   TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  claim_id    TEXT NOT NULL,
  victim_ref  TEXT NOT NULL,
  accessed_by TEXT NOT NULL,
  roles       TEXT NOT NULL,
  accessed_at TEXT NOT NULL,
  purpose     TEXT NOT NULL,
  PRIMARY KEY (stream_id, revision)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fund_years (
  stream_id       TEXT PRIMARY KEY,
  jurisdiction    TEXT NOT NULL,
  year            INTEGER NOT NULL,
  revision        INTEGER NOT NULL,
  currency        TEXT,
  allocated_minor INTEGER NOT NULL,
  recovered_minor INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fund_year_claims (
  stream_id       TEXT NOT NULL,
  claim_id        TEXT NOT NULL,
  committed_minor INTEGER NOT NULL,
  released_minor  INTEGER NOT NULL,
  disbursed_minor INTEGER NOT NULL,
  instalments     TEXT NOT NULL,
  advances        TEXT NOT NULL,
  recovered_minor INTEGER NOT NULL,
  recoveries      TEXT NOT NULL,
  PRIMARY KEY (stream_id, claim_id)
) WITHOUT ROWID;
`;

/** Secondary indexes: kept up to date row by row when serving, built once at the end of a rebuild. */
const INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS claims_newest ON claims (filed_at DESC, claim_id);
CREATE INDEX IF NOT EXISTS claims_by_status_newest ON claims (status, filed_at DESC, claim_id);
CREATE INDEX IF NOT EXISTS claims_by_jurisdiction_newest ON claims (jurisdiction, filed_at DESC, claim_id);
CREATE INDEX IF NOT EXISTS claims_by_jurisdiction_status_newest ON claims (jurisdiction, status, filed_at DESC, claim_id);
CREATE INDEX IF NOT EXISTS claims_by_lawyer_newest ON claims (filed_by, filed_at DESC, claim_id);
CREATE INDEX IF NOT EXISTS assignments_by_person ON claim_assignments (person, role);
CREATE INDEX IF NOT EXISTS fund_years_by_year ON claim_fund_years (jurisdiction, year);
CREATE INDEX IF NOT EXISTS deadlines_by_date ON claim_deadlines (due_on);
CREATE UNIQUE INDEX IF NOT EXISTS claim_history_by_claim ON claim_history (claim_id, revision);
CREATE INDEX IF NOT EXISTS reads_newest ON personal_data_reads (accessed_at DESC, stream_id, revision);
CREATE INDEX IF NOT EXISTS reads_by_reader_newest ON personal_data_reads (accessed_by, accessed_at DESC);
CREATE INDEX IF NOT EXISTS advances_due_by_jurisdiction ON claim_advances_due (jurisdiction, claim_id, advance);
CREATE INDEX IF NOT EXISTS payment_outcomes_by_run ON claim_payment_outcomes (run_id);
CREATE INDEX IF NOT EXISTS payment_runs_by_jurisdiction_newest ON payment_runs (jurisdiction, prepared_at DESC, run_id);
CREATE INDEX IF NOT EXISTS payment_runs_by_jurisdiction_status_newest ON payment_runs (jurisdiction, status, prepared_at DESC, run_id);
CREATE INDEX IF NOT EXISTS statements_by_jurisdiction_newest ON bank_statements (jurisdiction, imported_at DESC, statement_id);
CREATE INDEX IF NOT EXISTS statements_by_jurisdiction_state_newest ON bank_statements (jurisdiction, state, imported_at DESC, statement_id);
`;

/** Every claim's search text into the search index (a build's, once at its end; a file from before the index). */
const INDEX_ALL_CLAIMS_SQL = 'INSERT INTO claim_search (rowid, search_text) SELECT rowid, search_text FROM claims';

/** Tables and their key order, for the digest and for a rebuild's wipe. */
const TABLES: readonly [string, string][] = [
  ['applied', 'stream_id'],
  ['claims', 'claim_id'],
  ['claim_folds', 'claim_id'],
  ['claim_deadlines', 'claim_id, kind, instalment'],
  ['claim_assignments', 'claim_id, role, person'],
  ['claim_advances_due', 'claim_id, advance'],
  ['claim_payment_outcomes', 'claim_id, end_to_end_id'],
  ['payment_runs', 'run_id'],
  ['bank_statements', 'statement_id'],
  ['claim_fund_years', 'claim_id, year'],
  ['claim_history', 'claim_id, revision'],
  ['fund_years', 'stream_id'],
  ['fund_year_claims', 'stream_id, claim_id'],
  ['personal_data_reads', 'stream_id, revision'],
];

export class ReadModelStore {
  private database: Database.Database;

  /** The open connection (a new one after `replaceWith`: take it from here each time). */
  get db(): Database.Database {
    return this.database;
  }

  /**
   * `build`: a new, empty file for a rebuild (anything at `path` is removed first), without
   * secondary indexes until `completeBuild`.
   */
  constructor(readonly path: string, private readonly options: { build?: boolean } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (options.build) {
      removeDatabaseFiles(path);
      this.database = openBuild(path);
      this.needsRebuild = false;
      return;
    }
    // A rebuild that a crash interrupted left its half-built file: it is never used.
    if (path !== ':memory:') removeDatabaseFiles(buildPathOf(path));
    let searchExisted = false;
    let readsExisted = false;
    let historyKeyed = false;
    let shapeVersion = 0;
    this.database = openServing(path, (db) => {
      shapeVersion = db.pragma('user_version', { simple: true }) as number;
      const sql = (name: string) => (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string } | undefined)?.sql;
      searchExisted = sql('claim_search') !== undefined;
      readsExisted = sql('personal_data_reads') !== undefined;
      // History keyed by (claim, revision) in the table itself, before the rows were kept in applied order.
      historyKeyed = sql('claim_history')?.includes('WITHOUT ROWID') ?? false;
      if (historyKeyed) db.exec('DROP TABLE claim_history');
      // History without its events' data: the column added (null in its rows until the rebuild at start).
      else if (sql('claim_history') !== undefined && !(db.pragma('table_info(claim_history)') as { name: string }[]).some((c) => c.name === 'data')) {
        db.exec('ALTER TABLE claim_history ADD COLUMN data TEXT');
      }
      // Claims kept in an older shape (the decider's state): dropped, so no query reads a column
      // that is not there; the list is empty until the rebuild at start fills it.
      if (sql('claims') !== undefined && !sql('claims')!.includes('detail')) db.exec('DROP TABLE claims; DROP TABLE IF EXISTS claim_search');
      // Fund years kept as the ledger decider's state: the same.
      if (sql('fund_years') !== undefined && !sql('fund_years')!.includes('allocated_minor')) db.exec('DROP TABLE fund_years');
    });
    // A file from before the search index: index its claims once.
    if (!searchExisted) this.db.exec(INDEX_ALL_CLAIMS_SQL);
    // A file from before reads of personal data were projected (their events were skipped then),
    // or whose history was dropped above for its new layout.
    // Or one whose rows have an older shape.
    this.needsRebuild = (!readsExisted || historyKeyed || shapeVersion < READ_MODEL_VERSION) && !this.isEmpty();
    if (!this.needsRebuild) this.db.pragma(`user_version = ${READ_MODEL_VERSION}`);
  }

  /**
   * A build's claims go into the search index once at its end (`completeBuild`), not as each is
   * written: the projector leaves `claim_search` alone meanwhile.
   */
  get searchIndexedAtEnd(): boolean {
    return this.options.build === true;
  }

  /**
   * Ends a build: the search index and the secondary indexes, the commit of the caller's
   * transaction, and the file closed and fsynced (ready for `replaceWith`).
   */
  completeBuild(): void {
    if (!this.options.build) throw new Error('completeBuild: not a build');
    this.db.exec(INDEX_ALL_CLAIMS_SQL);
    this.db.exec(INDEXES_SQL);
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
    fsyncPath(this.path);
  }

  /** Drops a build that failed: its file is removed. */
  discardBuild(): void {
    if (!this.options.build) throw new Error('discardBuild: not a build');
    if (this.db.open) this.db.close();
    removeDatabaseFiles(this.path);
  }

  /**
   * Puts the complete build at `builtPath` in this file's place and reopens: the old file is
   * checkpointed and closed first, so no write-ahead log of the old file can be paired with the
   * new one. Nothing else may hold the file open (the service's own connections are the only ones).
   */
  replaceWith(builtPath: string): void {
    if (this.path === ':memory:') throw new Error('replaceWith: an in-memory read model has no file');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    try {
      // The last connection to close removes the write-ahead log: if it is still there, another one is open.
      if (existsSync(`${this.path}-wal`)) {
        throw new Error(`${this.path} is open in another connection: the rebuilt read model was not swapped in`);
      }
      rmSync(`${this.path}-shm`, { force: true });
      renameSync(builtPath, this.path);
      fsyncPath(dirname(this.path));
    } finally {
      // The old file again after a failure, the new one otherwise.
      this.database = openServing(this.path);
    }
  }

  /** The file predates a table its events fill: the service rebuilds it from EventStoreDB at start. */
  readonly needsRebuild: boolean;

  /** True when nothing was ever applied (a new or lost file: the service rebuilds it from EventStoreDB). */
  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM applied LIMIT 1').get() === undefined;
  }

  /**
   * The `$all` position of the newest event applied (decimal strings), or null (nothing applied
   * with a position yet, or a file from before positions were kept: a rebuild sets it). Not part
   * of the digest: events of different streams may be applied in another order than `$all`'s.
   */
  appliedPosition(): { commitPosition: string; preparePosition: string } | null {
    const row = this.db.prepare('SELECT commit_position, prepare_position FROM applied_position WHERE id = 1').get() as { commit_position: string; prepare_position: string } | undefined;
    return row ? { commitPosition: row.commit_position, preparePosition: row.prepare_position } : null;
  }

  /** How many times every row was removed (wipe): what is kept of the rows in memory is kept per wipe (monitoring's decoded claims). */
  wipes = 0;

  /** Removes every row (inside the caller's transaction, for a rebuild). */
  wipe(): void {
    this.wipes += 1;
    this.db.exec('DELETE FROM applied_position');
    for (const [table] of TABLES) this.db.exec(`DELETE FROM ${table}`);
    this.db.exec("INSERT INTO claim_search (claim_search) VALUES ('delete-all')");
  }

  /**
   * SHA-256 over a canonical dump of every table (rows in key order, every column, JSON-encoded):
   * two read models with the same digest hold the same rows.
   */
  digest(): string {
    const h = createHash('sha256');
    for (const [table, key] of TABLES) {
      h.update(`table ${table}\n`);
      for (const row of this.db.prepare(`SELECT * FROM ${table} ORDER BY ${key}`).iterate() as Iterable<Record<string, unknown>>) {
        h.update(JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
        h.update('\n');
      }
    }
    return h.digest('hex');
  }

  /** Row counts by table (for /metrics and the rebuild's answer). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [table] of TABLES) out[table] = (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** A connection for serving; `beforeSchema` sees the file as it was (to tell what an upgrade needs). */
function openServing(path: string, beforeSchema?: (db: Database.Database) => void): Database.Database {
  const db = new Database(path);
  // Only a new file takes it (before WAL); a rebuilt one has it from its build.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (default 2 MiB): lists and the monitoring scan touch many pages.
  db.pragma('cache_size = -65536');
  beforeSchema?.(db);
  db.exec(TABLES_SQL);
  db.exec(INDEXES_SQL);
  return db;
}

function openBuild(path: string): Database.Database {
  const db = new Database(path);
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
  // Helper threads for the sorts of CREATE INDEX at the end.
  db.pragma('threads = 2');
  db.pragma(`user_version = ${READ_MODEL_VERSION}`);
  db.exec(TABLES_SQL);
  return db;
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
