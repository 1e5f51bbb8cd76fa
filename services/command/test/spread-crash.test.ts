/**
 * SpreadCommitmentsByYear with the command service process SIGKILLed inside it
 * (CFUND_FAULT_INJECTION, src/faults.ts): after the later years' commitments (kill-after-funds-
 * committed) and after the claim's CommitmentsSpreadByYear, before the award year's release
 * (kill-before-funds-settled). After a restart, with no reconciler, the same request under the
 * same Idempotency-Key finishes the work: every ledger equals a reference claim spread without a
 * crash in the same run (no year committed twice or lost), no budget is over-committed, the claim's
 * years agree with the ledgers, and the retry answers as the first request would have.
 *
 * A third kill comes from outside, as soon as the first ledger write of the spread is seen in the
 * store: wherever it lands, the ledgers hold at least what the claim's recorded state ties up in
 * each year (never missing), and the retry settles it like the others.
 *
 * Each later year's budget holds exactly what the four claims move there: a year committed twice
 * would be refused (budget-exceeded), never hidden.
 */
import type { ChildProcess } from 'node:child_process';
import t, { type Test } from 'tap';
import { claimStream, fundStream, type ClaimEvent } from '@cfund/contracts';
import { claimDecider, claimFunding, ledgerDecider } from '@cfund/domain';
import { handleCommand, loadStream } from '@cfund/eventstore';
import { chainSigningKeyPath, readChainSigningKeyFile } from '@cfund/service-kit';
import { claimCodec, fundCodec } from '../src/codecs.ts';
import { eventually } from '@cfund/test-support';
import { RSD, assessedClaim, rsYear, serviceProcesses, tokens, type Reply } from './helpers.ts';

/** The old schedule: 10,000,000 due in the award's year, 15,000,000 in each of the next two. */
const SHARES = [10_000_000, 15_000_000, 15_000_000];
const CLAIMS = 4;

t.test('SIGKILL inside the spread of commitments by year, then a restart and the same request', async (t) => {
  const system = await serviceProcesses(t, 'spread-crash');
  if (!system) return;
  const { env, client, dataDir } = system;
  // No reconciler: the retry alone must settle the ledgers.
  const start = (fault?: string) => system.start({ RECONCILER_ENABLED: 'false', ...(fault ? { CFUND_FAULT_INJECTION: fault } : {}) });
  const stop = async (child: ChildProcess) => {
    const stopped = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return stopped;
  };
  const year = rsYear();
  const years = [year, year + 1, year + 2];

  let child = await start();
  const tk = await tokens(client);
  const ok = async (url: string, token: string, body: unknown) => {
    const r = await client.post(url, token, body);
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  };
  await ok(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(1_000_000_000) });
  for (const later of [year + 1, year + 2]) await ok(`/funds/RS/${later}/budget`, tk.admin, { amount: RSD(CLAIMS * 15_000_000) });

  // The events a service wrote before schedules were committed by due year, signed into the
  // claim's chain with the key the processes share (DATA_DIR/secrets).
  const signer = await readChainSigningKeyFile(chainSigningKeyPath(dataDir));
  const oldSchedule = async (): Promise<string> => {
    const id = await assessedClaim(client, tk, 40_000_000);
    await ok(`/claims/${id}/approvals`, tk.approver1, {});
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: new Date(Date.now() - 3_600_000).toISOString() });
    const legacy: ClaimEvent = { type: 'PayoutScheduled', data: {
      schemaVersion: 2, claimId: id, total: RSD(40_000_000), committedByDueYear: false,
      instalments: SHARES.map((amount, i) => ({ number: i + 1, amount: RSD(amount), dueOn: `${year + i}-${i === 0 ? '12-20' : '03-01'}` })),
    } };
    await handleCommand(env.eventStore, claimStream(id), null, { ...claimDecider, decide: () => [legacy] }, {
      codec: claimCodec, signer, metadata: { actor: 'finance-1', occurredAt: new Date().toISOString(), correlationId: `legacy-${id}`, causationId: `legacy-${id}` },
    });
    return id;
  };
  const spread = (id: string): Promise<Reply> => client.post(`/claims/${id}/commitments-by-year`, tk.admin, { reason: 'The later years\' budgets now cover their instalments.' }, { 'idempotency-key': `spread-${id}` });

  const ledger = async (y: number) => (await loadStream(env.eventStore, fundStream('RS', y), ledgerDecider, fundCodec)).state;
  /** committed and released of the claim in each year (zeros where it has nothing). */
  const heldBy = async (id: string) => Promise.all(years.map(async (y) => {
    const f = (await ledger(y)).claims[id];
    return { committed: f?.committed ?? 0, released: f?.released ?? 0 };
  }));
  const tied = async (id: string) => (await heldBy(id)).map((h) => h.committed - h.released);
  const claimEvents = async (id: string) => {
    const out: { type: string; revision: bigint }[] = [];
    for await (const e of env.eventStore.readStream(claimStream(id))) out.push({ type: e.event!.type, revision: e.event!.revision });
    return out;
  };
  /** The ledger events naming the claim, by year: what was written, not only what it adds up to. */
  const ledgerEvents = async (id: string) => Promise.all(years.map(async (y) => {
    const out: string[] = [];
    for await (const e of env.eventStore.readStream(fundStream('RS', y))) {
      if ((e.event!.data as { claimId?: string }).claimId === id) out.push(e.event!.type);
    }
    return out;
  }));
  const killedBy = async (t: Test, process: ChildProcess, request: Promise<Reply>) => {
    const exited = new Promise<NodeJS.Signals | null>((r) => process.once('exit', (_code, signal) => r(signal)));
    await t.rejects(request, 'the connection dies with the process');
    t.equal(await exited, 'SIGKILL', 'killed at the fault point');
  };

  const reference = await oldSchedule();
  const afterCommitted = await oldSchedule();
  const beforeSettled = await oldSchedule();
  const externallyKilled = await oldSchedule();
  for (const id of [reference, afterCommitted, beforeSettled, externallyKilled]) t.same(await tied(id), [40_000_000, 0, 0], 'the old schedule holds everything in the award\'s year');

  // The reference: spread without a crash.
  const referenceAnswer = await spread(reference);
  t.equal(referenceAnswer.statusCode, 200, referenceAnswer.body);
  const referenceHeld = await heldBy(reference);
  t.same(referenceHeld, [{ committed: 40_000_000, released: 30_000_000 }, { committed: 15_000_000, released: 0 }, { committed: 15_000_000, released: 0 }], 'each later year committed its share, the award\'s year released it');
  const referenceWrites = await ledgerEvents(reference);
  t.equal(await stop(child), 0);

  await t.test('killed after the later years committed their shares: held twice, the claim not spread', async (t) => {
    child = await start('kill-after-funds-committed');
    await killedBy(t, child, spread(afterCommitted));
    t.same(await tied(afterCommitted), [40_000_000, 15_000_000, 15_000_000], 'committed in the later years, still all in the award\'s year: never missing');
    t.notOk((await claimEvents(afterCommitted)).some((e) => e.type === 'CommitmentsSpreadByYear'), 'the claim is not spread');
  });

  await t.test('killed after the claim is spread, before the award year\'s release: held twice', async (t) => {
    child = await start('kill-before-funds-settled');
    await killedBy(t, child, spread(beforeSettled));
    t.same(await tied(beforeSettled), [40_000_000, 15_000_000, 15_000_000], 'committed in the later years, still all in the award\'s year: never missing');
    t.equal((await claimEvents(beforeSettled)).filter((e) => e.type === 'CommitmentsSpreadByYear').length, 1, 'the claim is spread');
  });

  await t.test('killed from outside once its first ledger write is seen: wherever it lands, never missing', async (t) => {
    child = await start();
    const running = child;
    const exited = new Promise<NodeJS.Signals | null>((r) => running.once('exit', (_code, signal) => r(signal)));
    const request = spread(externallyKilled).then((r) => `answered ${r.statusCode}`, () => 'died with the process');
    // Read to the end (leaving a read open keeps the embedded store from closing).
    const nextYear = async () => {
      let seen = false;
      for await (const e of env.eventStore.readStream(fundStream('RS', year + 1))) {
        if (e.event!.type === 'FundsCommitted' && (e.event!.data as { claimId: string }).claimId === externallyKilled) seen = true;
      }
      return seen;
    };
    await eventually('the spread\'s first ledger write', nextYear, 30_000, 2);
    running.kill('SIGKILL');
    t.equal(await exited, 'SIGKILL');
    const held = await tied(externallyKilled);
    const state = (await loadStream(env.eventStore, claimStream(externallyKilled), claimDecider, claimCodec)).state;
    const recorded = claimFunding(state).years;
    t.comment(`killed with ${held.join(' / ')} tied up in ${years.join(' / ')}, the claim ${recorded.length > 1 ? '' : 'not '}spread, the request ${await request}`);
    for (const [i, y] of years.entries()) {
      t.ok(held[i]! >= (recorded.find((r) => r.year === y)?.tied ?? 0), `${y}: the ledger holds at least what the claim ties up there`);
    }
  });

  await t.test('after a restart the same requests finish the spread once', async (t) => {
    child = await start();
    for (const [name, id] of [['after-funds-committed', afterCommitted], ['before-funds-settled', beforeSettled], ['an outside SIGKILL', externallyKilled]] as const) {
      await t.test(`the claim killed at ${name}`, async (t) => {
        const retried = await spread(id);
        t.equal(retried.statusCode, 200, retried.body);
        const spreadAt = (await claimEvents(id)).filter((e) => e.type === 'CommitmentsSpreadByYear');
        t.equal(spreadAt.length, 1, 'spread once');
        const expected = { claimId: id, revision: Number(spreadAt[0]?.revision ?? -1n), events: ['CommitmentsSpreadByYear'] };
        t.same(retried.json(), expected, 'answered as the first request would have: the spread\'s revision and events');
        t.same(Object.keys(retried.json<object>()).sort(), Object.keys(referenceAnswer.json<object>()).sort(), 'the same shape as the reference\'s answer');
        t.same(await heldBy(id), referenceHeld, 'every year\'s ledger holds what the reference\'s does');
        t.same(await ledgerEvents(id), referenceWrites, 'the same ledger events as the reference: no year committed or released twice');
        const state = (await loadStream(env.eventStore, claimStream(id), claimDecider, claimCodec)).state;
        t.same(Object.fromEntries(claimFunding(state).years.map((y) => [y.year, y.tied])), Object.fromEntries(years.map((y, i) => [y, SHARES[i]])), 'the claim ties up each instalment in its due year');
        t.same(await tied(id), SHARES, 'and the ledgers hold exactly that');
        const again = await spread(id);
        t.equal(again.statusCode, 200, again.body);
        t.same(again.json(), expected, 'a third request answers the same');
        t.same(await ledgerEvents(id), referenceWrites, 'and writes nothing');
      });
    }
    for (const y of years) {
      const l = await ledger(y);
      const tiedUp = Object.values(l.claims).reduce((s, f) => s + f.committed - f.released, 0);
      t.ok(tiedUp <= l.allocated, `${y}: ${tiedUp} tied up of a budget of ${l.allocated}`);
    }
    t.same((await Promise.all([year + 1, year + 2].map(ledger))).map((l) => l.allocated - Object.values(l.claims).reduce((s, f) => s + f.committed - f.released, 0)), [0, 0], 'the later years\' budgets are exactly used: the four shares, once each');
    t.equal(await stop(child), 0, 'graceful shutdown exits 0');
  });
});
