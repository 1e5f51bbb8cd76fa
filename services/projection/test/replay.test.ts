/**
 * As-of replays keep each stream's prefix and read only what follows it: answers equal those of
 * a fresh replay of the whole stream, events appended later are seen, and the kept set is bounded.
 */
import t from 'tap';
import { ClaimReplayer, keptFold } from '../src/queries/replay.ts';
import { fileClaim, startHarness, step, tokens } from './helpers.ts';

t.test('as-of replay with kept stream prefixes', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const F = await fileClaim(h, tk.lawyer);
  const G = await fileClaim(h, tk.lawyer);
  const replayer = new ClaimReplayer(h.env.eventStore, 1);
  const fresh = () => new ClaimReplayer(h.env.eventStore);

  const filed = await replayer.replay(F, {});
  t.equal(filed.revision, 0);
  t.equal(filed.state.status, 'filed');
  await step(h, F, 'evidence', tk.lawyer, { documentId: 'DOC-1', kind: 'police-report', sha256: 'a'.repeat(64), title: 'Police report' });
  const now = await replayer.replay(F, { asOf: new Date(Date.now() + 60_000).toISOString() });
  t.equal(now.revision, 1, 'an event appended after the prefix was kept is read');
  t.same(now, await fresh().replay(F, { asOf: new Date(Date.now() + 60_000).toISOString() }), 'same answer as a fresh replay');
  t.same(await replayer.replay(F, { revision: 0 }), filed, 'an earlier revision from the kept prefix');
  t.same(await replayer.replay(F, { asOf: filed.at! }), await fresh().replay(F, { asOf: filed.at! }), 'as of the filing instant');
  const before = await replayer.replay(F, { asOf: new Date(Date.parse(filed.at!) - 1000).toISOString() });
  t.same([before.revision, before.at, before.state.status], [null, null, 'none'], 'before the claim existed');

  const bounded = fresh();
  t.same(await bounded.replay(F, { revision: 0 }), filed, 'a revision read only up to it');
  t.same(await bounded.replay(F, { asOf: new Date(Date.now() + 60_000).toISOString() }), now, 'then the rest of the stream after that prefix');

  // Only one claim kept: G's replay evicts F's prefix, and F is read again in full.
  t.equal((await replayer.replay(G, {})).revision, 0);
  t.same(await replayer.replay(F, {}), now, 'F after eviction');
  t.same(await replayer.replay(crypto.randomUUID(), {}), { revision: null, at: null, state: (await fresh().replay(crypto.randomUUID(), {})).state },
    'an unknown claim: no revision');
});

t.test('as-of replay from the projector\'s kept fold', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const F = await fileClaim(h, tk.lawyer);
  await step(h, F, 'evidence', tk.lawyer, { documentId: 'DOC-1', kind: 'police-report', sha256: 'a'.repeat(64), title: 'Police report' });
  await h.catchUp();
  const replayer = new ClaimReplayer(h.env.eventStore, undefined, (claimId) => keptFold(h.store, claimId));
  const fresh = () => new ClaimReplayer(h.env.eventStore);
  const later = new Date(Date.now() + 60_000).toISOString();
  const filedAt = (await fresh().replay(F, { revision: 0 })).at!;
  for (const until of [{}, { asOf: later }, { asOf: filedAt }, { asOf: new Date(Date.parse(filedAt) - 1000).toISOString() }, { revision: 0 }, { revision: 1 }, { revision: 5 }]) {
    t.same(await replayer.replay(F, until), await fresh().replay(F, until), `as a replay from the stream's start: ${JSON.stringify(until)}`);
  }

  await step(h, F, 'evidence', tk.lawyer, { documentId: 'DOC-2', kind: 'police-report', sha256: 'b'.repeat(64), title: 'Witness statement' });
  const now = await replayer.replay(F, { asOf: new Date(Date.now() + 60_000).toISOString() });
  t.equal(now.revision, 2, 'an event the read model has not applied yet is read from the event store');
  t.same(now, await fresh().replay(F, { asOf: new Date(Date.now() + 60_000).toISOString() }));

  // The kept fold is where the replay starts: what the read model keeps shows (and a fold of another shape is not used).
  await h.catchUp();
  const kept = JSON.parse((h.store.db.prepare('SELECT state FROM claim_folds WHERE claim_id = ?').get(F) as { state: string }).state) as Record<string, unknown>;
  h.store.db.prepare('UPDATE claim_folds SET state = ? WHERE claim_id = ?').run(JSON.stringify({ ...kept, publicReference: 'FROM-THE-FOLD' }), F);
  t.equal((await replayer.replay(F, { asOf: later })).state.publicReference, 'FROM-THE-FOLD', 'started from the kept fold');
  h.store.db.prepare('UPDATE claim_folds SET state = ? WHERE claim_id = ?').run(JSON.stringify({ ...kept, stateVersion: -1, publicReference: 'FROM-THE-FOLD' }), F);
  t.same(await replayer.replay(F, { asOf: later }), await fresh().replay(F, { asOf: later }), 'a fold of another shape: replayed from the start');
});
