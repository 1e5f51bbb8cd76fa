/**
 * Crash test: the store runs in a child process under 64 concurrent appenders (the real client,
 * on both of its wire paths) and is killed with SIGKILL at random moments, several times. After
 * each restart on the same data directory:
 *
 *  - every acknowledged append is readable, through readStream and readAll, with exactly the
 *    revisions and the commit position that were acknowledged;
 *  - every append that was in flight at the kill is all-or-nothing: all its events are visible,
 *    in order at contiguous revisions of its stream, or none is; and once seen, that outcome
 *    never changes after a later crash;
 *  - appends rejected with WrongExpectedVersion never appear;
 *  - each stream's revisions are contiguous from 0 and hold nothing the test did not send;
 *  - positions in `$all` are strictly increasing and agree with the positions of stream reads;
 *  - new appends work (the next round's load, and a final check).
 *
 * Odd rounds run the CLI (default checkpoint interval: start-up after the crash replays the log
 * from the start, or from a stale checkpoint); even rounds run test/fixtures/store-child.ts with
 * `checkpointEvery: 100`, so index checkpoints are written under load and the restart after the
 * crash loads one and replays only the tail after it.
 *
 * The random choices are seeded: `CRASH_SEED=<n>` replays the appenders' choices and the load
 * durations of a failed run (what is in flight at each kill still depends on timing).
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendToStreamOptions,
  type Credentials,
  type EventData,
} from '@eventstore/db-client';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../src/cli.ts');
const CHECKPOINTING_CHILD = path.resolve(here, 'fixtures/store-child.ts');

const APPENDERS = 64;
const ROUNDS = 5;
/** Events a round acknowledges at least before its kill (so that the figures mean something on a busy machine). */
const MIN_EVENTS_PER_ROUND = 400;
const OWN_STREAMS = 2;
const SHARED_STREAMS = 8;
const CHECKPOINT_EVERY = 100;
const ADMIN: Credentials = { username: 'admin', password: 'changeit' };
const PREFIX = 'crash-';

// ---- seeded randomness ------------------------------------------------------------------------

const seed = Number(process.env.CRASH_SEED ?? crypto.randomInt(2 ** 31));

interface Random {
  next(): number;
  int(n: number): number;
}

/** mulberry32: one generator per appender and round, so that timing does not reorder their draws. */
function random(...keys: number[]): Random {
  let state = keys.reduce((h, k) => Math.imul(h ^ k, 0x9e3779b1) >>> 0, seed >>> 0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

// ---- the store in a child process -------------------------------------------------------------

interface StoreChild {
  proc: ChildProcess;
  connectionString: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The child gets this process's exec arguments (tap's TypeScript loader and the ws-source
 * condition), so it runs src/ directly without a build. tap's process-info hook is left out:
 * it only records coverage, which a SIGKILLed child never writes anyway.
 */
const childExecArgv = process.execArgv.filter((a) => !a.includes('@tapjs/processinfo'));

async function startStore(dataDir: string, kind: 'cli' | 'checkpointing'): Promise<StoreChild> {
  const args = kind === 'cli'
    ? [CLI, '--data', dataDir, '--port', '0', '--insecure']
    : [CHECKPOINTING_CHILD, '--data', dataDir, '--port', '0', '--checkpoint-every', String(CHECKPOINT_EVERY)];
  const proc = spawn(process.execPath, [...childExecArgv, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const lines = readline.createInterface({ input: proc.stdout! });
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`store did not start within 60 s; stderr:\n${stderr}`)), 60_000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`store exited before it was ready (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
  });
  const m = /^embedded-eventstore ready on (\S+):(\d+)$/.exec(ready);
  if (!m) throw new Error(`unexpected first line from the store: ${JSON.stringify(ready)}`);
  return { proc, connectionString: `esdb://${m[1]}:${m[2]}?tls=false`, stderr: () => stderr, exited };
}

// ---- what the appenders did -------------------------------------------------------------------

type Outcome =
  | 'acked' // the server acknowledged it: it must be there, forever
  | 'rejected' // WrongExpectedVersion: it must never be there
  | 'unknown' // in flight at a kill: all or nothing, decided at the next restart
  | 'landed' // was unknown, found whole after a restart: must stay there
  | 'lost'; // was unknown, found absent after a restart: must stay absent

interface AppendRecord {
  stream: string;
  ids: string[];
  outcome: Outcome;
  round: number;
  /** For acked and landed appends: the revision of the first event. */
  firstRevision?: bigint;
  /** For acked appends: the commit position acknowledged for the last event. */
  commit?: bigint;
}

type Known = bigint | typeof NO_STREAM;

const ledger: AppendRecord[] = [];
const byId = new Map<string, { record: AppendRecord; index: number }>();
/** The expected revision each appender uses next, per stream. */
const known = new Map<string, Known>();
const unexpectedErrors: string[] = [];

function later(a: Known | undefined, b: Known): Known {
  if (a === undefined || a === NO_STREAM) return b;
  if (b === NO_STREAM) return a;
  return a > b ? a : b;
}

function makeEvents(rng: Random, appender: number, round: number, count: number): EventData[] {
  return Array.from({ length: count }, (_, i) => {
    // Mostly small events, some of 4-32 KiB so that a batch spans several pages and a kill
    // during its write is more likely to leave a torn tail.
    const pad = rng.next() < 0.1 ? 'x'.repeat(4096 + rng.int(28 * 1024)) : '';
    return jsonEvent({ id: crypto.randomUUID(), type: 'CrashTestEvent', data: { appender, round, i, pad } });
  });
}

interface Load {
  stop: boolean;
  killed: boolean;
}

async function appender(client: EventStoreDBClient, a: number, round: number, load: Load): Promise<void> {
  const rng = random(round, a);
  while (!load.stop) {
    const shared = rng.next() < 0.3;
    const stream = shared ? `${PREFIX}shared-${rng.int(SHARED_STREAMS)}` : `${PREFIX}own-${a}-${rng.int(OWN_STREAMS)}`;
    const count = rng.next() < 0.5 ? 1 : 2 + rng.int(4);
    const events = makeEvents(rng, a, round, count);
    const record: AppendRecord = { stream, ids: events.map((e) => e.id), outcome: 'unknown', round };
    ledger.push(record);
    record.ids.forEach((id, index) => byId.set(id, { record, index }));
    const expected = known.get(stream) ?? NO_STREAM;
    // Odd appenders pass per-call credentials, which makes the client use Streams.Append
    // instead of Streams.BatchAppend: both wire paths are under test.
    const options: AppendToStreamOptions = { expectedRevision: expected, deadline: 15_000, ...(a % 2 === 1 ? { credentials: ADMIN } : {}) };
    try {
      const result = await client.appendToStream(stream, events, options);
      record.outcome = 'acked';
      record.firstRevision = result.nextExpectedRevision - BigInt(count - 1);
      if (result.position) record.commit = result.position.commit;
      else unexpectedErrors.push(`round ${round}: append to ${stream} acknowledged without a position`);
      known.set(stream, later(known.get(stream), result.nextExpectedRevision));
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        record.outcome = 'rejected';
        known.set(stream, err.actualVersion);
        // Only this appender writes to its own streams: it always knows their revision.
        if (!shared) unexpectedErrors.push(`round ${round}: ${stream}, written by appender ${a} alone, was not at ${expected} but at ${err.actualVersion}`);
      } else if (!load.killed) {
        unexpectedErrors.push(`round ${round}: append to ${stream} failed before the kill: ${(err as Error).message}`);
        return;
      } else {
        return; // the store is gone: the record stays 'unknown'
      }
    }
  }
}

// ---- verification after a restart -------------------------------------------------------------

interface Seen {
  stream: string;
  revision: bigint;
  commit: bigint;
}

const big = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

interface VerifyFigures {
  events: number;
  landed: number;
  lost: number;
}

/** Checks the whole ledger against what the restarted store serves; returns figures. */
async function verify(t: Test, client: EventStoreDBClient, label: string): Promise<VerifyFigures> {
  const problems: string[] = [];
  const problem = (p: string): void => { if (problems.length < 20) problems.push(p); else if (problems.length === 20) problems.push('...'); };

  // $all: positions strictly increasing; every test event recorded by id.
  const inAll = new Map<string, Seen>();
  let previous = -1n;
  for await (const resolved of client.readAll({ fromPosition: START, direction: FORWARDS })) {
    const e = resolved.event;
    if (!e) continue;
    const commit = e.position.commit;
    if (commit <= previous) problem(`$all: position ${commit} after ${previous}`);
    previous = commit;
    if (!e.streamId.startsWith(PREFIX)) continue;
    if (inAll.has(e.id)) problem(`$all: event ${e.id} appears twice`);
    inAll.set(e.id, { stream: e.streamId, revision: e.revision, commit });
  }

  // Every stream the test wrote to, read whole.
  const streams = [...new Set(ledger.map((r) => r.stream))];
  const inStreams = new Map<string, Seen[]>();
  const inStreamIds = new Map<string, string[]>();
  await Promise.all(streams.map(async (stream) => {
    const events: Seen[] = [];
    const ids: string[] = [];
    try {
      for await (const resolved of client.readStream(stream, { fromRevision: START, direction: FORWARDS })) {
        const e = resolved.event!;
        if (!e.position) problem(`${stream}@${e.revision}: read without a position`);
        events.push({ stream, revision: e.revision, commit: e.position?.commit ?? -1n });
        ids.push(e.id);
      }
    } catch (err) {
      if ((err as { type?: string }).type !== 'stream-not-found') throw err;
    }
    inStreams.set(stream, events);
    events.forEach((e, i) => {
      if (e.revision !== BigInt(i)) problem(`${stream}: revision ${e.revision} at index ${i} (revisions not contiguous)`);
      const id = ids[i]!;
      const fromAll = inAll.get(id);
      if (!fromAll) problem(`${stream}@${e.revision}: event ${id} is not in $all`);
      else if (fromAll.stream !== stream || fromAll.revision !== e.revision || fromAll.commit !== e.commit) {
        problem(`${stream}@${e.revision}: readStream and readAll disagree about ${id}: ${JSON.stringify(fromAll, big)} vs ${JSON.stringify(e, big)}`);
      }
      const owner = byId.get(id);
      if (!owner) problem(`${stream}@${e.revision}: event ${id} was never sent by the test`);
    });
    inStreamIds.set(stream, ids);
  }));

  let landed = 0;
  let lost = 0;
  for (const record of ledger) {
    const present = record.ids.filter((id) => inAll.has(id)).length;
    const ids = inStreamIds.get(record.stream) ?? [];
    const where = `${record.stream} (round ${record.round}, ${record.ids.length} event(s), ${record.outcome})`;
    const atContiguousRevisions = (): bigint | undefined => {
      const first = inAll.get(record.ids[0]!)!.revision;
      for (let i = 0; i < record.ids.length; i++) {
        const seen = inAll.get(record.ids[i]!)!;
        if (seen.stream !== record.stream) { problem(`${where}: event ${i} is in ${seen.stream}`); return undefined; }
        if (seen.revision !== first + BigInt(i) || ids[Number(first) + i] !== record.ids[i]) {
          problem(`${where}: event ${i} at revision ${seen.revision}, expected ${first + BigInt(i)}`);
          return undefined;
        }
      }
      return first;
    };
    switch (record.outcome) {
      case 'acked':
      case 'landed': {
        if (present !== record.ids.length) { problem(`${where}: only ${present} of its events are readable`); break; }
        const first = atContiguousRevisions();
        if (first === undefined) break;
        if (record.firstRevision !== undefined && first !== record.firstRevision) {
          problem(`${where}: at revision ${first}, acknowledged at ${record.firstRevision}`);
        }
        if (record.outcome === 'acked') {
          const last = inAll.get(record.ids[record.ids.length - 1]!)!;
          if (last.commit !== record.commit) problem(`${where}: last event at position ${last.commit}, acknowledged at ${record.commit}`);
        }
        break;
      }
      case 'rejected':
      case 'lost':
        if (present !== 0) problem(`${where}: ${present} of its events are readable`);
        break;
      case 'unknown':
        if (present === 0) { record.outcome = 'lost'; lost++; break; }
        if (present !== record.ids.length) { problem(`${where}: HALF-VISIBLE, ${present} of ${record.ids.length} events readable`); break; }
        record.firstRevision = atContiguousRevisions();
        record.outcome = 'landed';
        landed++;
        break;
    }
  }

  // Each stream holds exactly the events of its acked and landed appends.
  const expectedCount = new Map<string, number>();
  for (const r of ledger) if (r.outcome === 'acked' || r.outcome === 'landed') expectedCount.set(r.stream, (expectedCount.get(r.stream) ?? 0) + r.ids.length);
  for (const stream of streams) {
    const n = inStreams.get(stream)!.length;
    if (n !== (expectedCount.get(stream) ?? 0)) problem(`${stream}: ${n} events, expected ${expectedCount.get(stream) ?? 0}`);
    known.set(stream, n === 0 ? NO_STREAM : BigInt(n - 1));
  }

  t.same(problems, [], `${label}: the restarted store serves exactly what was acknowledged (${inAll.size} events)`);
  return { events: inAll.size, landed, lost };
}
function readCheckpointHeader(dataDir: string): { coveredOffset: number; count: number } | undefined {
  const file = path.join(dataDir, 'index.chk');
  if (!fs.existsSync(file)) return undefined;
  const buf = fs.readFileSync(file);
  if (buf.length < 24) return undefined;
  return { coveredOffset: buf.readDoubleLE(12), count: buf.readUInt32LE(20) };
}

// ---- the test ---------------------------------------------------------------------------------

t.test('SIGKILL under 64 concurrent appenders loses nothing acknowledged and tears nothing', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esdb-crash-'));
  let child: StoreChild | undefined;
  let client: EventStoreDBClient | undefined;
  t.teardown(async () => {
    if (client) await client.dispose().catch(() => undefined);
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  t.comment(`seed ${seed} (CRASH_SEED=${seed} replays the appenders' choices)`);

  const started = Date.now();
  let restartsFromCheckpoint = 0;
  let restartsFullReplay = 0;
  let tailsDropped = 0;
  let landed = 0;
  let lost = 0;
  let acknowledgedEvents = 0;

  const restart = async (round: number, kind: 'cli' | 'checkpointing'): Promise<void> => {
    const checkpoint = readCheckpointHeader(dataDir);
    const logSize = fs.existsSync(path.join(dataDir, 'events.log')) ? fs.statSync(path.join(dataDir, 'events.log')).size : 0;
    const t0 = Date.now();
    child = await startStore(dataDir, kind);
    client = EventStoreDBClient.connectionString(child.connectionString);
    if (round === 1) return;
    if (checkpoint && checkpoint.coveredOffset > 16) restartsFromCheckpoint++; else restartsFullReplay++;
    const report = /dropped a damaged tail of (\d+) bytes at offset (\d+) \(([^)]*)\)/.exec(child.stderr());
    if (report) tailsDropped++;
    const figures = await verify(t, client, `restart ${round - 1}`);
    landed += figures.landed;
    lost += figures.lost;
    t.comment(`restart ${round - 1} (${kind}) in ${Date.now() - t0} ms: log ${logSize} bytes, `
      + (checkpoint ? `index.chk covering ${checkpoint.count} events / ${checkpoint.coveredOffset} bytes` : 'no index.chk')
      + (report ? `, dropped a torn tail of ${report[1]} bytes (${report[3]})` : ', no torn tail')
      + `; ${figures.events} events readable; in flight at the kill: ${figures.landed} landed whole, ${figures.lost} absent`);
  };

  for (let round = 1; round <= ROUNDS; round++) {
    const kind = round % 2 === 1 ? 'cli' : 'checkpointing';
    await restart(round, kind);
    const load: Load = { stop: false, killed: false };
    const before = ledger.length;
    const appenders = Array.from({ length: APPENDERS }, (_, a) => appender(client!, a, round, load));
    // A random moment, but never before the round did real work: on a loaded machine 0.5-1.5 s
    // may acknowledge almost nothing (at most 20 s more are given).
    const loadStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500 + random(round).int(1000)));
    const ackedThisRound = () => ledger.slice(before).reduce((n, r) => n + (r.outcome === 'acked' ? r.ids.length : 0), 0);
    while (ackedThisRound() < MIN_EVENTS_PER_ROUND && Date.now() - loadStarted < 20_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const duration = Date.now() - loadStarted;
    load.stop = true;
    load.killed = true;
    child!.proc.kill('SIGKILL');
    const { signal } = await child!.exited;
    t.equal(signal, 'SIGKILL', `round ${round}: the store was killed with SIGKILL`);
    await Promise.all(appenders);
    await client!.dispose();
    client = undefined;
    const records = ledger.slice(before);
    const acked = records.filter((r) => r.outcome === 'acked');
    const events = acked.reduce((n, r) => n + r.ids.length, 0);
    acknowledgedEvents += events;
    t.comment(`round ${round} (${kind}): killed after ${duration} ms of load; ${acked.length} appends (${events} events) acknowledged, `
      + `${records.filter((r) => r.outcome === 'rejected').length} rejected (wrong expected version), `
      + `${records.filter((r) => r.outcome === 'unknown').length} in flight at the kill`);
  }

  // The last restart: verify, then new appends still work, and a clean stop.
  await restart(ROUNDS + 1, 'cli');
  const fresh = `${PREFIX}after-the-last-crash`;
  const appended = await client!.appendToStream(fresh, jsonEvent({ type: 'AfterCrash', data: { ok: true } }), { expectedRevision: NO_STREAM });
  t.equal(appended.nextExpectedRevision, 0n, 'a new append after the last restart succeeds');
  const sharedStream = `${PREFIX}shared-0`;
  const sharedNext = known.get(sharedStream) ?? NO_STREAM;
  const appendedShared = await client!.appendToStream(sharedStream, jsonEvent({ type: 'AfterCrash', data: { ok: true } }), { expectedRevision: sharedNext });
  t.equal(appendedShared.nextExpectedRevision, sharedNext === NO_STREAM ? 0n : sharedNext + 1n, 'appends continue a shared stream at the recovered revision');
  const readBack = [];
  for await (const r of client!.readStream(fresh)) readBack.push(r.event!.type);
  t.same(readBack, ['AfterCrash'], 'and are readable');
  await client!.dispose();
  client = undefined;
  child!.proc.kill('SIGTERM');
  t.equal((await child!.exited).code, 0, 'the store stops cleanly on SIGTERM');

  t.same(unexpectedErrors, [], 'no append failed while the store was up, except with WrongExpectedVersion');
  t.ok(restartsFullReplay >= 1, 'at least one restart replayed the whole log (no index checkpoint)');
  t.ok(restartsFromCheckpoint >= 1, 'at least one restart loaded an index checkpoint and replayed only the tail');
  t.ok(acknowledgedEvents > 1000, `the load acknowledged a meaningful number of events (${acknowledgedEvents})`);
  t.comment(`${ROUNDS} SIGKILL rounds, ${APPENDERS} appenders: ${acknowledgedEvents} events acknowledged `
    + `(${ledger.filter((r) => r.outcome === 'acked').length} appends), ${ledger.filter((r) => r.outcome === 'rejected').length} rejected; `
    + `in flight at a kill: ${landed} landed whole, ${lost} absent, none half-visible; `
    + `torn tails dropped at ${tailsDropped} restart(s); restarts: ${restartsFullReplay} full replay, ${restartsFromCheckpoint} from a checkpoint; `
    + `${((Date.now() - started) / 1000).toFixed(1)} s`);
});
