import t from 'tap';
import { claimStream, fundStream } from '@cfund/contracts';
import { allocateBudgets, camt053, daysAhead, FUND_IBAN, payableClaim, rsYear, startService, tokens, type Harness } from './helpers.ts';

// Bank statements (camt.053) through HTTP against the embedded store: a run released by a second
// officer, a statement that pays two instalments and returns one, the returned one paid by a
// second run; claims and ledger agree at each step. Refusals: a wrong amount is listed, not
// matched; an import of the same file changes nothing; no name or IBAN is stored.


async function events(h: Harness, stream: string) {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  try {
    for await (const e of h.env.eventStore.readStream(stream)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  } catch { /* no stream */ }
  return out;
}

const postXml = (h: Harness, token: string, xml: string) => h.app.inject({
  method: 'POST', url: '/bank-statements', payload: xml, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
});

t.test('bank statements through HTTP', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  t.same(await allocateBudgets(h, tk.admin, 2_000_000_000), [200, 200], 'this year\'s and next year\'s budgets');
  const [a, b, c] = [await payableClaim(h, tk, 'Ilvarethe Quonsbry'), await payableClaim(h, tk, 'Tomaszlin Vrey'), await payableClaim(h, tk, 'Ondrabel Kweistra')];
  const executionOn = daysAhead(7);
  const run = async (payments: { claimId: string; instalment: number }[]) => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    t.equal((await h.post(`/payment-runs/${runId}/release`, finance2, {})).statusCode, 200);
    const items = (await events(h, `paymentrun-${runId}`))[0]!.data['items'] as { claimId: string; endToEndId: string }[];
    return { runId, e2e: (claimId: string) => items.find((i) => i.claimId === claimId)!.endToEndId };
  };
  const instalment1 = async (id: string) => (await h.app.commandService.loadClaim(id)).state.fund.instalments[0]!;
  const ledger = () => h.app.commandService.loadLedger('RS', rsYear());

  const first = await run([{ claimId: a, instalment: 1 }, { claimId: b, instalment: 1 }, { claimId: c, instalment: 1 }]);
  t.match(first.e2e(a), /^[0-9A-Z]{25}-[1-3]$/, 'the end-to-end id names the run and the place');

  const statement = camt053('1', [
    { e2e: first.e2e(a), amount: '200000.00', ref: 'BK-A1', creditor: 'Ilvarethe Quonsbry' },
    { e2e: first.e2e(b), amount: '200000.00', ref: 'BK-B1' },
    { e2e: first.e2e(c), amount: '200000.00', ref: 'BK-C1' },
    { e2e: first.e2e(c), amount: '200000.00', dir: 'CRDT', ref: 'BK-C1R', returnCode: 'AC04', creditor: 'Ondrabel Kweistra' },
    { e2e: first.e2e(a), amount: '199999.00', ref: 'BK-A1X' },
    { amount: '5000.00', dir: 'CRDT', ref: 'BK-IN1' },
    { e2e: first.e2e(b), amount: '200000.00', ref: 'BK-PEND', status: 'PDNG' },
  ]);

  t.test('refusals change nothing', async (t) => {
    t.equal((await postXml(h, tk.lawyer, statement)).statusCode, 403, 'a lawyer imports no statement');
    const bad = await postXml(h, tk.finance, '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>');
    t.equal(bad.statusCode, 400);
    t.equal(bad.json<{ code: string }>().code, 'invalid-statement');
    t.equal((await postXml(h, tk.finance, '<!DOCTYPE x [<!ENTITY a "b">]><Document/>')).json<{ code: string }>().code, 'invalid-statement', 'no DTDs');
    const other = await postXml(h, tk.finance, statement.replace(FUND_IBAN, 'RS35908500103195847262'));
    t.equal(other.json<{ code: string }>().code, 'not-a-fund-account');
    t.equal((await instalment1(a)).status, 'due', 'nothing recorded');
  });

  t.test('two paid, one returned, the wrong amount and the foreign credit listed', async (t) => {
    const before = await ledger();
    const r = await postXml(h, tk.finance, statement);
    t.equal(r.statusCode, 201, r.body);
    const body = r.json<{ statementId: string; imported: boolean; counts: Record<string, number>; unmatched: { entry: number; reason: string }[] }>();
    t.same(body.counts, { paid: 3, returned: 1, unmatched: 2, notBooked: 1 });
    t.same(body.unmatched.map((u) => u.entry), [5, 6]);
    t.match(body.unmatched[0]!.reason, /amount/);
    t.match(await instalment1(a), { status: 'disbursed', paymentReference: 'BK-A1' });
    t.match(await instalment1(b), { status: 'disbursed', paymentReference: 'BK-B1' });
    t.equal((await instalment1(c)).status, 'failed', 'the returned payment failed');
    const claimC = (await h.app.commandService.loadClaim(c)).state;
    t.same(claimC.fund.queued, {}, 'no longer in the run');
    const after = await ledger();
    t.equal(after.claims[a]!.disbursed - (before.claims[a]?.disbursed ?? 0), 20_000_000, 'the ledger paid a');
    t.equal(after.claims[c]!.disbursed, 0, 'the return came back to the ledger');
    t.same(after.claims[a]!.instalments, [1]);
    t.same(after.claims[c]!.instalments, []);

    const again = await postXml(h, tk.finance, statement);
    t.equal(again.statusCode, 200);
    t.equal(again.json<{ imported: boolean }>().imported, false);
    t.equal((await events(h, claimStream(c))).filter((e) => e.type === 'PayoutFailed').length, 1, 'not returned twice');
    t.equal((await events(h, fundStream('RS', rsYear()))).filter((e) => e.type === 'FundsDisbursed' && e.data['claimId'] === a).length, 1, 'not paid twice');

    const stored = JSON.stringify(await events(h, `bankstatement-${body.statementId}`));
    for (const secret of ['Ilvarethe', 'Ondrabel', 'RS35908500103195847262', 'closed']) t.notOk(stored.includes(secret), `no ${secret} stored`);

    const resolved = await h.post(`/bank-statements/${body.statementId}/entries/6/resolution`, tk.finance, { note: 'Interest credited by the bank.' });
    t.equal(resolved.statusCode, 200, resolved.body);
    t.equal((await h.post(`/bank-statements/${body.statementId}/entries/6/resolution`, tk.finance, { note: 'again' })).json<{ code: string }>().code, 'already-resolved');
    t.equal((await h.post(`/bank-statements/${body.statementId}/entries/1/resolution`, tk.finance, { note: 'x' })).json<{ code: string }>().code, 'entry-matched');
  });

  t.test('the returned instalment paid by a second run', async (t) => {
    const second = await run([{ claimId: c, instalment: 1 }]);
    t.not(second.e2e(c), first.e2e(c), 'a new end-to-end id');
    const r = await postXml(h, tk.finance, camt053('2', [{ e2e: second.e2e(c), amount: '200000.00', ref: 'BK-C2' }]));
    t.equal(r.statusCode, 201, r.body);
    t.match(await instalment1(c), { status: 'disbursed', paymentReference: 'BK-C2' });
    const l = await ledger();
    t.equal(l.claims[c]!.disbursed, 20_000_000);
    t.same(l.claims[c]!.instalments, [1]);
  });
});
