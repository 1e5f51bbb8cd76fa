import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import { parseEvent, type Money, type PaymentRunEvent } from '@cfund/contracts';
import { decimalAmount, pain001, paymentRunDecider, paymentsOfRun } from '@cfund/domain';
import { allocateBudgets, camt053, daysAhead, payableClaim, RSD, startService, tokens, type Harness } from './helpers.ts';

// Voiding a payment of a prepared run through HTTP against the embedded store: the run pays the
// rest, the claim's payment is collectable again and a later run pays it under a new end-to-end id;
// what a crash between the run's write and the claim's leaves is finished by a retry or the release.

async function events(h: Harness, stream: string) {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(stream)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
}

async function runState(h: Harness, runId: string) {
  let s = paymentRunDecider.initialState();
  for (const e of await events(h, `paymentrun-${runId}`)) s = paymentRunDecider.evolve(s, parseEvent(e.type, e.data) as PaymentRunEvent);
  return s;
}

const lastOf = async (h: Harness, claimId: string) => (await events(h, `claim-${claimId}`)).at(-1)!;
const code = (r: { json<T>(): T }) => r.json<{ code: string }>().code;
const reason = 'The payee\'s account is to be confirmed with the bank first.';

t.test('voiding a payment of a run before its release', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  t.same(await allocateBudgets(h, tk.admin, 2_000_000_000), [200, 200], 'this year\'s and next year\'s budgets');
  const a = await payableClaim(h, tk, 'Ilvarethe Quonsbry');
  const b = await payableClaim(h, tk, 'Tomaszlin Vrey');
  const c = await payableClaim(h, tk, 'Orsolvane Dreck');

  t.test('the run pays the rest, released by a second officer; the voided payment goes into a later run under a new id', async (t) => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: [{ claimId: a, instalment: 1 }, { claimId: b, instalment: 1 }] });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId, total } = prepared.json<{ runId: string; total: Money }>();
    const url = `/payment-runs/${runId}/voided-payments`;

    const lawyer = await h.post(url, tk.lawyer, { claimId: b, instalment: 1, reason });
    t.equal(lawyer.statusCode, 403, 'a lawyer voids nothing');
    t.match(lawyer.headers['content-type'], /application\/problem\+json/);
    t.equal((await h.post(url, await h.token('finance-me', ['fund-finance'], ['ME']), { claimId: b, instalment: 1, reason })).statusCode, 403, 'nor a finance officer of another jurisdiction');
    t.equal((await h.post(url, tk.finance, { claimId: b, instalment: 1, advance: 1, reason })).statusCode, 400, 'an instalment or an advance');
    const absent = await h.post(url, tk.finance, { claimId: b, instalment: 2, reason });
    t.equal(absent.statusCode, 409);
    t.equal(code(absent), 'payment-not-in-run');

    const voided = await h.post(url, tk.finance, { claimId: b, instalment: 1, reason });
    t.equal(voided.statusCode, 200, voided.body);
    const half = total.amountMinor / 2;
    t.match(voided.json(), { runId, events: ['PaymentVoided'], total: { amountMinor: half, currency: 'RSD' }, payments: 1 }, 'the run\'s total shrinks');
    t.match(await lastOf(h, b), { type: 'PaymentUnqueued', data: { runId, payment: { kind: 'instalment', number: 1 }, reason: 'voided' } }, 'off its claim\'s queue');
    t.same((await h.post(url, tk.finance, { claimId: b, instalment: 1, reason })).json<{ events: string[] }>().events, [], 'voiding it again writes nothing');
    t.equal(code(await h.post(url, tk.finance, { claimId: a, instalment: 1, reason })), 'last-payment', 'the last payment: cancel the run instead');

    t.equal((await h.post(`/payment-runs/${runId}/release`, tk.finance, {})).statusCode, 403, 'who prepared it still does not release it');
    t.equal((await h.post(`/payment-runs/${runId}/release`, tk.approver1, {})).statusCode, 403, 'nor an approver');
    const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
    t.equal(released.statusCode, 200, released.body);
    t.equal(code(await h.post(url, tk.finance, { claimId: a, instalment: 1, reason })), 'run-released', 'the bank has it: nothing is voided');

    // The file released pays one transfer: claim a's.
    const run = await runState(h, runId);
    const items = paymentsOfRun(run);
    const payees = await Promise.all(items.map((i) => h.protector.decryptPersonalData(i.victimRef, i.payeeDetails)));
    const file = pain001({ messageId: run.released!.messageId, createdAt: run.released!.at, runId, executionOn: run.executionOn!, debtor: run.released!.debtor, items, payees: payees as never });
    t.equal(createHash('sha256').update(file, 'utf8').digest('hex'), released.json<{ fileSha256: string }>().fileSha256, 'the file released is the one of the payments left');
    const doc = new XMLParser({ isArray: (name) => name === 'CdtTrfTxInf' }).parse(file) as { Document: { CstmrCdtTrfInitn: { GrpHdr: Record<string, unknown>; PmtInf: Record<string, unknown> & { CdtTrfTxInf: { Cdtr: { Nm: string } }[] } } } };
    const { GrpHdr, PmtInf } = doc.Document.CstmrCdtTrfInitn;
    t.match(GrpHdr, { NbOfTxs: 1, CtrlSum: Number(decimalAmount(RSD(half))) }, 'one transfer, the control sum without the voided one');
    t.match(PmtInf, { NbOfTxs: 1, CtrlSum: Number(decimalAmount(RSD(half))) });
    t.same(PmtInf.CdtTrfTxInf.map((x) => x.Cdtr.Nm), ['Ilvarethe Quonsbry']);
    t.notOk(file.includes('Tomaszlin'), 'the voided payee is not in the file');

    // Reissued: a later run pays it under a new end-to-end id; the old id pays nothing.
    const oldId = run.items.find((i) => i.claimId === b)!.endToEndId;
    const later = await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: [{ claimId: b, instalment: 1 }] });
    t.equal(later.statusCode, 201, later.body);
    const laterRun = await runState(h, later.json<{ runId: string }>().runId);
    const newId = laterRun.items[0]!.endToEndId;
    t.not(newId, oldId, 'a new end-to-end id');
    t.equal((await h.post(`/payment-runs/${laterRun.runId}/release`, tk.finance, {})).statusCode, 200);
    const amount = decimalAmount(RSD(half));
    const imported = await h.app.inject({
      method: 'POST', url: '/bank-statements', headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' },
      payload: camt053('void-1', [{ e2e: oldId, amount, ref: 'BK-OLD' }, { e2e: newId, amount, ref: 'BK-NEW' }]),
    });
    t.equal(imported.statusCode, 201, imported.body);
    t.match(imported.json(), { counts: { paid: 1, unmatched: 1 }, unmatched: [{ entry: 1, reason: /voided/ }] }, 'the voided id is listed for a person, never paid');
    const paid = (await events(h, `claim-${b}`)).filter((e) => e.type === 'PayoutDisbursed');
    t.match(paid, [{ data: { instalment: 1, paymentReference: 'BK-NEW', endToEndId: newId } }], 'paid once, by the later run');
  });

  t.test('a crash between the run\'s write and the claim\'s: a retry or the release finishes it, nothing is paid twice', async (t) => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(40), payments: [a, b, c].map((claimId) => ({ claimId, instalment: 2 })) });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    // What a crash right after the run's write leaves: the payment voided in the run, still queued on its claim.
    const crashed = (claimId: string) => h.app.commandService.paymentRunCommand(runId, { principal: { sub: 'finance-1', roles: ['fund-finance'], jurisdictions: ['RS'] }, correlationId: 'crash' }, {
      type: 'VoidPayment', actor: { sub: 'finance-1', roles: ['fund-finance'] }, at: new Date().toISOString(), data: { claimId, payment: { kind: 'instalment', number: 2 }, reason },
    });
    await crashed(b);
    t.match(await lastOf(h, b), { type: 'PaymentQueued' }, 'the claim still holds it for the run');
    t.equal(code(await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn: daysAhead(40), payments: [{ claimId: b, instalment: 2 }] })), 'payment-in-run',
      'meanwhile no other run takes it');
    const retry = await h.post(`/payment-runs/${runId}/voided-payments`, tk.finance, { claimId: b, instalment: 2, reason });
    t.equal(retry.statusCode, 200, retry.body);
    t.same(retry.json<{ events: string[] }>().events, [], 'the run is not written again');
    t.match(await lastOf(h, b), { type: 'PaymentUnqueued', data: { reason: 'voided' } }, 'the retry takes it off the claim');

    await crashed(c);
    t.equal((await h.post(`/payment-runs/${runId}/release`, finance2, {})).statusCode, 200, 'released with the crash unrepaired');
    t.match(await lastOf(h, c), { type: 'PaymentUnqueued', data: { runId, reason: 'voided' } }, 'the release took it off its claim first');
    t.same(paymentsOfRun(await runState(h, runId)).map((i) => i.claimId), [a], 'and pays only what is left');
    const later = await h.post('/payment-runs', finance2, { jurisdiction: 'RS', executionOn: daysAhead(40), payments: [b, c].map((claimId) => ({ claimId, instalment: 2 })) });
    t.equal(later.statusCode, 201, `both are collectable again: ${later.body}`);
  });

  t.test('a cancelled run has nothing voided', async (t) => {
    const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: [{ claimId: c, instalment: 1 }] });
    t.equal(prepared.statusCode, 201, prepared.body);
    const { runId } = prepared.json<{ runId: string }>();
    t.equal((await h.post(`/payment-runs/${runId}/cancellation`, tk.finance, { reason: 'Wrong date.' })).statusCode, 200);
    t.equal(code(await h.post(`/payment-runs/${runId}/voided-payments`, tk.finance, { claimId: c, instalment: 1, reason })), 'run-cancelled');
    t.equal(code(await h.post(`/payment-runs/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/voided-payments`, tk.finance, { claimId: c, instalment: 1, reason })), 'no-such-run');
  });
});
