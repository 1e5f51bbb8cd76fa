/**
 * The state as of a revision or an instant within what the read model applied is folded from the
 * events the projector applied (kept as stored in `claim_history`), without a read of the event
 * store, and it is the event store's answer: for random lifecycles, every revision and instant
 * answers as a replay of the stream read from the store does, after a rebuild too, and for a
 * claim whose kept fold is in another shape of the decider's state. A row without its data (a
 * file from before it was kept) is answered from the store, as before.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { ClaimReplayer } from '../src/queries/replay.ts';
import {
  allocateBudget, assess, disburse, fileClaim, get, rsYear, startHarness, startProjection, step, tokens, type Harness, type Tokens,
} from './helpers.ts';

/** The harness's client, with the claim streams it is asked to read noted in `reads`. */
function watchedClient(client: EventStoreDBClient, reads: string[]): EventStoreDBClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'readStream') {
        return (stream: string, ...rest: unknown[]) => {
          reads.push(stream);
          return (target.readStream as (...args: unknown[]) => unknown).call(target, stream, ...rest);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A claim's lifecycle: `evidence` documents after the filing, then the first `steps` of the way to its first instalment paid. */
interface Lifecycle { evidence: number; steps: number }

const WAY: ((h: Harness, id: string, tk: Tokens) => Promise<void>)[] = [
  (h, id, tk) => step(h, id, 'court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: 'K-7/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_000, currency: 'RSD' } }] }),
  (h, id, tk) => step(h, id, 'ruling-finality', tk.lawyer, { finalOn: '2025-06-30' }),
  (h, id, tk) => step(h, id, 'enforcement-failures', tk.lawyer, { reason: 'no-assets', amountOutstanding: { amountMinor: 100_000_000, currency: 'RSD' }, recordedOn: '2025-09-01' }),
  (h, id, tk) => step(h, id, 'fund-application', tk.lawyer, { otherCompensationDeclared: [] }),
  (h, id, tk) => assess(h, id, tk),
  (h, id, tk) => step(h, id, 'approvals', tk.approver1, {}),
  (h, id, tk) => step(h, id, 'approvals', tk.approver2, {}),
  (h, id, tk) => step(h, id, 'decision-notice', tk.approver1, { servedAt: new Date(h.clock.now.getTime() - 3600_000).toISOString() }),
  (h, id, tk) => step(h, id, 'payout-schedule', tk.finance, { instalments: 2, firstDueOn: '2026-12-01', intervalMonths: 1 }),
  (h, id, tk) => disburse(h, id, tk, 1),
];

async function lifecycle(h: Harness, tk: Tokens, { evidence, steps }: Lifecycle): Promise<string> {
  const id = await fileClaim(h, tk.lawyer);
  for (let i = 0; i < evidence; i += 1) {
    await step(h, id, 'evidence', tk.lawyer, { documentId: `DOC-${i}`, kind: 'police-report', sha256: String(i).repeat(64).slice(0, 64), title: `Report ${i}` });
  }
  for (const next of WAY.slice(0, steps)) await next(h, id, tk);
  return id;
}

t.test('the state as of a revision or an instant from the events the read model applied', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  await allocateBudget(h, tk, rsYear());
  const reads: string[] = [];
  const app = await startProjection(h, { client: watchedClient(h.env.eventStore, reads) });
  t.teardown(() => app.close());
  const fromTheStore = () => new ClaimReplayer(h.env.eventStore);

  const seed = Number(process.env.REPLAY_SEED ?? Date.now() % 2 ** 31);
  t.comment(`lifecycles of seed ${seed} (REPLAY_SEED=${seed} repeats them)`);
  const lifecycles = fc.sample(fc.record({ evidence: fc.integer({ min: 0, max: 3 }), steps: fc.integer({ min: 0, max: WAY.length }) }), { numRuns: 5, seed });
  const claims: string[] = [];
  for (const l of lifecycles) claims.push(await lifecycle(h, tk, l));
  await h.catchUp();

  /** Every question within what was applied (each revision, each event's instant and the millisecond before it), answered by the route and by a replay from the store. */
  const questions = async (id: string) => {
    const history = (await get(app, `/claims/${id}/history`, tk.auditor)).json<{ events: { revision: number; occurredAt: string }[] }>().events;
    const latest = Math.max(...history.map((e) => Date.parse(e.occurredAt)));
    const asked: { until: { revision?: number; asOf?: string }; withinApplied: boolean }[] = [];
    for (const e of history) {
      asked.push({ until: { revision: e.revision }, withinApplied: true });
      for (const ms of [Date.parse(e.occurredAt), Date.parse(e.occurredAt) - 1]) asked.push({ until: { asOf: new Date(ms).toISOString() }, withinApplied: ms < latest });
    }
    return { last: history.at(-1)!.revision, asked };
  };
  const answer = async (id: string, until: { revision?: number; asOf?: string }) => {
    const query = until.revision !== undefined ? `revision=${until.revision}` : `asOf=${encodeURIComponent(until.asOf!)}`;
    const r = await get(app, `/claims/${id}/state?${query}`, tk.auditor);
    t.equal(r.statusCode, 200, `${id} ${query}`);
    const { revision, at, state } = r.json<{ revision: number | null; at: string | null; state: unknown }>();
    return { revision, at, state };
  };
  const expected = async (id: string, until: { revision?: number; asOf?: string }) => {
    const replayed = await fromTheStore().replay(id, until);
    return { ...replayed, state: JSON.parse(JSON.stringify(replayed.state)) as unknown };
  };
  /** Every question about the claims answered as from the store; `storeReads`: whether those within what was applied may read it. */
  const everyAnswerIsTheStores = async (t: Test, storeReads: boolean) => {
    for (const id of claims) {
      const { asked } = await questions(id);
      for (const { until, withinApplied } of asked) {
        reads.length = 0;
        const got = await answer(id, until);
        const readsMade = reads.length;
        t.same(got, await expected(id, until), `${id} as of ${JSON.stringify(until)}: as replayed from the store`);
        if (withinApplied && !storeReads) t.equal(readsMade, 0, `${id} as of ${JSON.stringify(until)}: without a read of the event store`);
      }
    }
  };

  await t.test('given random lifecycles applied, when asked as of each revision and instant, then the store\'s answer without reading it', async (t) => {
    await everyAnswerIsTheStores(t, false);
  });

  await t.test('given the read model rebuilt, when asked again, then the same', async (t) => {
    await app.runner.rebuild();
    await everyAnswerIsTheStores(t, false);
  });

  await t.test('given the kept folds in another shape of the decider\'s state, when asked, then from the applied events alone', async (t) => {
    for (const id of claims) {
      const kept = JSON.parse((h.store.db.prepare('SELECT state FROM claim_folds WHERE claim_id = ?').get(id) as { state: string }).state) as Record<string, unknown>;
      h.store.db.prepare('UPDATE claim_folds SET state = ? WHERE claim_id = ?').run(JSON.stringify({ ...kept, stateVersion: -1 }), id);
    }
    await everyAnswerIsTheStores(t, false);
    // Beyond every applied event: the applied events, then the store read after them.
    const id = claims[0]!;
    const later = { asOf: new Date(Date.now() + 60_000).toISOString() };
    reads.length = 0;
    t.same(await answer(id, later), await expected(id, later), 'an instant after the last applied event');
    t.equal(reads.length, 1, 'one read of the store (for the events after those applied)');
  });

  await t.test('given an event the read model has not applied yet, when asked for it, then it is read from the store', async (t) => {
    const id = claims[1]!;
    const { last } = await questions(id);
    await step(h, id, 'evidence', tk.lawyer, { documentId: 'DOC-LATE', kind: 'police-report', sha256: 'f'.repeat(64), title: 'Late report' });
    reads.length = 0;
    t.same(await answer(id, { revision: last + 1 }), await expected(id, { revision: last + 1 }), 'the revision after the last applied');
    t.equal(reads.length, 1, 'read from the store');
    await h.catchUp();
  });

  await t.test('given history rows without their data (a file from before it was kept), when asked, then answered from the store as before', async (t) => {
    const id = claims[2]!;
    h.store.db.prepare('UPDATE claim_history SET data = NULL WHERE claim_id = ?').run(id);
    const { asked } = await questions(id);
    let readsMade = 0;
    for (const { until } of asked) {
      reads.length = 0;
      const got = await answer(id, until);
      readsMade += reads.length;
      t.same(got, await expected(id, until), `${id} as of ${JSON.stringify(until)}`);
    }
    t.ok(readsMade > 0, `the store was read (${readsMade} reads)`);
  });
});
