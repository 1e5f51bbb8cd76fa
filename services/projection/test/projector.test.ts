/**
 * The read model's projector against real events: claims written by the real command service
 * into a real embedded event store, read back from $all and applied. Idempotent per (stream,
 * revision), a gap repaired from the event store, a restart keeps everything, and a rebuild from
 * $all gives the digest of the incrementally built model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { evolve, initialState, type ClaimState } from '@cfund/domain';
import { ProjectionRunner, ReadModelStore, isoInstant } from '../src/index.ts';
import { allocateBudget, appliedClaim, disburse, fileClaim, readAllEnvelopes, rsYear, scheduledClaim, startHarness, step, tokens } from './helpers.ts';

/** A claim's row with its decider state. */
const rowOf = (s: ReadModelStore, claimId: string) =>
  s.db.prepare('SELECT c.*, f.state FROM claims c JOIN claim_folds f ON f.claim_id = c.claim_id WHERE c.claim_id = ?').get(claimId);

t.test('projector', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const year = rsYear(h.clock.now);
  await allocateBudget(h, tk, year);
  const paid = await scheduledClaim(h, tk, 90_000_000, 2);
  await disburse(h, paid, tk, 1);
  const applied = await appliedClaim(h, tk);
  const filed = await fileClaim(h, tk.lawyer2);
  await step(h, filed, 'evidence', tk.lawyer2, { documentId: 'DOC-1', kind: 'police-report', sha256: 'a'.repeat(64), title: 'Police report' });

  const first = await h.catchUp();
  t.ok((first.applied ?? 0) > 10, `events applied: ${JSON.stringify(first)}`);
  const digest = h.store.digest();

  await t.test('rows follow the domain fold of each stream', async (t) => {
    const envelopes = await readAllEnvelopes(h.env.eventStore);
    for (const id of [paid, applied, filed]) {
      let expected: ClaimState = initialState();
      for (const e of envelopes.filter((x) => x.streamId === `claim-${id}`)) {
        if (isClaimEventType(e.type)) expected = evolve(expected, parseEvent(e.type, e.data) as ClaimEvent);
      }
      const row = h.store.db.prepare('SELECT f.state, c.status FROM claims c JOIN claim_folds f ON f.claim_id = c.claim_id WHERE c.claim_id = ?')
        .get(id) as { state: string; status: string };
      t.same(JSON.parse(row.state), JSON.parse(JSON.stringify(expected)), `state of ${expected.status} claim`);
      t.equal(row.status, expected.status);
    }
    const money = h.store.db.prepare('SELECT status, claimed_minor, awarded_minor, paid_minor, outstanding_minor FROM claims WHERE claim_id = ?').get(paid);
    t.same(money, { status: 'scheduled', claimed_minor: 150_000_000, awarded_minor: 90_000_000, paid_minor: 45_000_000, outstanding_minor: 45_000_000 });
    t.match(h.store.db.prepare('SELECT allocated_minor, currency FROM fund_years WHERE stream_id = ?').get(`fund-RS-${year}`), { allocated_minor: 10_000_000_000, currency: 'RSD' });
    // The second instalment falls due on 2027-01-04: committed in 2027 (released here) when the award is of an earlier year.
    const later = year < 2027;
    t.same(h.store.db.prepare('SELECT committed_minor, released_minor, disbursed_minor, instalments, advances FROM fund_year_claims WHERE stream_id = ? AND claim_id = ?')
      .get(`fund-RS-${year}`, paid), { committed_minor: 90_000_000, released_minor: later ? 45_000_000 : 0, disbursed_minor: 45_000_000, instalments: '[1]', advances: '[]' });
    if (later) {
      t.same(h.store.db.prepare('SELECT committed_minor, released_minor, disbursed_minor FROM fund_year_claims WHERE stream_id = ? AND claim_id = ?')
        .get('fund-RS-2027', paid), { committed_minor: 45_000_000, released_minor: 0, disbursed_minor: 0 }, 'the instalment due in 2027 in that year\'s ledger');
    }
    t.same(h.store.db.prepare('SELECT year, award_year, tied_minor, paid_minor FROM claim_fund_years WHERE claim_id = ? ORDER BY year').all(paid),
      later ? [{ year, award_year: year, tied_minor: 45_000_000, paid_minor: 45_000_000 }, { year: 2027, award_year: year, tied_minor: 45_000_000, paid_minor: 0 }]
        : [{ year, award_year: year, tied_minor: 90_000_000, paid_minor: 45_000_000 }], 'the claim\'s fund years');
    const history = h.store.db.prepare('SELECT revision, type, actor, hash FROM claim_history WHERE claim_id = ? ORDER BY revision').all(filed) as { revision: number; type: string; actor: string; hash: string }[];
    t.same(history.map((x) => [x.revision, x.type, x.actor]), [[0, 'ClaimFiled', 'lawyer-2'], [1, 'EvidenceAttached', 'lawyer-2']]);
    t.match(history[1]!.hash, /^[0-9a-f]{64}$/);
    const deadlines = h.store.db.prepare('SELECT kind, instalment, due_on FROM claim_deadlines WHERE claim_id = ? ORDER BY instalment').all(paid);
    t.same(deadlines, [{ kind: 'instalment', instalment: 2, due_on: '2027-01-04' }], 'the second instalment, rolled over the weekend of 2027-01-01');
  });

  await t.test('redelivery and replays change nothing', async (t) => {
    const again = await h.catchUp();
    t.equal(again.applied ?? 0, 0, 'nothing applied twice');
    t.ok((again.duplicate ?? 0) > 10, 'every claim and fund event is a duplicate');
    t.equal(h.store.digest(), digest);
  });

  await t.test('a gap is filled from the event store', async (t) => {
    const store = new ReadModelStore(':memory:');
    t.teardown(() => store.close());
    const runner = new ProjectionRunner(store, h.env.eventStore);
    const envelopes = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${paid}`);
    const last = envelopes.at(-1)!;
    t.equal(await runner.handle(last), 'applied', 'the last event arrives first');
    t.equal(runner.projector.lastApplied(`claim-${paid}`), last.revision);
    t.same(rowOf(store, paid), rowOf(h.store, paid), 'the same row and state as applying every event in order');
    for (const e of envelopes) t.equal(await runner.handle(e), 'duplicate');
  });

  await t.test('a claim\'s state kept in another shape of the decider\'s state is folded again from the event store', async (t) => {
    const store = new ReadModelStore(':memory:');
    t.teardown(() => store.close());
    const runner = new ProjectionRunner(store, h.env.eventStore);
    const envelopes = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${paid}`);
    for (const e of envelopes.slice(0, -1)) await runner.handle(e);
    // What a decider of another version kept: its rows stay, its state is refolded at the next event.
    store.db.prepare('UPDATE claim_folds SET state = ? WHERE claim_id = ?').run(JSON.stringify({ stateVersion: 1, status: 'filed' }), paid);
    t.equal(await runner.handle(envelopes.at(-1)!), 'applied');
    t.same(rowOf(store, paid), rowOf(h.store, paid), 'the same row and state as applying every event in order');
  });

  await t.test('a restart keeps the model; a rebuild from $all equals it', async (t) => {
    const path = h.store.path;
    h.store.close();
    h.store = new ReadModelStore(path);
    h.runner = new ProjectionRunner(h.store, h.env.eventStore);
    t.equal(h.store.digest(), digest, 'reopened file, same rows');
    t.equal((await h.catchUp()).applied ?? 0, 0, 'after a restart, replayed events are duplicates');
    const rebuilt = await h.runner.rebuild();
    t.equal(rebuilt.digest, digest, 'rebuilt digest equals the incremental one');
    t.ok(rebuilt.applied >= (first.applied ?? 0), `applied ${rebuilt.applied} of ${rebuilt.events} events`);
    const envelopes = await readAllEnvelopes(h.env.eventStore);
    const [during, ...outcomes] = await Promise.all([h.runner.rebuild(), ...envelopes.map((e) => h.runner.handle(e))]);
    t.equal(during.digest, digest, 'a rebuild with deliveries arriving meanwhile');
    t.notOk(outcomes.includes('applied'), 'deliveries during a rebuild wait for it and are duplicates');
    t.equal(h.store.digest(), digest);
    h.store.db.prepare("UPDATE claims SET status = 'closed' WHERE claim_id = ?").run(filed);
    t.not(h.store.digest(), digest, 'the digest sees a changed row');
    t.equal((await h.runner.rebuild()).digest, digest, 'and a rebuild repairs it');
  });
});

t.test('a read model from before reads of personal data were projected is rebuilt at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = new ReadModelStore(join(dir, 'a.sqlite'));
  t.equal(fresh.needsRebuild, false, 'a new file: nothing to rebuild (it is empty; main.ts builds it anyway)');
  fresh.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('claim-x', 0);
  fresh.close();
  const current = new ReadModelStore(join(dir, 'a.sqlite'));
  t.equal(current.needsRebuild, false, 'a file with every table');
  current.db.exec('DROP TABLE personal_data_reads');
  current.close();
  const old = new ReadModelStore(join(dir, 'a.sqlite'));
  t.equal(old.needsRebuild, true, 'a non-empty file without the reads table: rebuild, or its reads would be missing');
  old.close();
});

t.test('a read model whose history was keyed in the table itself gets the new layout at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'b.sqlite');
  const before = new ReadModelStore(path);
  before.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('claim-x', 0);
  before.db.exec(`DROP TABLE claim_history; CREATE TABLE claim_history (claim_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
    type TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT, hash TEXT, prev_hash TEXT,
    PRIMARY KEY (claim_id, revision)) WITHOUT ROWID`);
  before.close();
  const after = new ReadModelStore(path);
  t.teardown(() => after.close());
  t.equal(after.needsRebuild, true, 'rebuilt at start (its history was dropped for the new layout)');
  const sql = (after.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'claim_history'").get() as { sql: string }).sql;
  t.notMatch(sql, /WITHOUT ROWID/, 'rows in applied order');
  t.ok(after.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'claim_history_by_claim'").get(), 'found by its unique index');
});

t.test('a read model whose history rows lack their events\' data gets the column at start, its rows kept, and is rebuilt', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'h.sqlite');
  const before = new ReadModelStore(path);
  before.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('claim-x', 0);
  before.db.exec(`DROP TABLE claim_history; CREATE TABLE claim_history (claim_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
    type TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT, hash TEXT, prev_hash TEXT);
    INSERT INTO claim_history VALUES ('x', 0, 'e0', 'ClaimFiled', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', NULL, NULL, NULL)`);
  before.db.pragma('user_version = 16');
  before.close();
  const after = new ReadModelStore(path);
  t.teardown(() => after.close());
  t.equal(after.needsRebuild, true, 'rebuilt at start');
  t.same(after.db.prepare('SELECT revision, type, data FROM claim_history').all(), [{ revision: 0, type: 'ClaimFiled', data: null }],
    'its history still served meanwhile, without data (the as-of reads the event store for it)');
});

t.test('a read model whose claims kept the decider\'s state is rebuilt at start; its claims are dropped meanwhile', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'c.sqlite');
  const before = new ReadModelStore(path);
  before.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('claim-x', 0);
  before.db.exec(`DROP TABLE claims; CREATE TABLE claims (claim_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL, facts TEXT NOT NULL);
    INSERT INTO claims VALUES ('x', 0, 'filed', '{}', '{}')`);
  before.db.pragma('user_version = 2');
  before.close();
  const after = new ReadModelStore(path);
  t.teardown(() => after.close());
  t.equal(after.needsRebuild, true, 'rebuilt at start');
  t.same(after.db.prepare('SELECT count(*) AS n FROM claims').get(), { n: 0 }, 'no claim of the older shape is answered');
  t.match((after.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'claims'").get() as { sql: string }).sql, /detail/);
});

t.test('a read model whose fund years kept the ledger decider\'s state is rebuilt at start; its fund years are dropped meanwhile', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'd.sqlite');
  const before = new ReadModelStore(path);
  before.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('fund-RS-2026', 0);
  before.db.exec(`DROP TABLE fund_years; CREATE TABLE fund_years (stream_id TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, year INTEGER NOT NULL,
    revision INTEGER NOT NULL, state TEXT NOT NULL) WITHOUT ROWID; INSERT INTO fund_years VALUES ('fund-RS-2026', 'RS', 2026, 0, '{"allocated":1,"recovered":0,"claims":{}}')`);
  before.db.pragma('user_version = 3');
  before.close();
  const after = new ReadModelStore(path);
  t.teardown(() => after.close());
  t.equal(after.needsRebuild, true, 'rebuilt at start');
  t.same(after.db.prepare('SELECT count(*) AS n FROM fund_years').get(), { n: 0 }, 'no fund year of the older shape is answered');
  t.match((after.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'fund_years'").get() as { sql: string }).sql, /allocated_minor/);
});

t.test('a read model of version 4 (no assignments kept) is rebuilt at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-readmodel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'e.sqlite');
  const before = new ReadModelStore(path);
  before.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('claim-x', 0);
  before.db.exec('DROP TABLE claim_assignments');
  before.db.pragma('user_version = 4');
  before.close();
  const after = new ReadModelStore(path);
  t.teardown(() => after.close());
  t.equal(after.needsRebuild, true, 'rebuilt at start, so every claim gets its lead lawyer, co-counsel and assessor');
  t.ok(after.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'claim_assignments'").get(), 'the table is there for the rebuild to fill');
});

t.test('isoInstant gives what Date gives, without parsing an instant already in that form', async (t) => {
  const samples = [
    '2026-11-29T14:36:07.123Z', '2024-02-29T00:00:00.000Z', '2023-02-29T00:00:00.000Z', '2100-02-29T12:00:00.000Z',
    '2000-02-29T12:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-12-31T23:59:59.999Z', '2024-01-01T24:00:00.000Z',
    '2024-01-01T23:60:00.000Z', '2024-01-01T23:59:60.000Z', '2024-13-01T00:00:00.000Z', '2024-00-10T00:00:00.000Z',
    '2024-01-00T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2026-11-29T15:36:07.123+01:00',
    '2026-11-29T14:36:07Z', '2026-11-29T14:36:07.1234Z', '2026-11-29 14:36:07.123Z', '2026-11-29T14:36:07.12aZ',
  ];
  // Every day of a leap and a common year at a random time, and random instants across four centuries.
  for (const year of [2023, 2024]) {
    for (let d = 0; d < 366; d += 1) samples.push(new Date(Date.UTC(year, 0, 1 + d, d % 24, (d * 7) % 60, (d * 13) % 60, d)).toISOString());
  }
  for (let i = 0; i < 2000; i += 1) samples.push(new Date(Date.UTC(1900, 0, 1) + Math.floor(Math.random() * 400 * 365.25 * 86_400_000)).toISOString());
  let checked = 0;
  for (const s of samples) {
    const expected = (() => { try { return new Date(s).toISOString(); } catch { return 'RangeError'; } })();
    const got = (() => { try { return isoInstant(s); } catch { return 'RangeError'; } })();
    if (got !== expected) t.fail(`${s}: ${got} against ${expected}`);
    checked += 1;
  }
  t.equal(checked, samples.length, `${checked} instants as Date gives them`);
  t.equal(isoInstant('2024-02-30T00:00:00.000Z'), '2024-03-01T00:00:00.000Z', 'a day Date rolls over is rolled over');
});
