/**
 * GET /funds/{j}/{y}/reconciliation: claims and their fund-year ledger agree after the real
 * command service's writes, and a ledger event written behind its back is listed as a difference.
 */
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import { Clock, allocateBudget, disburse, get, rsYear, scheduledClaim, startHarness, startProjection, step, tokens } from './helpers.ts';

t.test('reconciliation report', async (t) => {
  const h = await startHarness(t, { clock: new Clock(new Date(Date.now() - 2 * 86400_000), 60_000) });
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const year = rsYear(h.clock.now);
  await allocateBudget(h, tk, year);
  const A = await scheduledClaim(h, tk, 90_000_000, 2);
  await disburse(h, A, tk, 1);
  const B = await scheduledClaim(h, tk, 30_000_000, 1);
  await h.catchUp();
  const url = `/funds/RS/${year}/reconciliation`;

  const agree = await get(app, url, tk.auditor);
  t.equal(agree.statusCode, 200, agree.body);
  t.same(agree.json(), { jurisdiction: 'RS', year, ledgerRevision: agree.json<{ ledgerRevision: number }>().ledgerRevision, claimsChecked: 2, differences: [] },
    'the command service kept the ledger in step: no difference');
  t.equal((await get(app, url, tk.admin)).statusCode, 200, 'a fund admin of the jurisdiction may reconcile');
  t.equal((await get(app, url, tk.assessor)).statusCode, 403, 'an assessor may not');
  t.equal((await get(app, url, (await tokens(h, 'BA')).admin)).statusCode, 403, 'nor a fund admin of another jurisdiction');

  // Written behind the command service's back: funds of B released, a payment of A recorded twice over.
  await h.env.eventStore.appendToStream(`fund-RS-${year}`, [
    jsonEvent({ type: 'FundsReleased', data: { schemaVersion: 1, jurisdiction: 'RS', year, claimId: B, amount: { amountMinor: 10_000_000, currency: 'RSD' }, reason: 'test' } }),
    jsonEvent({ type: 'FundsDisbursed', data: { schemaVersion: 1, jurisdiction: 'RS', year, claimId: A, instalment: 2, amount: { amountMinor: 45_000_000, currency: 'RSD' } } }),
  ]);
  await h.catchUp();
  const differ = await get(app, url, tk.auditor);
  const found = differ.json<{ differences: { claimId: string; kind: string; claimMinor: number; ledgerMinor: number; payment?: string }[] }>().differences;
  t.same(found.filter((d) => d.claimId === B), [{ claimId: B, kind: 'tied', claimMinor: 30_000_000, ledgerMinor: 20_000_000 }], 'B: released without a reason on the claim');
  t.same(found.filter((d) => d.claimId === A).map((d) => [d.kind, d.payment ?? null]).sort(), [['disbursed', null], ['payment-not-on-claim', 'instalment-2']],
    'A: a payment the claim does not have');

  t.test('recoveries: checked in the year they were received, beside the claims of the year', async (t) => {
    // C is paid, then recovers: credited by the command service in the year received.
    const C = await scheduledClaim(h, tk, 30_000_000, 1);
    await disburse(h, C, tk, 1);
    await step(h, C, 'recoveries', tk.finance, { amount: { amountMinor: 4_000_000, currency: 'RSD' }, recordedOn: h.clock.now.toISOString().slice(0, 10) });
    await h.catchUp();
    const fund = (await get(app, `/funds/RS/${year}`, tk.auditor)).json<{ recoveredMinor: number; claims: { claimId: string; recoveredMinor: number; recoveriesCredited: number[] }[] }>();
    t.equal(fund.recoveredMinor, 4_000_000, 'the fund year shows what was recovered in it');
    t.match(fund.claims.find((c) => c.claimId === C), { recoveredMinor: 4_000_000, recoveriesCredited: [1] }, 'and of which claim, which recovery');
    const diffsOf = async (y: number, id: string) => (await get(app, `/funds/RS/${y}/reconciliation`, tk.auditor))
      .json<{ differences: { claimId: string; kind: string; recovery?: number }[] }>().differences.filter((d) => d.claimId === id);
    t.same(await diffsOf(year, C), [], 'the claim and the ledger agree on the recovery');
    // Credited behind the command service's back in the next year, where C received nothing.
    await h.env.eventStore.appendToStream(`fund-RS-${year + 1}`, jsonEvent({
      type: 'RecoveryCredited', data: { schemaVersion: 2, jurisdiction: 'RS', year: year + 1, claimId: C, recovery: 1, amount: { amountMinor: 4_000_000, currency: 'RSD' } },
    }));
    await h.catchUp();
    t.same((await diffsOf(year + 1, C)).map((d) => [d.kind, d.recovery ?? null]), [['recovered', null], ['recovery-not-on-claim', 1]],
      'a credit in a year the recovery was not received in');
    t.same(await diffsOf(year, C), [], 'its own year still agrees');
  });
});
