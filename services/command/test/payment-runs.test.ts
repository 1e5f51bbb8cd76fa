import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import { pain001, type PaymentRunState } from '@cfund/domain';
import { allocateBudgets, daysAhead, payableClaim, startService, tokens, type Harness } from './helpers.ts';

// Payment runs through HTTP against the embedded store: prepared by one finance officer, released
// by another, each payment queued on its claim; the pain.001 file's digest recorded at release.


async function runEvents(h: Harness, runId: string) {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(`paymentrun-${runId}`)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
}


t.test('payment runs through HTTP', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  t.same(await allocateBudgets(h, tk.admin, 2_000_000_000), [200, 200], 'this year\'s and next year\'s budgets');
  const a = await payableClaim(h, tk, 'Ilvarethe Quonsbry');
  const b = await payableClaim(h, tk, 'Tomaszlin Vrey');
  // A week ahead: the first instalment (due today, or the next working day) is due by then, the second is not.
  const executionOn = daysAhead(7);

  t.test('prepared, refused where a claim would refuse, released by a second officer; the file digest recorded', async (t) => {
    const late = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 2 }] });
    t.equal(late.statusCode, 409, 'an instalment not due by the execution date');
    t.equal(late.json<{ code: string }>().code, 'not-yet-due');
    t.equal((await h.post('/payment-runs', tk.lawyer, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 1 }] })).statusCode, 403, 'a lawyer prepares no run');
    t.equal((await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 1, advance: 1 }] })).statusCode, 400);

    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 1 }, { claimId: b, instalment: 1 }] }, { 'idempotency-key': 'run-1' });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    t.equal(prepared.headers.location, `/payment-runs/${runId}`);
    const again = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 1 }, { claimId: b, instalment: 1 }] }, { 'idempotency-key': 'run-1' });
    t.equal(again.json<{ runId: string }>().runId, runId, 'a retry with the same key is the same run');
    t.same((await runEvents(h, runId)).map((e) => e.type), ['PaymentRunPrepared'], 'written once');

    const second = await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn, payments: [{ claimId: a, instalment: 1 }] });
    t.equal(second.json<{ code: string }>().code, 'payment-in-run', 'a payment in a run is in no other');
    const byHand = await h.post(`/claims/${a}/payouts/1/disbursement`, finance2, { paymentReference: 'PAY-X', earlyPayment: true });
    t.equal(byHand.json<{ code: string }>().code, 'payment-in-run', 'nor paid by hand');

    const self = await h.post(`/payment-runs/${runId}/release`, tk.finance, {});
    t.equal(self.statusCode, 403, 'who prepared it does not release it');
    t.equal((await h.post(`/payment-runs/${runId}/release`, tk.approver1, {})).statusCode, 403, 'an approver is no finance officer');
    const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
    t.equal(released.statusCode, 200, released.body);
    const { fileSha256 } = released.json<{ fileSha256: string }>();
    t.equal((await h.post(`/payment-runs/${runId}/release`, finance2, {})).json<{ code: string }>().code, 'run-released', 'released once');
    t.equal((await h.post(`/payment-runs/${runId}/cancellation`, tk.finance, { reason: 'x' })).json<{ code: string }>().code, 'run-released', 'the bank has it');

    // The file, produced again from the stored run and the payees' details, has the digest recorded.
    const events = await runEvents(h, runId);
    const prep = events[0]!.data as unknown as Extract<PaymentRunState, object> & { items: PaymentRunState['items']; executionOn: string };
    const rel = events[1]!.data as { messageId: string; releasedAt: string; debtor: { name: string; iban: string; bic: string }; fileSha256: string };
    t.equal(rel.fileSha256, fileSha256);
    const payees = await Promise.all(prep.items.map((i) => h.protector.decryptPersonalData(i.victimRef, i.payeeDetails)));
    const file = pain001({ messageId: rel.messageId, createdAt: rel.releasedAt, runId, executionOn: prep.executionOn, debtor: rel.debtor, items: prep.items, payees: payees as never });
    t.equal(createHash('sha256').update(file, 'utf8').digest('hex'), fileSha256, 'the file is reproducible from what is stored');
    const raw = JSON.stringify(events);
    t.notOk(raw.includes('Ilvarethe') || raw.includes('RS35908500103195847262'), 'no payee name or IBAN in the run\'s events');

    // What the bank receives: two transfers, the total, the payees and the claim's reference, never the victim's name.
    const doc = new XMLParser({ ignoreAttributes: false }).parse(file) as { Document: { '@_xmlns': string; CstmrCdtTrfInitn: { GrpHdr: Record<string, unknown>; PmtInf: Record<string, unknown> & { CdtTrfTxInf: Record<string, unknown>[] } } } };
    t.equal(doc.Document['@_xmlns'], 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
    const { GrpHdr, PmtInf } = doc.Document.CstmrCdtTrfInitn;
    t.match(GrpHdr, { MsgId: rel.messageId, NbOfTxs: 2, CtrlSum: 400000 });
    t.match(PmtInf, { PmtMtd: 'TRF', ReqdExctnDt: { Dt: executionOn }, DbtrAcct: { Id: { IBAN: 'RS35260005601001611379' } } });
    t.match(PmtInf.CdtTrfTxInf[0], { Amt: { InstdAmt: { '#text': 200000, '@_Ccy': 'RSD' } }, Cdtr: { Nm: 'Ilvarethe Quonsbry' }, CdtrAcct: { Id: { IBAN: 'RS35908500103195847262' } } });
    t.match(String((PmtInf.CdtTrfTxInf[0] as { RmtInf: { Ustrd: string } }).RmtInf.Ustrd), /^RS-\d{4}-[0-9A-F]{8} instalment 1$/);
  });

  t.test('an approver of an award who is also a finance officer does not release a run paying it (issue 18)', async (t) => {
    const c = await payableClaim(h, tk, 'Oskarine Plume');
    // approver-1 approved the award of c (payableClaim) and now holds the finance role as well.
    const approverInFinance = await h.token('approver-1', ['fund-approver', 'fund-finance']);
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: c, instalment: 1 }] });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    const claimBefore = await h.app.commandService.loadClaim(c);
    const refused = await h.post(`/payment-runs/${runId}/release`, approverInFinance, {});
    t.equal(refused.statusCode, 403, refused.body);
    t.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    t.match(refused.json(), { code: 'four-eyes', status: 403, detail: /approver of an award/ }, 'the refusal says why');
    t.same((await runEvents(h, runId)).map((e) => e.type), ['PaymentRunPrepared'], 'the run is still only prepared');
    const claimAfter = await h.app.commandService.loadClaim(c);
    t.equal(String(claimAfter.revision), String(claimBefore.revision), 'the claim is unchanged');
    t.match(claimAfter.state.fund.queued, { 'instalment-1': { runId } }, 'its instalment still queued in the run');
    const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
    t.equal(released.statusCode, 200, `a finance officer who approved nothing in it releases it: ${released.body}`);
  });

  t.test('a cancelled run lets its payments go: into another run, or paid by hand', async (t) => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: [{ claimId: b, instalment: 2 }] });
    t.equal(prepared.json<{ code: string }>().code, 'not-yet-due');
    const run = await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn: nextMonth(), payments: [{ claimId: a, instalment: 2 }] });
    t.equal(run.statusCode, 201, run.body);
    const { runId } = run.json<{ runId: string }>();
    t.equal((await h.post(`/claims/${a}/payee`, tk.lawyer, { kind: 'guardian', payee: { name: 'X Y', iban: 'ME25505000012345678951' } })).json<{ code: string }>().code,
      'payment-in-run', 'no change of payee while a payment is in a run');
    const cancelled = await h.post(`/payment-runs/${runId}/cancellation`, tk.finance, { reason: 'The execution date must move.' });
    t.equal(cancelled.statusCode, 200, cancelled.body);
    t.same((await runEvents(h, runId)).map((e) => e.type), ['PaymentRunPrepared', 'PaymentRunCancelled']);
    t.equal((await h.post(`/payment-runs/${runId}/release`, tk.finance, {})).json<{ code: string }>().code, 'run-cancelled');
    const again = await h.post(`/payment-runs/${runId}/cancellation`, tk.finance, { reason: 'again' });
    t.equal(again.statusCode, 200, 'cancelling again finishes what a crash may have left (nothing here)');
    const paid = await h.post(`/claims/${a}/payouts/2/disbursement`, finance2, { paymentReference: 'PAY-A-2', earlyPayment: true });
    t.equal(paid.statusCode, 200, `out of the run, the instalment can be paid: ${paid.body}`);
  });
});

const nextMonth = () => daysAhead(40);
