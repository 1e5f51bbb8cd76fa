import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { camt053 } from '../../command/test/helpers.ts';
import { RSD, appliedClaim, assess, get, rsYear, startHarness, startProjection, step, tokens, type Harness, type Tokens } from './helpers.ts';

// The payment path of issue 18 end to end through HTTP (the command service and the projection on
// one embedded store): awards approved in two instalments; a payment run prepared by one finance
// officer and released by another; its pain.001 file downloaded; a camt.053 statement that books
// two of its transfers and returns the third (never booked: rejected by the bank); a second run
// that picks the returned instalment up from the finance queue, released and booked. After each
// step the claim (command side), the fund ledger (command side) and the read model (claim detail,
// ledger view, run rows) are compared with what they must be, in minor units.

const AWARD = 40_000_000;
const INSTALMENT = 20_000_000;
const belgrade = (offsetDays = 0) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + offsetDays * 86_400_000));

/** Assessed at RSD 400,000.00 (one approver in RS), approved, served, scheduled in two monthly instalments from today, with a payee. */
async function awardInInstalments(h: Harness, tk: Tokens, payee: string): Promise<string> {
  const id = await appliedClaim(h, tk);
  await step(h, id, 'payee', tk.lawyer, { kind: 'victim', payee: { name: payee, iban: 'RS35 9085 0010 3195 8472 62' } });
  await assess(h, id, tk, AWARD);
  await step(h, id, 'approvals', tk.approver1, {});
  await step(h, id, 'decision-notice', tk.approver1, { servedAt: new Date(Date.now() - 3_600_000).toISOString() });
  await step(h, id, 'payout-schedule', tk.finance, { instalments: 2, firstDueOn: belgrade(), intervalMonths: 1 });
  return id;
}

/** What an instalment must be: its status, the run holding it (null: none), the bank's reference once paid, the bank's reason once failed. */
interface Instalment { status: 'due' | 'disbursed' | 'failed'; runId: string | null; paymentReference?: string; failure?: RegExp }

type Detail = {
  status: string; money: { awarded: number; paid: number; outstanding: number };
  fund: { instalments: { number: number; amount: { amountMinor: number }; dueOn: string; status: string; paymentReference: string | null; runId: string | null; failure: { reason: string } | null }[] };
};
type LedgerRow = { claimId: string; committedMinor: number; releasedMinor: number; disbursedMinor: number; outstandingMinor: number; instalmentsPaid: number[] };
type RunView = { status: string; total: { amountMinor: number }; payable: number; released?: { by: string; fileSha256: string }; payments: { claimId: string; payment: { number: number }; amount: { amountMinor: number }; endToEndId: string; bankOutcome: string | null }[] };

t.test('an award paid in instalments through two payment runs and two bank statements (issue 18)', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  const year = rsYear();
  for (const y of [year, year + 1]) t.equal((await h.post(`/funds/RS/${y}/budget`, tk.admin, { amount: RSD(1_000_000_000) })).statusCode, 200);
  const a = await awardInInstalments(h, tk, 'Ilvarethe Quonsbry');
  const b = await awardInInstalments(h, tk, 'Tomaszlin Vrey');
  const c = await awardInInstalments(h, tk, 'Oskarine Plume');
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const service = h.command.commandService;

  /** What this year's ledger holds of a claim's award: its instalments due this year (one due in a later year is committed in that year's). */
  const tiedThisYear = async (id: string) => (await service.loadClaim(id)).state.fund.instalments
    .filter((i) => Number(i.dueOn.slice(0, 4)) === year).reduce((s, i) => s + i.amount.amountMinor, 0);

  /** The claim, the ledger and the read model agree with `expected` (instalment 1; instalment 2 stays due and in no run). */
  const agree = async (t: Test, id: string, expected: Instalment, label: string) => {
    await h.catchUp();
    const paid = expected.status === 'disbursed' ? INSTALMENT : 0;
    const second: Instalment = { status: 'due', runId: null };
    // The claim, as the command side decides with it.
    const { state } = await service.loadClaim(id);
    t.equal(state.status, 'scheduled', `${label}: the claim is scheduled (not all paid)`);
    t.same(state.fund.instalments.map((i) => i.amount.amountMinor), [INSTALMENT, INSTALMENT], `${label}: the instalments add up to the net award`);
    for (const [n, e] of [[1, expected], [2, second]] as const) {
      const i = state.fund.instalments[n - 1]!;
      t.equal(i.status, e.status, `${label}: instalment ${n} ${e.status} on the claim`);
      t.equal(state.fund.queued[`instalment-${n}`]?.runId ?? null, e.runId, `${label}: instalment ${n} queued in ${e.runId ?? 'no run'} on the claim`);
      if (e.paymentReference) t.equal(i.paymentReference, e.paymentReference);
      if (e.failure) t.match(i.failure, { reason: e.failure });
    }
    // The fund's ledger on the command side: the award committed in its year, what falls due in
    // the next year released there and committed in that year's ledger; instalment 1 paid or not.
    const tied = await tiedThisYear(id);
    const ledger = (await service.loadLedger('RS', year)).claims[id]!;
    t.match(ledger, { committed: AWARD, released: AWARD - tied, disbursed: paid }, `${label}: the ledger ties ${tied} this year and has paid ${paid}`);
    t.same([...ledger.instalments], paid ? [1] : [], `${label}: the ledger's paid instalments`);
    const later = (await service.loadLedger('RS', year + 1)).claims[id];
    t.equal(later ? later.committed - later.released : 0, AWARD - tied, `${label}: the next year's ledger ties the rest`);
    // The read model: the claim's detail and the ledger's view.
    const detail = (await get(app, `/claims/${id}`, tk.finance)).json<Detail>();
    t.match(detail, { status: 'scheduled', money: { awarded: AWARD, paid, outstanding: AWARD - paid } }, `${label}: the claim view's money`);
    for (const [n, e] of [[1, expected], [2, second]] as const) {
      const i = detail.fund.instalments[n - 1]!;
      t.match(i, { number: n, amount: { amountMinor: INSTALMENT }, status: e.status, runId: e.runId, ...(e.paymentReference ? { paymentReference: e.paymentReference } : {}) },
        `${label}: instalment ${n} in the claim view`);
      if (e.failure) t.match(i.failure, { reason: e.failure }, `${label}: the claim view shows the bank's reason`);
      else t.equal(i.failure, null);
    }
    const row = (await get(app, `/funds/RS/${year}`, tk.admin)).json<{ claims: LedgerRow[] }>().claims.find((r) => r.claimId === id);
    t.match(row, { committedMinor: AWARD, releasedMinor: AWARD - tied, disbursedMinor: paid, outstandingMinor: tied - paid, instalmentsPaid: paid ? [1] : [] }, `${label}: the ledger view`);
  };
  const runView = async (runId: string) => (await get(app, `/payment-runs/${runId}`, tk.finance)).json<RunView>();
  const runRow = async (runId: string) => (await get(app, '/payment-runs', tk.finance)).json<{ items: { runId: string; status: string; payments: number; total: { amountMinor: number } }[] }>()
    .items.find((r) => r.runId === runId);
  const importStatement = async (xml: string) => {
    const r = await h.command.inject({ method: 'POST', url: '/bank-statements', payload: xml, headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' } });
    t.equal(r.statusCode, 201, r.body);
    return r.json<{ counts: Record<string, number> }>().counts;
  };
  /** The transfers of a bank file: end-to-end id, amount and remittance text, in order. */
  const transfers = (xml: string) => [...xml.matchAll(/<CdtTrfTxInf><PmtId><EndToEndId>([^<]+)<\/EndToEndId><\/PmtId><Amt><InstdAmt Ccy="(\w+)">([\d.]+)<\/InstdAmt><\/Amt>.*?<Ustrd>([^<]+)<\/Ustrd><\/RmtInf><\/CdtTrfTxInf>/g)]
    .map(([, e2e, ccy, amount, remittance]) => ({ e2e, ccy, amount, remittance }));
  const publicReference = async (id: string) => (await service.loadClaim(id)).state.publicReference;

  for (const id of [a, b, c]) await agree(t, id, { status: 'due', runId: null }, 'approved and scheduled');

  // ---- the first run ----
  const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: belgrade(7), payments: [a, b, c].map((claimId) => ({ claimId, instalment: 1 })) });
  t.equal(prepared.statusCode, 201, prepared.body);
  const run1 = prepared.json<{ runId: string }>().runId;
  await h.catchUp();
  for (const id of [a, b, c]) await agree(t, id, { status: 'due', runId: run1 }, 'in the prepared run');
  t.match(await runView(run1), { status: 'prepared', total: { amountMinor: 3 * INSTALMENT }, payable: 3, payments: [a, b, c].map((claimId) => ({ claimId, payment: { number: 1 }, amount: { amountMinor: INSTALMENT }, bankOutcome: null })) });
  t.match(await runRow(run1), { status: 'prepared', payments: 3, total: { amountMinor: 3 * INSTALMENT } }, 'the list of runs');
  t.equal((await get(app, `/payment-runs/${run1}/pain.001`, tk.finance)).statusCode, 409, 'no bank file before the release');

  const released = await h.post(`/payment-runs/${run1}/release`, finance2, {});
  t.equal(released.statusCode, 200, released.body);
  const { fileSha256 } = released.json<{ fileSha256: string }>();
  for (const id of [a, b, c]) await agree(t, id, { status: 'due', runId: run1 }, 'in the released run');
  const view1 = await runView(run1);
  t.match(view1, { status: 'released', released: { by: 'finance-2', fileSha256 } });
  t.match(await runRow(run1), { status: 'released' });

  // ---- the bank file ----
  const file = await get(app, `/payment-runs/${run1}/pain.001`, tk.finance);
  t.equal(file.statusCode, 200, file.body);
  t.equal(createHash('sha256').update(file.rawPayload).digest('hex'), fileSha256, 'the file released, byte for byte');
  t.match(file.body, /<GrpHdr>.*<NbOfTxs>3<\/NbOfTxs><CtrlSum>600000\.00<\/CtrlSum>/, 'three transfers, RSD 600,000.00 in all');
  const e2e = view1.payments.map((p) => p.endToEndId);
  t.same(transfers(file.body), await Promise.all([a, b, c].map(async (id, i) => ({ e2e: e2e[i], ccy: 'RSD', amount: '200000.00', remittance: `${await publicReference(id)} instalment 1` }))),
    'each transfer: the run\'s end-to-end id, RSD 200,000.00 (20,000,000 minor units) and the claim\'s reference');
  t.equal(new Set(e2e).size, 3, 'one end-to-end id per payment');

  // ---- the statement: two booked, one returned without a booking ----
  t.same(await importStatement(camt053('PATH-1', [
    { e2e: e2e[0], amount: '200000.00', ref: 'BK-A1' },
    { e2e: e2e[1], amount: '200000.00', ref: 'BK-B1' },
    { e2e: e2e[2], amount: '200000.00', dir: 'CRDT', ref: 'BK-C1R', returnCode: 'AC04', creditor: 'Oskarine Plume' },
  ])), { paid: 2, returned: 1, unmatched: 0, notBooked: 0 });
  await agree(t, a, { status: 'disbursed', runId: null, paymentReference: 'BK-A1' }, 'a: booked');
  await agree(t, b, { status: 'disbursed', runId: null, paymentReference: 'BK-B1' }, 'b: booked');
  await agree(t, c, { status: 'failed', runId: null, failure: /AC04.*BK-C1R/ }, 'c: returned');
  const cEvents: string[] = [];
  for await (const e of h.env.eventStore.readStream(`claim-${c}`)) cEvents.push(e.event!.type);
  t.same(cEvents.slice(-2), ['PaymentUnqueued', 'PayoutFailed'], 'the return left its run and recorded a payout failure');
  t.same((await runView(run1)).payments.map((p) => p.bankOutcome), ['paid', 'paid', 'returned'], 'the run\'s rows: what the bank did');

  // ---- the second run picks the returned instalment up from the finance queue ----
  type Task = { task: string; claimId: string; instalment?: number; runId?: string | null };
  const queue = (await get(app, '/work-queue', tk.finance)).json<{ items: Task[] }>().items.filter((i) => [a, b, c].includes(i.claimId) && i.instalment === 1);
  t.same(queue.map(({ task, claimId, runId }) => ({ task, claimId, runId })), [{ task: 'retry-instalment', claimId: c, runId: null }], 'only the returned instalment is to pay');
  const again = await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn: belgrade(9), payments: queue.map(({ claimId, instalment }) => ({ claimId, instalment })) });
  t.equal(again.statusCode, 201, again.body);
  const run2 = again.json<{ runId: string }>().runId;
  await agree(t, c, { status: 'failed', runId: run2, failure: /AC04/ }, 'c: in the second run');
  t.equal((await h.post(`/payment-runs/${run2}/release`, finance2, {})).statusCode, 403, 'who prepared the second run does not release it');
  const released2 = await h.post(`/payment-runs/${run2}/release`, tk.finance, {});
  t.equal(released2.statusCode, 200, released2.body);
  const view2 = await runView(run2);
  t.match(view2, { status: 'released', total: { amountMinor: INSTALMENT }, payable: 1, released: { by: 'finance-1' }, payments: [{ claimId: c, bankOutcome: null }] });
  const e2eAgain = view2.payments[0]!.endToEndId;
  t.not(e2eAgain, e2e[2], 'paid again under a new end-to-end id');
  const file2 = await get(app, `/payment-runs/${run2}/pain.001`, tk.finance);
  t.same(transfers(file2.body), [{ e2e: e2eAgain, ccy: 'RSD', amount: '200000.00', remittance: `${await publicReference(c)} instalment 1` }], 'the second file pays it once');

  t.same(await importStatement(camt053('PATH-2', [{ e2e: e2eAgain, amount: '200000.00', ref: 'BK-C1' }])), { paid: 1, returned: 0, unmatched: 0, notBooked: 0 });
  await agree(t, c, { status: 'disbursed', runId: null, paymentReference: 'BK-C1', failure: /AC04/ }, 'c: booked by the second run');
  await agree(t, a, { status: 'disbursed', runId: null, paymentReference: 'BK-A1' }, 'a: unchanged');
  t.same((await runView(run2)).payments.map((p) => p.bankOutcome), ['paid']);
  t.same((await runView(run1)).payments.map((p) => p.bankOutcome), ['paid', 'paid', 'returned'], 'the first run\'s rows still say returned');
  const fund = (await get(app, `/funds/RS/${year}`, tk.admin)).json<{ disbursedMinor: number; claims: LedgerRow[] }>();
  t.equal(fund.disbursedMinor, 3 * INSTALMENT, 'the year paid each first instalment once');
  const commandLedger = await service.loadLedger('RS', year);
  t.equal(Object.values(commandLedger.claims).reduce((s, f) => s + f.disbursed, 0), 3 * INSTALMENT, 'and so does the command side\'s ledger');
});
