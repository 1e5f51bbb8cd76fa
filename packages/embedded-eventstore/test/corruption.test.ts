/**
 * Corruption test: damage the files of a cleanly closed store and restart it in-process.
 *
 *  (a) `events.log` cut inside its last commit, and (b) bytes flipped inside its last commit:
 *      the store starts, drops exactly that commit, reports it (the `recovery` field and a line
 *      through the `log` option), serves everything before it, and appends continue and survive
 *      another restart.
 *  (c) a damaged commit followed by valid commits: the store refuses to start with a clear
 *      error and leaves the log as it was (dropping acknowledged events silently is not an option).
 *  (d) a missing, damaged, stale or foreign `index.chk`: the store rebuilds (or extends) its
 *      index from the log and serves the same data.
 *  (e) with `checkpointEvery: 10`, a restart loads the periodic checkpoint, replays only the
 *      tail, and serves the same data, stream metadata and tombstones included.
 *
 * Each damage of (a) and (b) is applied with three index checkpoints: none (start-up replays the whole log),
 * an older one covering the log up to before the last few commits (start-up loads it and
 * replays the tail), and the one the clean close wrote, covering the whole log.
 */
import t, { type Test } from 'tap';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  binaryEvent,
  jsonEvent,
  type EventData,
} from '@eventstore/db-client';
import { startEmbeddedEventStore, type EmbeddedEventStore } from '@cfund/embedded-eventstore';

const LOG = 'events.log';
const CHK = 'index.chk';
const FILE_HEADER = 16;

// ---- helpers ----------------------------------------------------------------------------------

const tmpDirs: string[] = [];
t.teardown(() => { for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true }); });
function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `esdb-corruption-${label}-`));
  tmpDirs.push(d);
  return d;
}

interface Running {
  server: EmbeddedEventStore;
  client: EventStoreDBClient;
  lines: string[];
  stop(): Promise<void>;
}

async function start(dataDir: string, options: { checkpointEvery?: number } = {}): Promise<Running> {
  const lines: string[] = [];
  const server = await startEmbeddedEventStore({
    dataDir, port: 0, statsIntervalMs: 3_600_000, log: (line) => lines.push(line), insecure: true, ...options,
  });
  const client = EventStoreDBClient.connectionString(server.connectionString);
  return {
    server, client, lines,
    async stop() {
      await client.dispose();
      await server.close();
    },
  };
}

/** Starts, hands the running store to `f`, and stops it even if `f` throws. */
async function withStore<T>(dataDir: string, f: (r: Running) => Promise<T>, options: { checkpointEvery?: number } = {}): Promise<T> {
  const r = await start(dataDir, options);
  try {
    return await f(r);
  } finally {
    await r.stop();
  }
}

/** One commit of the log, parsed independently of src/ from the documented format. */
interface Commit {
  offset: number;
  /** Whole commit, its 8-byte header included. */
  length: number;
  stream: string;
  events: number;
}

function commitsOf(dataDir: string): Commit[] {
  const buf = fs.readFileSync(path.join(dataDir, LOG));
  const out: Commit[] = [];
  let o = FILE_HEADER;
  while (o < buf.length) {
    const bodyLength = buf.readUInt32LE(o);
    if (o + 8 + bodyLength > buf.length) throw new Error(`log ends inside a commit at ${o}`);
    // body: u8 kind | u32 eventCount | event: u32 length | u64 revision | u8 flags | u16 streamLength | stream ...
    const events = buf.readUInt32LE(o + 9);
    const e = o + 13;
    const streamLength = buf.readUInt16LE(e + 13);
    out.push({ offset: o, length: 8 + bodyLength, stream: buf.toString('utf8', e + 15, e + 15 + streamLength), events });
    o += 8 + bodyLength;
  }
  return out;
}

/** The store's own system streams ($stats-<host>:<port> and its metadata) change with the port. */
const isStats = (stream: string): boolean => /^(\$\$)?\$stats-/.test(stream);

/**
 * What a client sees: every event of `$all` but the stats ones (stream, revision, id, type,
 * position, data digest), then every test stream read on its own (or the error it gives).
 */
interface Snapshot {
  all: string[];
  streams: Record<string, string[] | string>;
}

async function snapshot(client: EventStoreDBClient, streams: string[]): Promise<Snapshot> {
  const all: string[] = [];
  for await (const r of client.readAll({ fromPosition: START, direction: FORWARDS })) {
    const e = r.event!;
    if (isStats(e.streamId)) continue;
    all.push(describe(e.streamId, e.revision, e.id, e.type, e.position.commit, e.data));
  }
  const byStream: Record<string, string[] | string> = {};
  for (const s of streams) {
    try {
      const events: string[] = [];
      for await (const r of client.readStream(s)) {
        const e = r.event!;
        events.push(describe(e.streamId, e.revision, e.id, e.type, e.position?.commit, e.data));
      }
      byStream[s] = events;
    } catch (err) {
      byStream[s] = err instanceof StreamNotFoundError ? 'StreamNotFound' : err instanceof StreamDeletedError ? 'StreamDeleted' : `error: ${(err as Error).message}`;
    }
  }
  return { all, streams: byStream };
}

function describe(stream: string, revision: bigint, id: string, type: string, position: bigint | undefined, data: unknown): string {
  const bytes = data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(JSON.stringify(data));
  return `${stream}@${revision} ${id} ${type} @${position} ${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 12)}`;
}

const event = (type: string, n: number): EventData => jsonEvent({ type, data: { n, text: `event ${n} of type ${type}` } });
const events = (type: string, count: number): EventData[] => Array.from({ length: count }, (_, i) => event(type, i));

/** The header of index.chk, format version 2: magic(8) u32 version, f64 coveredOffset, f64 lastCommit, u32 count. */
const checkpointHeader = (file: string): { coveredOffset: number; count: number } => {
  const buf = fs.readFileSync(file);
  if (buf.readUInt32LE(8) !== 2) throw new Error(`unexpected index.chk version ${buf.readUInt32LE(8)}`);
  return { coveredOffset: buf.readDoubleLE(12), count: buf.readUInt32LE(28) };
};

// ---- the template data directory --------------------------------------------------------------

const STREAMS = ['order-1', 'order-2', 'order-3', 'order-4', 'order-last'];

interface Template {
  dir: string;
  /** The index checkpoint of the first clean close, covering only the first phase. */
  olderChk: Buffer;
  /** What clients see of the whole log, and without its last commit. */
  full: Snapshot;
  withoutLast: Snapshot;
  commits: Commit[];
}

/**
 * Phase 1: streams order-1 (three single appends), order-2 (one 4-event append), order-3 (two
 * 2-event appends); clean close (its index.chk is kept as the "older" checkpoint). Phase 2:
 * order-4 (one event), then order-last (one 3-event append): the last commit of the log.
 */
async function makeTemplate(): Promise<Template> {
  const dir = tempDir('template');
  await withStore(dir, async ({ client }) => {
    for (let i = 0; i < 3; i++) await client.appendToStream('order-1', event('Placed', i), { expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1) });
    await client.appendToStream('order-2', events('Placed', 4), { expectedRevision: NO_STREAM });
    await client.appendToStream('order-3', events('Placed', 2));
    await client.appendToStream('order-3', [event('Shipped', 0), binaryEvent({ type: 'Blob', data: crypto.randomBytes(3000) })]);
  });
  const olderChk = fs.readFileSync(path.join(dir, CHK));
  const full = await withStore(dir, async ({ client }) => {
    await client.appendToStream('order-4', event('Placed', 0));
    await client.appendToStream('order-last', events('Placed', 3), { expectedRevision: NO_STREAM });
    return snapshot(client, STREAMS);
  });
  const commits = commitsOf(dir);
  const last = commits[commits.length - 1]!;
  if (last.stream !== 'order-last' || last.events !== 3) throw new Error(`unexpected last commit ${JSON.stringify(last)}`);
  const lastIds = new Set(full.all.filter((l) => l.startsWith('order-last@')));
  const withoutLast = {
    all: full.all.filter((l) => !lastIds.has(l)),
    streams: { ...full.streams, 'order-last': 'StreamNotFound' },
  };
  return { dir, olderChk, full, withoutLast, commits };
}

type ChkMode = 'no index.chk' | 'older index.chk' | 'index.chk of the clean close';
const CHK_MODES: ChkMode[] = ['no index.chk', 'older index.chk', 'index.chk of the clean close'];

/** A copy of the template with the chosen index checkpoint. */
function copyOf(template: Template, label: string, chk: ChkMode): string {
  const dir = tempDir(label);
  fs.cpSync(template.dir, dir, { recursive: true });
  if (chk === 'no index.chk') fs.rmSync(path.join(dir, CHK));
  if (chk === 'older index.chk') fs.writeFileSync(path.join(dir, CHK), template.olderChk);
  return dir;
}

function patchLog(dir: string, f: (buf: Buffer) => Buffer): void {
  const file = path.join(dir, LOG);
  fs.writeFileSync(file, f(fs.readFileSync(file)));
}

/** Flips every bit of one byte. */
function flip(buf: Buffer, at: number): Buffer {
  buf[at] = buf[at]! ^ 0xff;
  return buf;
}

/**
 * The expectations for a damaged last commit: the store starts, drops exactly that commit,
 * reports it, serves everything before it, and appends continue and survive a restart.
 */
async function expectTailDropped(t: Test, template: Template, dir: string, reason: RegExp): Promise<void> {
  const last = template.commits[template.commits.length - 1]!;
  const damagedSize = fs.statSync(path.join(dir, LOG)).size;
  const newEvents = events('Reopened', 2);
  await withStore(dir, async ({ server, client, lines }) => {
    t.equal(server.recovery.truncatedAt, last.offset, 'the recovery report names the offset of the last commit');
    t.equal(server.recovery.truncatedBytes, damagedSize - last.offset, 'and drops exactly the bytes from there to the end');
    t.match(server.recovery.reason ?? '', reason, `for the right reason (${server.recovery.reason})`);
    const reported = lines.filter((l) => /dropped a damaged tail/.test(l));
    t.equal(reported.length, 1, 'one line reports it through the log option');
    t.match(reported[0] ?? '', new RegExp(`tail of ${damagedSize - last.offset} bytes at offset ${last.offset}\\b`), `with its size and offset: ${reported[0]}`);
    t.same(await snapshot(client, STREAMS), template.withoutLast, 'everything before the damaged commit is served unchanged');
    const appended = await client.appendToStream('order-last', newEvents, { expectedRevision: NO_STREAM });
    t.equal(appended.nextExpectedRevision, 1n, 'appends continue where the dropped commit was');
    await client.appendToStream('order-1', event('Closed', 0), { expectedRevision: 2n });
  });
  await withStore(dir, async ({ server, client, lines }) => {
    t.same(server.recovery, { truncatedBytes: 0 }, 'the next restart finds nothing to repair');
    t.same(lines.filter((l) => /dropped/.test(l)), [], 'and reports nothing');
    const after = await snapshot(client, STREAMS);
    t.same(after.all.slice(0, template.withoutLast.all.length), template.withoutLast.all, 'the old events are still there');
    t.same(after.all.slice(template.withoutLast.all.length).map((l) => l.split(' ').slice(0, 3).join(' ')), [
      `order-last@0 ${newEvents[0]!.id} Reopened`,
      `order-last@1 ${newEvents[1]!.id} Reopened`,
      `order-1@3 ${(after.streams['order-1'] as string[])[3]?.split(' ')[1]} Closed`,
    ], 'followed by the appends made after the repair');
    t.equal((after.streams['order-last'] as string[]).length, 2, 'the stream of the dropped commit holds only the new events');
  });
}

// ---- the tests --------------------------------------------------------------------------------

let template: Template;
t.before(async () => { template = await makeTemplate(); });

t.test('the template log is what the tests assume', async (t) => {
  const streams = template.commits.map((c) => c.stream).filter((s) => !isStats(s));
  t.same(streams, ['order-1', 'order-1', 'order-1', 'order-2', 'order-3', 'order-3', 'order-4', 'order-last'], 'one commit per append, in order');
  const lastOfPhase1 = template.commits.findLastIndex((c) => c.stream === 'order-3');
  const older = checkpointHeader(path.join(copyOf(template, 'older', 'older index.chk'), CHK));
  t.equal(older.coveredOffset, template.commits[lastOfPhase1 + 1]!.offset, 'the older index.chk covers the first phase exactly');
  const whole = checkpointHeader(path.join(template.dir, CHK));
  t.equal(whole.coveredOffset, fs.statSync(path.join(template.dir, LOG)).size, 'the clean close wrote an index.chk covering the whole log');
});

t.test('(a) events.log cut inside its last commit', async (t) => {
  const last = template.commits[template.commits.length - 1]!;
  const cuts: [string, number, RegExp][] = [
    ['1 byte of its header', 1, /truncated commit header/],
    ['7 bytes of its header', 7, /truncated commit header/],
    ['its header only', 8, /truncated commit body/],
    ['half of it', Math.floor(last.length / 2), /truncated commit body/],
    ['all but its last byte', last.length - 1, /truncated commit body/],
  ];
  for (const chk of CHK_MODES) {
    for (const [label, keep, reason] of cuts) {
      await t.test(`keeping ${label}, ${chk}`, async (t) => {
        const dir = copyOf(template, 'cut', chk);
        fs.truncateSync(path.join(dir, LOG), last.offset + keep);
        await expectTailDropped(t, template, dir, reason);
      });
    }
  }
});

t.test('(b) bytes flipped inside the last commit', async (t) => {
  const last = template.commits[template.commits.length - 1]!;
  const flips: [string, number][] = [
    ['a byte of its first event', last.offset + 8 + 5 + 20],
    ['a byte in the middle', last.offset + Math.floor(last.length / 2)],
    ['its last byte', last.offset + last.length - 1],
    ['its checksum', last.offset + 4],
    ['its commit kind', last.offset + 8],
    ['its length (low byte)', last.offset],
  ];
  for (const chk of CHK_MODES) {
    for (const [label, at] of flips) {
      await t.test(`flipping ${label}, ${chk}`, async (t) => {
        const dir = copyOf(template, 'flip', chk);
        patchLog(dir, (buf) => flip(buf, at));
        await expectTailDropped(t, template, dir, /checksum mismatch|truncated commit body|impossible commit length/);
      });
    }
  }
});

/** Starting must fail with a clear error, leave the log untouched, and fail the same way again. */
async function expectRefusal(t: Test, dir: string, offset: number): Promise<void> {
  const before = fs.readFileSync(path.join(dir, LOG));
  for (const attempt of ['first', 'second']) {
    const lines: string[] = [];
    let server: EmbeddedEventStore | undefined;
    try {
      server = await startEmbeddedEventStore({ dataDir: dir, port: 0, statsIntervalMs: 3_600_000, log: (l) => lines.push(l) });
    } catch (err) {
      t.match((err as Error).message, new RegExp(`corrupt at offset ${offset}\\b.*refusing to start`), `the ${attempt} start is refused: ${(err as Error).message}`);
    }
    if (server) {
      t.fail(`the ${attempt} start succeeded (recovery ${JSON.stringify(server.recovery)}; log: ${lines.join(' | ')})`);
      await server.close();
      break;
    }
  }
  t.ok(fs.readFileSync(path.join(dir, LOG)).equals(before), 'the log is left exactly as it was');
}

// Start-up does not re-read the commits an index checkpoint covers (that is its purpose), so a
// damaged commit in the middle is looked for only where start-up scans: with no index.chk, or in
// the tail after an older one. The damaged length fields matter most: a scan that trusts them to
// find the next commit takes the rest of the log for a torn tail.
t.test('(c) a damaged commit followed by valid commits: the store refuses to start', async (t) => {
  const order4 = template.commits.find((c) => c.stream === 'order-4')!;
  const order2 = template.commits.find((c) => c.stream === 'order-2')!;
  const cases: [string, Commit, number, ChkMode[]][] = [
    ['a byte of the body of order-4 (the commit before the last)', order4, order4.offset + 8 + 5 + 20, ['no index.chk', 'older index.chk']],
    ['the checksum of order-4', order4, order4.offset + 4, ['no index.chk', 'older index.chk']],
    ['the last byte of order-4', order4, order4.offset + order4.length - 1, ['no index.chk', 'older index.chk']],
    ['a byte of the body of order-2 (early in the log)', order2, order2.offset + 8 + 5 + 20, ['no index.chk']],
    ['the low byte of the length of order-4', order4, order4.offset, ['no index.chk', 'older index.chk']],
    ['the high byte of the length of order-2', order2, order2.offset + 3, ['no index.chk']],
  ];
  for (const [label, commit, at, modes] of cases) {
    for (const chk of modes) {
      await t.test(`flipping ${label}, ${chk}`, async (t) => {
        const dir = copyOf(template, 'middle', chk);
        patchLog(dir, (buf) => flip(buf, at));
        await expectRefusal(t, dir, commit.offset);
      });
    }
  }
});

t.test('(d) a missing, damaged, stale or foreign index.chk: the store rebuilds its index from the log', async (t) => {
  const logSize = fs.statSync(path.join(template.dir, LOG)).size;
  const wholeChk = fs.readFileSync(path.join(template.dir, CHK));
  const phase1End = checkpointHeader(path.join(copyOf(template, 'probe', 'older index.chk'), CHK)).coveredOffset;
  const phase2Streams = new Set(['order-4', 'order-last']);
  const phase1: Snapshot = {
    all: template.full.all.filter((l) => !phase2Streams.has(l.split('@')[0]!)),
    streams: { ...template.full.streams, 'order-4': 'StreamNotFound', 'order-last': 'StreamNotFound' },
  };

  // A checkpoint of another store, covering less than this log, at an offset inside one of its commits.
  const foreignDir = tempDir('foreign');
  await withStore(foreignDir, async ({ client }) => {
    await client.appendToStream('elsewhere', binaryEvent({ type: 'Other', data: crypto.randomBytes(1000) }));
  });
  const foreignChk = fs.readFileSync(path.join(foreignDir, CHK));
  const foreignCovered = checkpointHeader(path.join(foreignDir, CHK)).coveredOffset;
  const boundaries = new Set([...template.commits.map((c) => c.offset), logSize]);
  t.ok(foreignCovered < logSize && !boundaries.has(foreignCovered), `the foreign checkpoint ends at ${foreignCovered}, inside a commit of this ${logSize}-byte log`);

  const cases: [string, (dir: string) => void, Snapshot?][] = [
    ['deleted', (dir) => fs.rmSync(path.join(dir, CHK))],
    ['one byte flipped', (dir) => fs.writeFileSync(path.join(dir, CHK), flip(Buffer.from(wholeChk), Math.floor(wholeChk.length / 2)))],
    ['cut in half', (dir) => fs.writeFileSync(path.join(dir, CHK), wholeChk.subarray(0, Math.floor(wholeChk.length / 2)))],
    ['empty', (dir) => fs.writeFileSync(path.join(dir, CHK), Buffer.alloc(0))],
    ['random bytes', (dir) => fs.writeFileSync(path.join(dir, CHK), crypto.randomBytes(wholeChk.length))],
    ['stale (covering only the first part of the log)', (dir) => fs.writeFileSync(path.join(dir, CHK), template.olderChk)],
    ['left with a half-written index.chk.tmp', (dir) => fs.writeFileSync(path.join(dir, `${CHK}.tmp`), wholeChk.subarray(0, 40))],
    ['covering more than the log (the log is older than the checkpoint)', (dir) => fs.truncateSync(path.join(dir, LOG), phase1End), phase1],
    ['from another store, ending inside a commit of this log', (dir) => fs.writeFileSync(path.join(dir, CHK), foreignChk)],
  ];
  for (const [label, damage, expected] of cases) {
    await t.test(`index.chk ${label}`, async (t) => {
      const dir = copyOf(template, 'chk', 'index.chk of the clean close');
      damage(dir);
      const logBefore = fs.readFileSync(path.join(dir, LOG));
      await withStore(dir, async ({ server, client, lines }) => {
        t.same(server.recovery, { truncatedBytes: 0 }, 'nothing is dropped from the log');
        t.same(lines, [], 'nothing is reported');
        t.same(await snapshot(client, STREAMS), expected ?? template.full, 'the same data is served');
        await client.appendToStream('order-1', event('Closed', 0), { expectedRevision: 2n });
      });
      const logAfter = fs.readFileSync(path.join(dir, LOG));
      t.ok(logAfter.subarray(0, logBefore.length).equals(logBefore), 'the log before the restart is intact, byte for byte');
      t.same(checkpointHeader(path.join(dir, CHK)).coveredOffset, logAfter.length, 'the clean close wrote a fresh index.chk');
      await withStore(dir, async ({ client }) => {
        const again = await snapshot(client, STREAMS);
        t.same(again.all.slice(0, -1), (expected ?? template.full).all, 'and the next restart, from that index.chk, serves the same');
        t.match(again.all[again.all.length - 1], /^order-1@3 \S+ Closed /, 'with the append made in between');
      });
    });
  }
});

/** Counts the bytes read through fs.readSync while `f` runs (the store reads its log that way). */
async function countingReads<T>(f: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const original = fs.readSync;
  let bytes = 0;
  fs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
    const n = (original as (...a: Parameters<typeof fs.readSync>) => number)(...args);
    bytes += n;
    return n;
  }) as typeof fs.readSync;
  try {
    return { result: await f(), bytes };
  } finally {
    fs.readSync = original;
  }
}

t.test('(e) with checkpointEvery: 10, a restart loads the periodic checkpoint and serves the same data', async (t) => {
  const dir = tempDir('periodic');
  const streams = ['big', 'limited', 'gone', 'tail', 'limited-later', 'gone-later'];
  let periodicChk: Buffer | undefined;
  const metadataOf = async (client: EventStoreDBClient): Promise<unknown[]> => Promise.all(
    ['limited', 'limited-later'].map(async (s) => (await client.getStreamMetadata(s)).metadata),
  );
  const before = await withStore(dir, async ({ client, server }) => {
    // Covered by the periodic checkpoint: large events (so that re-reading them would show),
    // a stream limited by $maxCount, and a tombstoned stream.
    for (let i = 0; i < 4; i++) {
      await client.appendToStream('big', Array.from({ length: 3 }, () => binaryEvent({ type: 'Big', data: crypto.randomBytes(16 * 1024) })));
    }
    await client.setStreamMetadata('limited', { maxCount: 2 });
    await client.appendToStream('limited', events('Limited', 5));
    await client.appendToStream('gone', events('Gone', 3));
    await client.tombstoneStream('gone');
    // More single events until a checkpoint has just been written: it covers every event so far.
    for (let i = 0; i < 6 || checkpointHeader(path.join(dir, CHK)).count !== server.store.all.count; i++) {
      await client.appendToStream('big', event('Small', i));
    }
    periodicChk = fs.readFileSync(path.join(dir, CHK));
    // The tail after it (8 events, fewer than 10, so no further checkpoint): the same kinds of state.
    await client.appendToStream('tail', events('Tail', 2));
    await client.setStreamMetadata('limited-later', { maxCount: 1 });
    await client.appendToStream('limited-later', events('LimitedLater', 3));
    await client.appendToStream('gone-later', event('GoneLater', 0));
    await client.tombstoneStream('gone-later');
    t.ok(fs.readFileSync(path.join(dir, CHK)).equals(periodicChk), 'no checkpoint was written in the tail');
    return { data: await snapshot(client, streams), metadata: await metadataOf(client) };
  }, { checkpointEvery: 10 });
  t.ok(periodicChk, 'a periodic checkpoint was written while appending');
  const logSize = fs.statSync(path.join(dir, LOG)).size;
  fs.writeFileSync(path.join(dir, 'periodic.chk'), periodicChk!);
  const periodic = checkpointHeader(path.join(dir, 'periodic.chk'));
  t.ok(periodic.count >= 25, `the periodic checkpoint covers ${periodic.count} events`);
  t.ok(periodic.coveredOffset < logSize, `and ${periodic.coveredOffset} of the ${logSize} bytes of the log: the rest is a tail to replay`);

  // The data as written: $maxCount and tombstones in force.
  t.equal((before.data.streams.limited as string[]).length, 2, '$maxCount 2 keeps 2 events of limited readable');
  t.equal((before.data.streams['limited-later'] as string[]).length, 1, '$maxCount 1 keeps 1 event of limited-later readable');
  t.equal(before.data.streams.gone, 'StreamDeleted', 'gone is tombstoned');
  t.equal(before.data.streams['gone-later'], 'StreamDeleted', 'gone-later is tombstoned');

  const variants: [string, () => void, (t: Test, bytes: number) => void][] = [
    ['the periodic checkpoint', () => fs.copyFileSync(path.join(dir, 'periodic.chk'), path.join(dir, CHK)), (t, bytes) => {
      t.ok(bytes < periodic.coveredOffset / 4, `start-up read ${bytes} bytes: the tail, not the ${periodic.coveredOffset} bytes the checkpoint covers`);
    }],
    ['the checkpoint of the clean close', () => undefined, (t, bytes) => {
      t.ok(bytes < periodic.coveredOffset / 4, `start-up read ${bytes} bytes, not the log`);
    }],
    ['no checkpoint', () => fs.rmSync(path.join(dir, CHK), { force: true }), (t, bytes) => {
      t.ok(bytes >= logSize - FILE_HEADER, `start-up read the whole log (${bytes} bytes)`);
    }],
  ];
  for (const [label, prepare, checkReads] of variants) {
    await t.test(`restarting from ${label}`, async (t) => {
      prepare();
      const { result: running, bytes } = await countingReads(() => start(dir, { checkpointEvery: 10 }));
      try {
        checkReads(t, bytes);
        t.same(running.server.recovery, { truncatedBytes: 0 }, 'nothing to repair');
        t.same(await snapshot(running.client, streams), before.data, 'the same events, $maxCount and tombstones as before the restart');
        t.same(await metadataOf(running.client), before.metadata, 'the same stream metadata');
        for (const s of ['gone', 'gone-later']) {
          const err: unknown = await running.client.appendToStream(s, event('Again', 0)).then(() => undefined, (e: unknown) => e);
          t.ok(err instanceof StreamDeletedError, `appending to ${s} is refused with StreamDeletedError`);
        }
      } finally {
        await running.stop();
      }
    });
  }
});
