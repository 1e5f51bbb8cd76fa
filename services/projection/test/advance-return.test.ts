import t from 'tap';
import { paymentRunStream } from '@cfund/contracts';
import { camt053 } from '../../command/test/helpers.ts';
import { RSD, allocateBudget, appliedClaim, get, readAllEnvelopes, rsYear, startHarness, startProjection, step, tokens, type Harness } from './helpers.ts';

// An advance the bank returns, through the whole stack: approved, paid by a released run and a
// camt.053 booking, then returned by a second statement (reason code AC04). The advance failed
// (the claim, its detail and the finance queue say so, with the bank's reason), the ledger's
// "paid" goes back while the money stays committed, the run's detail shows the return, and a new
// run pays it again.

const daysAhead = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + days * 86_400_000));

type Item = { task: string; claimId: string; advance?: number; runId?: string | null };
type FundYear = { claims: { claimId: string; committedMinor: number; releasedMinor: number; disbursedMinor: number; advancesPaid: number[] }[] };
type Detail = { paidMinor: number; fund: { advances: { number: number; status: string; paymentReference: string | null; runId: string | null; failure: { reason: string } | null }[] } };

async function endToEndIdOf(h: Harness, runId: string): Promise<string> {
  const prepared = (await readAllEnvelopes(h.env.eventStore)).find((e) => e.streamId === paymentRunStream(runId) && e.type === 'PaymentRunPrepared');
  return (prepared!.data as { items: { endToEndId: string }[] }).items[0]!.endToEndId;
}

t.test('an advance returned by the bank is paid again by a new run', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  await allocateBudget(h, tk, rsYear());
  const a = await appliedClaim(h, tk);
  await step(h, a, 'payee', tk.lawyer, { kind: 'victim', payee: { name: 'Ilvarethe Quonsbry', iban: 'RS35 9085 0010 3195 8472 62' } });
  await step(h, a, 'advance-payments', tk.approver1, { amount: RSD(10_000_000), reason: 'urgent medical costs' });
  const app = await startProjection(h);
  t.teardown(() => app.close());

  const importStatement = async (xml: string) => {
    const r = await h.command.inject({ method: 'POST', url: '/bank-statements', payload: xml, headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' } });
    t.equal(r.statusCode, 201, r.body);
    await h.catchUp();
    return r.json<{ counts: Record<string, number> }>().counts;
  };
  const payInRun = async (day: number): Promise<{ runId: string; e2e: string }> => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(day), payments: [{ claimId: a, advance: 1 }] });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
    t.equal(released.statusCode, 200, released.body);
    return { runId, e2e: await endToEndIdOf(h, runId) };
  };
  const queued = async () => (await get(app, '/work-queue', tk.finance)).json<{ items: Item[] }>().items.filter((i) => i.task === 'pay-advance' && i.claimId === a);
  const ledgerEntry = async () => (await get(app, `/funds/RS/${rsYear()}`, tk.admin)).json<FundYear>().claims.find((c) => c.claimId === a);
  const detail = async () => (await get(app, `/claims/${a}`, tk.finance)).json<Detail>();
  const runOutcomes = async (runId: string) => (await get(app, `/payment-runs/${runId}`, tk.finance)).json<{ payments: { bankOutcome: string | null }[] }>().payments.map((p) => p.bankOutcome);
  const commandLedger = async () => (await h.command.commandService.loadLedger('RS', rsYear())).claims[a]!;

  const first = await payInRun(3);
  t.same(await importStatement(camt053('ADV-1', [{ e2e: first.e2e, amount: '100000.00', ref: 'BK-ADV-1' }])), { paid: 1, returned: 0, unmatched: 0, notBooked: 0 });
  t.same(await queued(), [], 'paid: out of the finance queue');
  t.match(await ledgerEntry(), { committedMinor: 10_000_000, releasedMinor: 0, disbursedMinor: 10_000_000, advancesPaid: [1] }, 'the ledger paid it');
  t.same(await runOutcomes(first.runId), ['paid'], 'the run\'s detail: paid');

  t.test('when the bank returns it', async (t) => {
    const counts = await importStatement(camt053('ADV-1R', [{ e2e: first.e2e, amount: '100000.00', dir: 'CRDT', ref: 'BK-ADV-1R', returnCode: 'AC04', creditor: 'Ilvarethe Quonsbry' }]));
    t.same(counts, { paid: 0, returned: 1, unmatched: 0, notBooked: 0 }, 'the statement returned it');
    const state = (await h.command.commandService.loadClaim(a)).state;
    t.match(state.fund.advances[0], { status: 'failed', failure: { reason: /AC04.*BK-ADV-1R/ } }, 'the claim: failed, with the bank\'s reason code');
    t.match(await commandLedger(), { committed: 10_000_000, released: 0, disbursed: 0, advances: [] }, 'the ledger: paid back, still committed');
    t.match(await ledgerEntry(), { committedMinor: 10_000_000, releasedMinor: 0, disbursedMinor: 0, advancesPaid: [] }, 'the read model\'s ledger agrees');
    t.match(await queued(), [{ advance: 1, runId: null }], 'back in the finance queue, in no run');
    const d = await detail();
    t.equal(d.paidMinor, 0, 'the claim counts nothing paid');
    t.match(d.fund.advances, [{ number: 1, status: 'failed', paymentReference: 'BK-ADV-1', runId: null, failure: { reason: /AC04/ } }], 'the claim detail shows the failure');
    t.notOk(JSON.stringify(d).includes('Quonsbry'), 'no payee name in the detail');
    t.same(await runOutcomes(first.runId), ['returned'], 'the run\'s detail shows the return');
  });

  t.test('then a new run pays it again', async (t) => {
    const second = await payInRun(5);
    await h.catchUp();
    t.match((await detail()).fund.advances, [{ status: 'failed', runId: second.runId }], 'queued in the new run');
    t.same(await importStatement(camt053('ADV-2', [{ e2e: second.e2e, amount: '100000.00', ref: 'BK-ADV-2' }])), { paid: 1, returned: 0, unmatched: 0, notBooked: 0 });
    t.match((await detail()).fund.advances, [{ status: 'disbursed', paymentReference: 'BK-ADV-2', failure: { reason: /AC04/ } }], 'paid, its last failure kept');
    t.match(await commandLedger(), { committed: 10_000_000, released: 0, disbursed: 10_000_000, advances: [1] }, 'paid once in the ledger');
    t.same(await queued(), []);
    t.same(await runOutcomes(second.runId), ['paid'], 'the new run\'s detail: paid');
    t.same(await runOutcomes(first.runId), ['returned'], 'the first run\'s still: returned');
  });

  t.test('a rebuild gives the same rows', async (t) => {
    const before = h.store.digest();
    const rebuilt = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${await h.token('ops', ['operator'])}` } });
    t.equal(rebuilt.statusCode, 200, rebuilt.body);
    t.equal(h.store.digest(), before);
  });
});
