/**
 * SpreadCommitmentsByYear through the command service's HTTP API on the embedded event store: a
 * claim scheduled before instalments were committed by due year (PayoutScheduled v1, read as
 * `committedByDueYear: false`: everything in the award's year) is moved on purpose by a fund
 * admin. Each later year's share is committed in that year's ledger with its budget check
 * (refused naming the year: nothing changes), then released from the award's year; paid
 * instalments stay where they were paid. Refused for a claim already spread, replayed under the
 * same Idempotency-Key. A crash at either fault point (src/faults.ts: after the later years'
 * commitment, before the award year's release) leaves the money held twice, never missing, and
 * the retry after a restart settles it.
 */
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import type { FaultPoint } from '../src/faults.ts';
import { fundYearHarness } from './fund-year-harness.ts';
import { RSD } from './helpers.ts';

const YEAR = 2041;

t.test('an old schedule moved to the fund years its instalments fall due in', async (t) => {
  const { h, tk, clock, fault, ok, tiedIn, claimEvents, oldSchedule: scheduledBefore } = await fundYearHarness(t, YEAR);
  const service = h.app.commandService;
  const oldSchedule = () => scheduledBefore('Spread Victim');
  const spread = (id: string, headers: Record<string, string> = {}, token = tk.admin) => h.post(`/claims/${id}/commitments-by-year`, token, { reason: 'The next year\'s budget now covers its instalments.' }, headers);

  await ok(`/funds/RS/${YEAR}/budget`, tk.admin, { amount: RSD(1_000_000_000) });

  t.test('without a budget for the later year it is refused, naming the year; nothing changes', async (t) => {
    const id = await oldSchedule();
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the old schedule holds everything in the award\'s year');
    const r = await spread(id);
    t.equal(r.statusCode, 409, r.body);
    t.match(r.headers['content-type'], /application\/problem\+json/);
    t.equal(r.json<{ code: string }>().code, 'no-budget');
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1), 'the refusal names the year');
    t.notOk((await claimEvents(id)).includes('CommitmentsSpreadByYear'));
    t.equal(await tiedIn(YEAR, id), 40_000_000);
    t.equal(await tiedIn(YEAR + 1, id), 0);
  });

  t.test('a later year\'s budget too small refuses it with budget-exceeded, naming the year', async (t) => {
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(10_000_000) });
    const id = await oldSchedule();
    const r = await spread(id);
    t.equal(r.json<{ code: string }>().code, 'budget-exceeded', r.body);
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1));
    t.equal(await tiedIn(YEAR + 1, id), 0, 'nothing stays committed in the later year');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all');
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(990_000_000) });
  });

  t.test('a fund admin moves it: the later year commits its share, the award\'s year releases it; once', async (t) => {
    const id = await oldSchedule();
    t.equal((await spread(id, {}, tk.finance)).statusCode, 403, 'a finance officer may not');
    const key = { 'idempotency-key': `spread-${id}` };
    const r = await spread(id, key);
    t.equal(r.statusCode, 200, r.body);
    t.same(r.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear']);
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'the award\'s year keeps the instalment due in it');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the next year holds the one due in it');
    t.equal((await spread(id, key)).statusCode, 200, 'the same request again (same key) replays the answer');
    const again = await spread(id);
    t.equal(again.statusCode, 409);
    t.equal(again.json<{ code: string }>().code, 'already-spread', 'a claim already spread is refused');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
    // The instalment of the next year is paid from that year's ledger.
    await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2', earlyPayment: true });
    t.match((await service.loadLedger('RS', YEAR + 1)).claims[id], { disbursed: 20_000_000, instalments: [2] }, 'paid where it is committed');
  });

  t.test('a paid instalment stays where it was paid', async (t) => {
    const id = await oldSchedule();
    await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2-EARLY', earlyPayment: true });
    const r = await spread(id);
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'nothing-to-spread', 'its only later instalment is paid, from the award\'s year');
    t.equal(await tiedIn(YEAR, id), 40_000_000);
    t.equal(await tiedIn(YEAR + 1, id), 0);
  });

  /** A new process on the same store and keys: what a restart after a crash finds. */
  const restarted = async (t: Test) => {
    const app = await buildApp({
      client: h.env.eventStore, chainSigner: h.chainSigner, protector: h.protector, jwtSecret: h.jwtSecret, fingerprintSecret: h.fingerprintSecret, logLevel: 'silent', now: () => clock.now,
    });
    t.teardown(() => app.close());
    return app;
  };

  /** Starts spreading `id` and lets it stop at `point` for good; returns once the store shows it got there. */
  const crashAt = async (point: FaultPoint, id: string): Promise<void> => {
    fault.frozenAt = point;
    void spread(id);
    const reached = async () => (await tiedIn(YEAR + 1, id)) > 0 && (point !== 'before-funds-settled' || (await claimEvents(id)).includes('CommitmentsSpreadByYear'));
    const deadline = Date.now() + 30_000;
    while (!await reached() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    fault.frozenAt = undefined;
  };
  const retry = (app: Awaited<ReturnType<typeof restarted>>, id: string) => app.inject({
    method: 'POST', url: `/claims/${id}/commitments-by-year`, payload: { reason: 'The next year\'s budget now covers its instalments.' }, headers: { authorization: `Bearer ${tk.admin}` },
  });

  t.test('a crash after the later year\'s commitment: held twice; the retry spreads once and releases', async (t) => {
    const id = await oldSchedule();
    await crashAt('after-funds-committed', id);
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year committed its share');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all: held twice, never missing');
    t.notOk((await claimEvents(id)).includes('CommitmentsSpreadByYear'), 'the claim is not spread');
    const app = await restarted(t);
    const retried = await retry(app, id);
    t.equal(retried.statusCode, 200, retried.body);
    t.same(retried.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear']);
    t.match((await service.loadLedger('RS', YEAR + 1)).claims[id], { committed: 20_000_000, released: 0 }, 'committed once in the later year (the commitment reused)');
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
  });

  t.test('a crash after the claim is spread, before the release: held twice; the reconciler releases it', async (t) => {
    const id = await oldSchedule();
    await crashAt('before-funds-settled', id);
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year committed its share');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all: held twice, never missing');
    t.ok((await claimEvents(id)).includes('CommitmentsSpreadByYear'), 'the claim is spread');
    const app = await restarted(t);
    t.equal((await retry(app, id)).json<{ code: string }>().code, 'already-spread', 'a retry is refused: the claim is spread');
    const sweep = await app.commandService.reconcileAll([YEAR, YEAR + 1], { principal: { sub: 'system:test', roles: [], jurisdictions: [] }, correlationId: 'test' });
    t.ok(sweep.repairs.includes('FundsReleased'), 'the sweep released the award year\'s excess');
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year keeps its share');
  });
});
