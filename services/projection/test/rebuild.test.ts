/**
 * The rebuild on its worker thread against the single-thread rebuild and incremental handling:
 * the same rows (digest) over enough claims that history rows are written many per statement;
 * a rebuild that fails in the worker leaves the old rows and a usable read model.
 */
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GENESIS_HASH, appendEncoded, type CommandMetadata, type EncodedEvent } from '@cfund/eventstore';
import type { StoredEvent } from '@cfund/messaging';
import { ProjectionRunner, Projector, ReadModelStore, buildPathOf } from '../src/index.ts';
import { allocateBudget, disburse, get, readAllEnvelopes, rsYear, scheduledClaim, startHarness, startProjection, tokens } from './helpers.ts';

/** Claims whose current search text the search index does not find (by their own rowid), and the index's row count. */
function searchIndexGaps(store: ReadModelStore): { missing: string[]; indexed: number } {
  const find = store.db.prepare('SELECT rowid FROM claim_search WHERE claim_search MATCH ?').pluck();
  const missing: string[] = [];
  for (const c of store.db.prepare('SELECT rowid, claim_id, search_text FROM claims').all() as { rowid: number; claim_id: string; search_text: string }[]) {
    const chars = [...c.search_text];
    const trigrams = new Set(chars.slice(2).map((_, i) => chars.slice(i, i + 3).join('')));
    const query = [...trigrams].map((g) => `"${g.replaceAll('"', '""')}"`).join(' AND ');
    if (!(find.all(query) as number[]).includes(c.rowid)) missing.push(c.claim_id);
  }
  return { missing, indexed: (store.db.prepare('SELECT count(*) AS n FROM claim_search').get() as { n: number }).n };
}

t.test('rebuild on a worker thread', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  await allocateBudget(h, tk, rsYear(h.clock.now));
  const template = await scheduledClaim(h, tk, 90_000_000, 2);
  await disburse(h, template, tk, 1);

  // 40 more claims: prefixes (4 to all events) of the template's stream, under new ids.
  const events: (EncodedEvent & { metadata: CommandMetadata })[] = [];
  for await (const r of h.env.eventStore.readStream(`claim-${template}`)) {
    const { hash: _h, prevHash: _p, ...meta } = r.event!.metadata as Record<string, unknown>;
    events.push({ type: r.event!.type, data: r.event!.data as EncodedEvent['data'], metadata: meta as unknown as CommandMetadata });
  }
  for (let i = 0; i < 40; i += 1) {
    const id = crypto.randomUUID();
    const batch = events.slice(0, Math.min(events.length, 4 + (i % 8)))
      .map((e) => ({ ...e, data: JSON.parse(JSON.stringify(e.data).replaceAll(template, id)) as EncodedEvent['data'] }));
    await appendEncoded(h.env.eventStore, `claim-${id}`, batch, { expectedRevision: 'no_stream', prevHash: GENESIS_HASH, metadata: {}, signer: h.chainSigner });
  }
  const handled = await h.catchUp();
  const incremental = h.store.digest();
  const historyRows = (h.store.db.prepare('SELECT count(*) AS n FROM claim_history').get() as { n: number }).n;
  t.ok(historyRows > 200, `${historyRows} history rows (several multi-row inserts); handled ${JSON.stringify(handled)}`);

  await t.test('the worker, the single thread and incremental handling give the same rows', async (t) => {
    const inWorker = await new ProjectionRunner(h.store, h.env.eventStore).rebuild();
    t.equal(inWorker.digest, incremental, 'worker rebuild == incremental');
    t.equal(h.store.digest(), incremental, 'and the main connection reads the committed rows');
    t.notOk(existsSync(buildPathOf(h.store.path)), 'the built file was renamed into place');
    const claims = (h.store.db.prepare('SELECT count(*) AS n FROM claims').get() as { n: number }).n;
    t.same(searchIndexGaps(h.store), { missing: [], indexed: claims }, 'the search index holds every claim\'s current text, once');
    t.ok(inWorker.applied >= historyRows, `applied ${inWorker.applied}`);
    const single = new ReadModelStore(join(h.dataDir, 'single.sqlite'));
    t.teardown(() => single.close());
    const inThread = await new ProjectionRunner(single, h.env.eventStore, undefined, {}, false).rebuild();
    t.equal(inThread.digest, incremental, 'single-thread rebuild == incremental');
    t.equal(inThread.applied, inWorker.applied);
  });

  await t.test('claims written out of a long batch and read back later give the same rows', async (t) => {
    // Streams interleaved (round robin, each stream in order): most claims get events after they were written out.
    const byStream = new Map<string, StoredEvent[]>();
    for (const e of await readAllEnvelopes(h.env.eventStore)) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    const interleaved: StoredEvent[] = [];
    for (let i = 0; interleaved.length < [...byStream.values()].reduce((n, l) => n + l.length, 0); i += 1) {
      for (const list of byStream.values()) if (list[i]) interleaved.push(list[i]!);
    }
    const store = new ReadModelStore(':memory:');
    t.teardown(() => store.close());
    const projector = new Projector(store, { heldClaims: 4 });
    store.db.exec('BEGIN');
    projector.beginBatch();
    for (const e of interleaved.slice(0, interleaved.length / 2)) projector.apply(e);
    const early = (store.db.prepare('SELECT count(*) AS n FROM claims').get() as { n: number }).n;
    t.ok(early >= 30, `${early} claims already written half way through (at most 4 held)`);
    for (const e of interleaved.slice(interleaved.length / 2)) projector.apply(e);
    projector.endBatch();
    store.db.exec('COMMIT');
    t.equal(store.digest(), incremental, 'the same rows as incremental handling');
    const claims = (store.db.prepare('SELECT count(*) AS n FROM claims').get() as { n: number }).n;
    t.same(searchIndexGaps(store), { missing: [], indexed: claims }, 'claims written again replaced their search text');

    // The same into a new file, as a rebuild's worker writes it: claims written out and written
    // again, their search text indexed only when the build completes.
    const path = join(h.dataDir, 'interleaved.sqlite');
    const build = new ReadModelStore(path, { build: true });
    const builder = new Projector(build, { heldClaims: 4 });
    build.db.exec('BEGIN');
    builder.beginBatch();
    for (const e of interleaved) builder.apply(e);
    builder.endBatch();
    t.equal((build.db.prepare('SELECT count(*) AS n FROM claim_search').get() as { n: number }).n, 0, 'nothing indexed while the file fills');
    build.completeBuild();
    const built = new ReadModelStore(path);
    t.teardown(() => built.close());
    t.equal(built.digest(), incremental, 'the built file: the same rows as incremental handling');
    t.same(searchIndexGaps(built), { missing: [], indexed: claims }, 'the built file\'s search index holds every claim\'s last text, once');
  });

  await t.test('the new file is not swapped in while another connection holds the old one', async (t) => {
    const other = new Database(h.store.path);
    t.teardown(() => other.close());
    other.prepare('SELECT count(*) FROM claims').get();
    const before = h.store.digest();
    const runner = new ProjectionRunner(h.store, h.env.eventStore);
    await t.rejects(runner.rebuild(), /open in another connection/, 'refused');
    t.equal(h.store.digest(), before, 'the served rows stay');
    t.notOk(existsSync(buildPathOf(h.store.path)), 'no built file is left behind');
    other.close();
    t.equal((await runner.rebuild()).digest, before, 'once it is closed, the rebuild swaps in');
  });

  await t.test('queries go on from the served file during a rebuild into a new one; a read model in memory answers 503', async (t) => {
    const auditor = tk.auditor;
    const claims = (h.store.db.prepare('SELECT count(*) AS n FROM claims').get() as { n: number }).n;
    const app = await startProjection(h);
    t.teardown(() => app.close());
    const rebuilding = app.runner.rebuild();
    const during = await get(app, '/claims?limit=5', auditor);
    const readyDuring = await get(app, '/ready');
    t.ok(app.runner.isRebuilding, 'the rebuild was still running when both answered');
    t.equal(during.statusCode, 200, 'the list answers from the served file');
    t.equal(during.json<{ total: number }>().total, claims, 'with every claim');
    t.equal(readyDuring.statusCode, 200, 'and the service stays ready');
    t.equal((await rebuilding).digest, incremental);
    t.equal((await get(app, '/claims?limit=5', auditor)).json<{ total: number }>().total, claims, 'and from the new file after the swap');

    const memory = new ReadModelStore(':memory:');
    const inPlace = await startProjection(h, { store: memory });
    t.teardown(async () => { await inPlace.close(); memory.close(); });
    await inPlace.runner.rebuild();
    const rebuildingInPlace = inPlace.runner.rebuild();
    const refused = await get(inPlace, '/claims?limit=5', auditor);
    t.equal(refused.statusCode, 503, 'rows rewritten in place are not served');
    t.equal(refused.json<{ code: string }>().code, 'rebuilding');
    t.equal(refused.headers['retry-after'], '5');
    t.equal((await get(inPlace, '/ready')).statusCode, 503, 'nor is the service ready');
    await rebuildingInPlace;
    t.equal((await get(inPlace, '/claims?limit=5', auditor)).statusCode, 200, 'until the rebuild ends');
  });

  await t.test('a failure in the worker leaves the old rows and a working store', async (t) => {
    const id = crypto.randomUUID();
    // A claim event that fails validation (the projector throws while applying it in the worker).
    await appendEncoded(h.env.eventStore, `claim-${id}`, [{ type: 'ClaimFiled', data: { claimId: id, nonsense: true } }],
      { expectedRevision: 'no_stream', prevHash: GENESIS_HASH, metadata: {}, signer: h.chainSigner });
    const runner = new ProjectionRunner(h.store, h.env.eventStore);
    await t.rejects(runner.rebuild(), /rebuild worker/, 'the rebuild fails');
    t.equal(h.store.digest(), incremental, 'the old rows stay');
    t.notOk(h.store.db.inTransaction);
    const ok = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${template}`).at(-1)!;
    t.equal(await runner.handle(ok), 'duplicate', 'the runner still handles events afterwards');
    h.store.db.prepare('INSERT INTO applied (stream_id, revision) VALUES (?, ?)').run('fund-probe', 0);
    t.pass('the file is writable again');
    t.notOk(existsSync(buildPathOf(h.store.path)), 'the half-built file is gone');
    h.store.db.prepare('DELETE FROM applied WHERE stream_id = ?').run('fund-probe');
  });

  await t.test('a half-built file left by a crash is removed when the read model opens', async (t) => {
    const path = join(h.dataDir, 'crashed.sqlite');
    writeFileSync(buildPathOf(path), 'half a rebuild');
    const store = new ReadModelStore(path);
    t.teardown(() => store.close());
    t.notOk(existsSync(buildPathOf(path)));
  });
});
