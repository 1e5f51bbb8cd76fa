/**
 * The money defects found by following a claim through every path the domain allows, each as
 * it was reproduced through the API: the claim stream and its fund-year ledger must agree after
 * every command, and a refusal writes nothing anywhere.
 */
import t from 'tap';
import { BACKWARDS, END, jsonEvent } from '@eventstore/db-client';
import { tiedOf } from '@cfund/domain';
import { RSD, assessedClaim, rsYear, startService, tokens, type Harness } from './helpers.ts';

/** The last event of the system's own streams (the store's `$stats-...` streams are passed over). */
async function lastPosition(h: Harness): Promise<string> {
  let last: string | undefined;
  for await (const e of h.env.eventStore.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 100 })) {
    if (last === undefined && e.event && !e.event.streamId.startsWith('$')) last = `${e.event.streamId}@${e.event.revision}`;
  }
  return last ?? '';
}

t.test('money defects', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const year = rsYear();
  const today = new Date().toISOString().slice(0, 10);
  // Due two weeks ago: today may be a weekend or a holiday, which moves a due date to the next working day.
  const dueAlready = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
  const servedAt = new Date(Date.now() - 60_000).toISOString();
  const service = h.app.commandService;
  const sys = { principal: { sub: 'system:test', roles: [], jurisdictions: [] }, correlationId: 'test' };
  const tiedOfAll = (l: { claims: Record<string, { committed: number; released: number }> }) =>
    Object.values(l.claims).reduce((s, f) => s + f.committed - f.released, 0);
  const ledgerOf = async (id: string) => (await service.loadLedger('RS', year)).claims[id];
  const ok = async (url: string, token: string, body: unknown) => {
    const r = await h.post(url, token, body);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ events: string[] }>().events;
  };
  t.equal((await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(2_000_000_000) })).statusCode, 200);

  /** A claim approved at `amount` by approver-1 (below the two-approver threshold of 50,000,000), served. */
  const awarded = async (amount: number): Promise<string> => {
    const id = await assessedClaim(h, tk, amount);
    await ok(`/claims/${id}/approvals`, tk.approver1, {});
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt });
    return id;
  };

  t.test('a payment the fund cannot cover is refused and writes nothing; the reconciler goes on past a claim it cannot repair', async (t) => {
    const id = await awarded(40_000_000);
    await ok(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: dueAlready, intervalMonths: 1 });
    // The ledger lost the claim's funds (as an appeal raised outside the ledger left it before),
    // and what is left of the budget went to a commitment of no claim at all.
    const orphanId = '00000000-0000-4000-8000-00000000beef';
    const ledgerBefore = await service.loadLedger('RS', year);
    const held = ledgerBefore.allocated - tiedOfAll(ledgerBefore) + 40_000_000;
    await h.env.eventStore.appendToStream(`fund-RS-${year}`, [
      jsonEvent({ type: 'FundsReleased', data: { schemaVersion: 1, jurisdiction: 'RS', year, claimId: id, amount: RSD(40_000_000), reason: 'test: the ledger disagrees' } }),
      jsonEvent({ type: 'FundsCommitted', data: { schemaVersion: 1, jurisdiction: 'RS', year, claimId: orphanId, amount: RSD(held) } }),
    ]);
    const before = await lastPosition(h);
    const r = await h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' });
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'budget-exceeded', 'the shortfall cannot be committed again');
    t.equal(await lastPosition(h), before, 'nothing written anywhere: no PayoutDisbursed on the claim, nothing in the ledger');
    t.equal((await service.loadClaim(id)).state.status, 'scheduled', 'the claim is not paid');
    // Another claim out of step (funds of a withdrawn claim) is repaired in the same sweep.
    const other = await assessedClaim(h, tk, 10_000_000);
    await ok(`/claims/${other}/withdrawal`, tk.lawyer, { reason: 'the victim withdrew' });
    await service.ledgerCommand('RS', year, sys, { type: 'ReleaseFunds', data: { claimId: orphanId, tied: RSD(held - 7_000_000), reason: 'test' } });
    await service.ledgerCommand('RS', year, sys, { type: 'CommitFunds', data: { claimId: other, tied: RSD(7_000_000) } });
    const sweep = await service.reconcileAll([year], sys);
    t.ok(sweep.differences >= 3, `the sweep found the differences (${sweep.differences})`);
    t.same(sweep.failures.map((f) => f.claimId).sort(), [orphanId, id].sort(), 'the claims it could not repair are reported...');
    t.equal(tiedOf(await ledgerOf(other)), 0, '...and did not stop it releasing the withdrawn claim\'s funds');
    // The fund's admin frees the budget held by no claim; the next sweep commits the award again and it can be paid.
    await service.ledgerCommand('RS', year, sys, { type: 'ReleaseFunds', data: { claimId: orphanId, tied: RSD(0), reason: 'held by no claim' } });
    await service.reconcileAll([year], sys);
    t.equal(tiedOf(await ledgerOf(id)), 40_000_000, 'committed again');
    t.equal((await h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' })).statusCode, 200, 'then it can be paid');
    t.equal((await ledgerOf(id))!.disbursed, 40_000_000);
  });

  t.test('a payment on a ledger that lost the claim\'s funds commits them again first, with the budget check', async (t) => {
    const id = await awarded(30_000_000);
    await ok(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: dueAlready, intervalMonths: 1 });
    await h.env.eventStore.appendToStream(`fund-RS-${year}`, jsonEvent({
      type: 'FundsReleased', data: { schemaVersion: 1, jurisdiction: 'RS', year, claimId: id, amount: RSD(30_000_000), reason: 'test: the ledger disagrees' },
    }));
    t.same(await ok(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' }), ['PayoutDisbursed']);
    const f = await ledgerOf(id);
    t.equal(tiedOf(f), 30_000_000, 'the award is committed again');
    t.equal(f!.disbursed, 30_000_000, 'and the payment recorded');
  });

  t.test('an appeal that raises an award above the threshold needs two approvers and commits the difference', async (t) => {
    const id = await awarded(40_000_000);
    t.equal(tiedOf(await ledgerOf(id)), 40_000_000);
    await ok(`/claims/${id}/appeals`, tk.lawyer, { grounds: 'too little' });
    const raise = { outcome: 'increased', decidedOn: today, netAward: RSD(120_000_000) };
    t.same(await ok(`/claims/${id}/appeal-decision`, tk.approver1, raise), ['AppealApprovalGiven'], 'one approver alone does not decide it');
    t.equal(tiedOf(await ledgerOf(id)), 40_000_000, 'nothing more committed yet');
    const again = await h.post(`/claims/${id}/appeal-decision`, tk.approver1, raise);
    t.equal(again.statusCode, 403, 'not twice by the same approver');
    t.same(await ok(`/claims/${id}/appeal-decision`, tk.approver2, raise), ['AppealDecided']);
    t.equal(tiedOf(await ledgerOf(id)), 120_000_000, 'the difference is committed');
  });

  t.test('an award granted on appeal after a rejection is committed; a reduction and a withdrawal release', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    await ok(`/claims/${id}/rejection`, tk.approver1, { reasons: ['not shown'], appealInstructions: 'Appeal within 15 days.' });
    const early = await h.post(`/claims/${id}/appeals`, tk.lawyer, { grounds: 'g' });
    t.equal(early.json<{ code: string }>().code, 'decision-not-served', 'an appeal before service says it must be served first');
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt });
    await ok(`/claims/${id}/appeals`, tk.lawyer, { grounds: 'g' });
    await ok(`/claims/${id}/appeal-decision`, tk.approver1, { outcome: 'increased', decidedOn: today, netAward: RSD(30_000_000) });
    t.equal(tiedOf(await ledgerOf(id)), 30_000_000, 'the award granted on appeal is committed in the fund year');
    const reduced = await awarded(45_000_000);
    await ok(`/claims/${reduced}/appeals`, tk.lawyer, { grounds: 'g' });
    await ok(`/claims/${reduced}/appeal-decision`, tk.approver1, { outcome: 'reduced', decidedOn: today, netAward: RSD(15_000_000) });
    t.equal(tiedOf(await ledgerOf(reduced)), 15_000_000, 'a reduction releases the difference');
    const withdrawn = await awarded(20_000_000);
    await ok(`/claims/${withdrawn}/withdrawal`, tk.lawyer, { reason: 'the victim asked' });
    t.equal(tiedOf(await ledgerOf(withdrawn)), 0, 'a withdrawn approved claim keeps nothing committed');
  });

  t.test('advances are committed, paid by fund finance and deducted; paid in full only with the advance paid', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    await ok(`/claims/${id}/advance-payments`, tk.approver1, { amount: RSD(10_000_000), reason: 'urgent medical costs' });
    t.equal(tiedOf(await ledgerOf(id)), 10_000_000, 'the approved advance is committed');
    t.equal((await h.post(`/claims/${id}/advances/1/disbursement`, tk.approver1, { paymentReference: 'ADV-1' })).statusCode, 403, 'not by its approver');
    t.same(await ok(`/claims/${id}/advances/1/disbursement`, tk.finance, { paymentReference: 'ADV-1' }), ['AdvanceDisbursed']);
    t.same((await ledgerOf(id))!.advances, [1], 'recorded as paid in the ledger');
    await ok(`/claims/${id}/approvals`, tk.approver2, {});
    t.equal(tiedOf(await ledgerOf(id)), 40_000_000, 'the award ties the whole amount, the advance included');
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt });
    await ok(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: dueAlready, intervalMonths: 1 });
    await ok(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' });
    const ledger = await ledgerOf(id);
    t.equal(ledger!.disbursed, 40_000_000, 'advance and instalment paid: the award, once');
    t.equal((await service.loadClaim(id)).state.status, 'paid');
    t.same(await ok(`/claims/${id}/closure`, tk.finance, { reason: 'paid in full' }), ['ClaimClosed']);
  });

  t.test('dates in the future and early payments', async (t) => {
    const id = await awarded(10_000_000);
    const r = await h.post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: '2099-01-01', intervalMonths: 1 });
    t.equal(r.statusCode, 409, 'a schedule decades ahead is refused');
    const due = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    await ok(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: due, intervalMonths: 1 });
    const before = await lastPosition(h);
    const notDue = await h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' });
    t.equal(notDue.json<{ code: string }>().code, 'not-yet-due');
    t.equal(await lastPosition(h), before, 'refused: nothing written');
    t.same(await ok(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1', earlyPayment: true }), ['PayoutDisbursed'], 'early on purpose');
    const other = await assessedClaim(h, tk, 10_000_000);
    await ok(`/claims/${other}/approvals`, tk.approver1, {});
    const future = await h.post(`/claims/${other}/decision-notice`, tk.approver1, { servedAt: '2027-06-01T10:00:00Z' });
    t.equal(future.json<{ code: string }>().code, 'date-in-future', 'a decision cannot be served in the future');
  });
});
