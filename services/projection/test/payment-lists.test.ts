import t from 'tap';
import { paymentRunStream } from '@cfund/contracts';
import { camt053 } from '../../command/test/helpers.ts';
import { RSD, allocateBudget, appliedClaim, get, readAllEnvelopes, rsYear, startHarness, startProjection, step, tokens, type Harness } from './helpers.ts';

// What a finance officer sees of payments beyond the instalments due:
// - an approved advance in the work queue (its masked account, then the run holding it), prepared
//   in a run, released by a second officer and paid by a camt.053 statement: the claim, the ledger
//   and the read model agree, and the advance leaves the queue;
// - the payment runs and the imported bank statements of their jurisdictions, newest first, paged
//   and filtered; nobody else lists them (403 problem+json).

const daysAhead = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + days * 86_400_000));

type Item = { task: string; claimId: string; advance?: number; instalment?: number; amount?: { amountMinor: number }; maskedAccount?: string | null; runId?: string | null };

async function runItems(h: Harness, runId: string): Promise<{ claimId: string; endToEndId: string }[]> {
  const prepared = (await readAllEnvelopes(h.env.eventStore)).find((e) => e.streamId === paymentRunStream(runId) && e.type === 'PaymentRunPrepared');
  return (prepared!.data as { items: { claimId: string; endToEndId: string }[] }).items;
}

t.test('advances due, payment runs and bank statements', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  await allocateBudget(h, tk, rsYear());
  // An applied claim: its payee is in force at once (nobody approved anything of it yet), then an advance is approved.
  const a = await appliedClaim(h, tk);
  await step(h, a, 'payee', tk.lawyer, { kind: 'victim', payee: { name: 'Ilvarethe Quonsbry', iban: 'RS35 9085 0010 3195 8472 62' } });
  await step(h, a, 'advance-payments', tk.approver1, { amount: RSD(10_000_000), reason: 'urgent medical costs' });
  // Another claim's advance without a payee: listed, but no run can pay it yet.
  const b = await appliedClaim(h, tk);
  await step(h, b, 'advance-payments', tk.approver1, { amount: RSD(5_000_000), reason: 'shelter' });
  const app = await startProjection(h);
  t.teardown(() => app.close());
  await h.catchUp();

  const queue = async (token = tk.finance) => (await get(app, '/work-queue', token)).json<{ items: Item[] }>().items.filter((i) => i.task === 'pay-advance');
  let advances = await queue();
  t.match(advances.find((i) => i.claimId === a), { advance: 1, amount: { amountMinor: 10_000_000 }, maskedAccount: /^RS35 \*+ ?\d+/, runId: null }, 'the approved advance, its masked account');
  t.match(advances.find((i) => i.claimId === b), { advance: 1, amount: { amountMinor: 5_000_000 }, maskedAccount: null, runId: null }, 'an advance without a payee');
  t.notOk(JSON.stringify(advances).includes('RS35908500103195847262'), 'never the whole account');
  t.same(await queue(await h.token('finance-me', ['fund-finance'], ['ME'])), [], 'finance of another jurisdiction sees none');
  t.same(await queue(tk.approver2), [], 'nor does an approver');

  const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(3), payments: [{ claimId: a, advance: 1 }] });
  t.equal(prepared.statusCode, 201, prepared.body);
  const { runId } = prepared.json<{ runId: string }>();
  await h.catchUp();
  t.match((await queue()).find((i) => i.claimId === a), { runId }, 'the run that holds it');
  t.equal((await h.post(`/payment-runs/${runId}/release`, tk.approver1, {})).statusCode, 403, 'its approver releases nothing');
  const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
  t.equal(released.statusCode, 200, released.body);

  const [item] = await runItems(h, runId);
  const statement = camt053('ADV', [
    { e2e: item!.endToEndId, amount: '100000.00', ref: 'BK-ADV-1' },
    { amount: '5000.00', dir: 'CRDT', ref: 'BK-IN-1' },
  ]);
  const imported = await h.command.inject({ method: 'POST', url: '/bank-statements', payload: statement, headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' } });
  t.equal(imported.statusCode, 201, imported.body);
  const { statementId } = imported.json<{ statementId: string }>();
  await h.catchUp();

  advances = await queue();
  t.notOk(advances.some((i) => i.claimId === a), 'a paid advance leaves the queue');
  t.ok(advances.some((i) => i.claimId === b), 'the other one waits');
  t.match((await get(app, `/claims/${a}`, tk.finance)).json(), { paidMinor: 10_000_000, money: { paid: 10_000_000 } }, 'the claim counts it paid');
  const ledger = (await get(app, `/funds/RS/${rsYear()}`, tk.admin)).json<{ disbursedMinor: number; claims: { claimId: string; disbursedMinor: number; advancesPaid: number[] }[] }>();
  t.match(ledger.claims.find((c) => c.claimId === a), { disbursedMinor: 10_000_000, advancesPaid: [1] }, 'the ledger disbursed it, once');
  t.equal(ledger.disbursedMinor, 10_000_000);
  const command = await h.command.commandService.loadClaim(a);
  t.match(command.state.fund.advances[0], { status: 'disbursed', paymentReference: 'BK-ADV-1' }, 'the claim itself agrees');

  // A second run, prepared later and cancelled: the list is newest first, and filters by status.
  h.clock.advance(60_000);
  const setPayee = await h.post(`/claims/${b}/payee`, tk.lawyer, { kind: 'victim', payee: { name: 'Tomaszlin Vrey', iban: 'RS35 9085 0010 3195 8472 62' } });
  t.equal(setPayee.statusCode, 200, setPayee.body);
  await step(h, b, 'payee-confirmation', tk.finance, { change: 1 });
  const second = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(4), payments: [{ claimId: b, advance: 1 }] });
  t.equal(second.statusCode, 201, second.body);
  const secondId = second.json<{ runId: string }>().runId;
  t.equal((await h.post(`/payment-runs/${secondId}/cancellation`, tk.finance, { reason: 'prepared twice by mistake' })).statusCode, 200);
  await h.catchUp();

  type Runs = { items: { runId: string; status: string; total: { amountMinor: number; currency: string }; payments: number; preparedBy: string; releasedBy: string | null }[]; total: number };
  const runs = await get(app, '/payment-runs', tk.finance);
  t.equal(runs.statusCode, 200, runs.body);
  t.equal(runs.headers['cache-control'], 'no-store');
  t.match(runs.json<Runs>(), {
    total: 2,
    items: [
      { runId: secondId, status: 'cancelled', total: { amountMinor: 5_000_000, currency: 'RSD' }, payments: 1 },
      { runId, status: 'released', total: { amountMinor: 10_000_000 }, preparedBy: 'finance-1', releasedBy: 'finance-2' },
    ],
  }, 'newest first, with status, total and who');
  t.notOk(runs.body.includes('Quonsbry') || runs.body.includes('RS35908500103195847262') || runs.body.includes('ciphertext'), 'no payee in the list');
  t.same((await get(app, '/payment-runs?status=released', tk.finance)).json<Runs>().items.map((r) => r.runId), [runId], 'by status');
  t.same((await get(app, '/payment-runs?limit=1&offset=1', tk.finance)).json<Runs>().items.map((r) => r.runId), [runId], 'a page at a time');
  t.equal((await get(app, '/payment-runs?jurisdiction=RS', tk.admin)).json<Runs>().total, 2, 'a fund admin lists them');
  t.equal((await get(app, '/payment-runs', tk.auditor)).json<Runs>().total, 2, 'an auditor of the jurisdiction too');
  const financeMe = await h.token('finance-me', ['fund-finance'], ['ME']);
  t.equal((await get(app, '/payment-runs', financeMe)).json<Runs>().total, 0, 'finance of another jurisdiction lists none of them');
  for (const [who, token, url] of [['a lawyer', tk.lawyer, '/payment-runs'], ['an assessor', tk.assessor, '/payment-runs'], ['another jurisdiction', financeMe, '/payment-runs?jurisdiction=RS']] as const) {
    const refused = await get(app, url, token);
    t.equal(refused.statusCode, 403, `${who}: 403`);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
  }
  t.equal((await get(app, '/payment-runs?status=paid', tk.finance)).statusCode, 400, 'an unknown status is refused');

  type Statements = { items: { statementId: string; state: string; entryCount: number; counts: Record<string, number>; unresolved: number; importedBy: string }[]; total: number };
  const statements = await get(app, '/bank-statements', tk.finance);
  t.equal(statements.statusCode, 200, statements.body);
  t.match(statements.json<Statements>(), {
    total: 1, items: [{ statementId, state: 'unresolved', entryCount: 2, counts: { paid: 1, returned: 0, unmatched: 1, notBooked: 0 }, unresolved: 1, importedBy: 'finance-1' }],
  }, 'the statement, its counts and the entry left to resolve');
  t.equal((await get(app, '/bank-statements?state=settled', tk.finance)).json<Statements>().total, 0);
  const resolved = await h.post(`/bank-statements/${statementId}/entries/2/resolution`, tk.finance, { note: 'Interest credited by the bank.' });
  t.equal(resolved.statusCode, 200, resolved.body);
  await h.catchUp();
  t.match((await get(app, '/bank-statements?state=settled', tk.auditor)).json<Statements>(), { total: 1, items: [{ statementId, unresolved: 0 }] }, 'settled once resolved');
  t.equal((await get(app, '/bank-statements', tk.lawyer)).statusCode, 403, 'a lawyer lists no statement');
  t.equal((await get(app, '/bank-statements?jurisdiction=RS', financeMe)).statusCode, 403, 'nor finance of another jurisdiction');

  // A rebuild from the events gives the same rows as applying them one by one.
  const before = h.store.digest();
  const rebuilt = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${await h.token('ops', ['operator'])}` } });
  t.equal(rebuilt.statusCode, 200, rebuilt.body);
  t.equal(h.store.digest(), before, 'a rebuild gives the same rows');
  t.equal((await get(app, '/payment-runs', tk.finance)).json<Runs>().total, 2, 'and the same lists');
});
