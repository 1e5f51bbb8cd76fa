/**
 * A client that retries with its Idempotency-Key after a crash (its first request timed out):
 * at each fault point between a claim's append and a ledger write (src/faults.ts), the retry
 * answers what the first request would have answered and leaves the ledgers as a run without a
 * crash does, with no reconciler sweep in between. Covered: an approval and a spread of
 * commitments stopped after their funds were committed (the claim not yet appended), a spread and
 * a disbursement stopped after the claim's append (the ledger not yet settled).
 */
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import type { FaultPoint } from '../src/faults.ts';
import { fundYearHarness } from './fund-year-harness.ts';
import { RSD } from './helpers.ts';

const YEAR = 2043;

t.test('a same-key retry after a crash finishes the command and its ledger writes', async (t) => {
  const { h, tk, clock, fault, ok, tiedIn, claimEvents, assessed: assessedClaim, oldSchedule: scheduledBefore } = await fundYearHarness(t, YEAR);
  const service = h.app.commandService;
  const held = async (year: number, claimId: string) => (await service.loadLedger('RS', year)).claims[claimId];
  const assessed = () => assessedClaim('Retry Victim');
  const oldSchedule = () => scheduledBefore('Retry Victim');
  await ok(`/funds/RS/${YEAR}/budget`, tk.admin, { amount: RSD(1_000_000_000) });
  await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(1_000_000_000) });

  /** A new process on the same store and keys: what a restart after a crash finds. */
  const restarted = async (t: Test) => {
    const app = await buildApp({
      client: h.env.eventStore, chainSigner: h.chainSigner, protector: h.protector, jwtSecret: h.jwtSecret, fingerprintSecret: h.fingerprintSecret, logLevel: 'silent', now: () => clock.now,
    });
    t.teardown(() => app.close());
    return app;
  };

  /**
   * Sends the request under `key` and lets it stop at `point` for good (returns once the store
   * shows it got there), then sends it again with the same key to a restarted service, timed.
   */
  const crashThenRetry = async (t: Test, point: FaultPoint, url: string, token: string, body: object, reached: () => Promise<boolean>) => {
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': `retry-${url}` };
    fault.frozenAt = point;
    void h.app.inject({ method: 'POST', url, payload: body, headers });
    const deadline = Date.now() + 30_000;
    while (!await reached() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    fault.frozenAt = undefined;
    t.ok(await reached(), `stopped at ${point}`);
    const app = await restarted(t);
    const started = Date.now();
    const retried = await app.inject({ method: 'POST', url, payload: body, headers });
    return { retried, waitedMs: Date.now() - started, again: () => app.inject({ method: 'POST', url, payload: body, headers }) };
  };
  /** Answered at once, not after waiting out the dead request's reservation (the store waits 15 s, a reservation is stale after 30 s). */
  const PROMPT_MS = 10_000;

  t.test('an approval stopped after its funds were committed', async (t) => {
    const id = await assessed();
    const { retried, waitedMs, again } = await crashThenRetry(t, 'after-funds-committed', `/claims/${id}/approvals`, tk.approver1, {}, async () => (await tiedIn(YEAR, id)) > 0);
    t.equal(retried.statusCode, 200, retried.body);
    t.same(retried.json<{ events: string[] }>().events, ['AwardApprovalGiven', 'AwardApproved'], 'the answer the first request would have had');
    t.ok(waitedMs < PROMPT_MS, `answered promptly (${waitedMs} ms)`);
    t.match(await held(YEAR, id), { committed: 40_000_000, released: 0 }, 'committed once');
    t.equal((await claimEvents(id)).filter((e) => e === 'AwardApproved').length, 1, 'approved once');
    const replay = await again();
    t.same(replay.json(), retried.json(), 'the key keeps that answer');
    t.equal(replay.headers['idempotency-replayed'], 'true');
  });

  t.test('a key used for another request is refused before any money is committed', async (t) => {
    const [first, second] = [await assessed(), await assessed()];
    const headers = { 'idempotency-key': `approve-${first}` };
    t.equal((await h.post(`/claims/${first}/approvals`, tk.approver1, {}, headers)).statusCode, 200);
    const reused = await h.post(`/claims/${second}/approvals`, tk.approver1, {}, headers);
    t.equal(reused.statusCode, 422, reused.body);
    t.equal(reused.json<{ code: string }>().code, 'idempotency-key-reused');
    t.equal(await held(YEAR, second), undefined, 'the ledger has never held anything for the other claim');
  });

  t.test('a spread stopped after the later year\'s commitment', async (t) => {
    const id = await oldSchedule();
    const { retried, waitedMs } = await crashThenRetry(t, 'after-funds-committed', `/claims/${id}/commitments-by-year`, tk.admin, { reason: 'Next year\'s budget covers it.' },
      async () => (await tiedIn(YEAR + 1, id)) > 0);
    t.equal(retried.statusCode, 200, retried.body);
    t.same(retried.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear']);
    t.ok(waitedMs < PROMPT_MS, `answered promptly (${waitedMs} ms)`);
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year');
    t.match(await held(YEAR + 1, id), { committed: 20_000_000, released: 0 }, 'committed once in the later year');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
  });

  t.test('a spread stopped after the claim\'s append, before the release', async (t) => {
    const id = await oldSchedule();
    const { retried, waitedMs, again } = await crashThenRetry(t, 'before-funds-settled', `/claims/${id}/commitments-by-year`, tk.admin, { reason: 'Next year\'s budget covers it.' },
      async () => (await tiedIn(YEAR + 1, id)) > 0 && (await claimEvents(id)).includes('CommitmentsSpreadByYear'));
    t.equal(retried.statusCode, 200, retried.body);
    t.same(retried.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear'], 'the answer the first request would have had');
    t.ok(waitedMs < PROMPT_MS, `answered promptly (${waitedMs} ms)`);
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year by the retry, no sweep');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year keeps its share');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
    t.same((await again()).json(), retried.json(), 'the key keeps that answer');
  });

  t.test('a disbursement stopped after the claim\'s append, before the ledger records it', async (t) => {
    const id = await oldSchedule();
    const before = (await claimEvents(id)).length;
    const { retried, waitedMs, again } = await crashThenRetry(t, 'before-funds-settled', `/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1', earlyPayment: true },
      async () => (await claimEvents(id)).length > before);
    t.equal(retried.statusCode, 200, retried.body);
    t.equal(retried.json<{ events: string[] }>().events.length, 1, retried.body);
    t.ok(waitedMs < PROMPT_MS, `answered promptly (${waitedMs} ms)`);
    t.match(await held(YEAR, id), { committed: 40_000_000, disbursed: 20_000_000, instalments: [1] }, 'the payment recorded once by the retry, no sweep');
    t.equal((await claimEvents(id)).length, before + 1, 'paid once');
    const replay = await again();
    t.same(replay.json(), retried.json(), 'the key keeps that answer');
    t.match(await held(YEAR, id), { disbursed: 20_000_000, instalments: [1] }, 'not paid twice');
  });
});
