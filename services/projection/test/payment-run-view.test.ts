import t from 'tap';
import { createHash } from 'node:crypto';
import { allocateBudget, get, rsYear, scheduledClaim, startHarness, startProjection, step, tokens, type Harness, type Tokens } from './helpers.ts';

// GET /payment-runs/{id}: a run with a payment voided before its release shows it, with who voided
// it and why, and pays the rest; the bank file served after the release is the one released.

const daysAhead = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + days * 86_400_000));

async function claimWithPayee(h: Harness, tk: Tokens, name: string): Promise<string> {
  const id = await scheduledClaim(h, tk, 40_000_000);
  await step(h, id, 'payee', tk.lawyer, { kind: 'guardian', payee: { name, iban: 'RS35 9085 0010 3195 8472 62' } });
  await step(h, id, 'payee-confirmation', tk.finance, { change: 1 });
  return id;
}

t.test('a payment run with a voided payment', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  await allocateBudget(h, tk, rsYear());
  const a = await claimWithPayee(h, tk, 'Ilvarethe Quonsbry');
  const b = await claimWithPayee(h, tk, 'Tomaszlin Vrey');
  const c = await claimWithPayee(h, tk, 'Oskarine Plume');
  const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: [{ claimId: a, instalment: 1 }, { claimId: b, instalment: 1 }] });
  t.equal(prepared.statusCode, 201, prepared.body);
  const { runId } = prepared.json<{ runId: string }>();
  const reason = 'The guardian\'s account is to be confirmed with the bank first.';
  const voided = await h.post(`/payment-runs/${runId}/voided-payments`, tk.finance, { claimId: b, instalment: 1, reason });
  t.equal(voided.statusCode, 200, voided.body);
  const app = await startProjection(h);
  t.teardown(() => app.close());

  await h.catchUp();
  type Due = { task: string; claimId: string; instalment?: number; maskedAccount?: string | null; runId?: string | null };
  const due = (await get(app, '/work-queue', tk.finance)).json<{ items: Due[] }>().items.filter((i) => i.instalment === 1);
  const dueOf = (id: string) => due.find((i) => i.claimId === id);
  t.match(dueOf(a), { task: 'disburse-instalment', maskedAccount: /^RS35 \*+ ?\d+/, runId }, 'the work queue: the masked account, and the run that holds it');
  t.match(dueOf(b), { runId: null }, 'a voided payment is in no run: it can go into another');
  t.match(dueOf(c), { runId: null, maskedAccount: /\*/ });
  t.notOk(JSON.stringify(due).includes('RS35908500103195847262'), 'never the whole account');

  const view = await get(app, `/payment-runs/${runId}`, tk.finance);
  t.equal(view.statusCode, 200, view.body);
  t.equal(view.headers['cache-control'], 'no-store');
  t.match(view.json(), {
    runId, jurisdiction: 'RS', status: 'prepared', preparedBy: 'finance-1', total: { amountMinor: 20_000_000, currency: 'RSD' }, payable: 1,
    payments: [
      { claimId: a, payment: { kind: 'instalment', number: 1 }, amount: { amountMinor: 20_000_000 }, payeeKind: 'guardian', maskedAccount: /\*/ },
      { claimId: b, payment: { kind: 'instalment', number: 1 }, voided: { by: 'finance-1', reason } },
    ],
  }, 'the voided payment, who voided it and why; the total of what is left');
  t.notOk('voided' in view.json<{ payments: object[] }>().payments[0]!, 'the payment left is not voided');
  t.ok(view.json<{ payments: { deciders: unknown }[] }>().payments.every((p) => Array.isArray(p.deciders) && p.deciders.length > 0 && p.deciders.every((d) => typeof d === 'string')),
    'who approved each award (the console checks the release\'s four-eyes rule with them)');
  t.notOk(view.body.includes('Tomaszlin') || view.body.includes('RS35908500103195847262') || view.body.includes('ciphertext'), 'no payee name, account or sealed details');
  t.equal((await get(app, `/payment-runs/${runId}`, tk.auditor)).statusCode, 200, 'an auditor reads it');
  t.equal((await get(app, `/payment-runs/${runId}`, tk.lawyer)).statusCode, 404, 'a lawyer does not');
  t.equal((await get(app, `/payment-runs/${runId}`, await h.token('finance-me', ['fund-finance'], ['ME']))).statusCode, 404, 'nor finance of another jurisdiction');
  t.equal((await get(app, `/payment-runs/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, tk.finance)).statusCode, 404);

  const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
  t.equal(released.statusCode, 200, released.body);
  t.match((await get(app, `/payment-runs/${runId}`, tk.finance)).json(), { status: 'released', released: { by: 'finance-2', fileSha256: released.json<{ fileSha256: string }>().fileSha256 } });
  const file = await get(app, `/payment-runs/${runId}/pain.001`, tk.finance);
  t.equal(file.statusCode, 200, file.body);
  t.equal(createHash('sha256').update(file.rawPayload).digest('hex'), released.json<{ fileSha256: string }>().fileSha256, 'the file released, without the voided payment');
  t.notOk(file.body.includes('Tomaszlin'), 'the voided payee is not in it');

  await h.catchUp();
  const fileReads = async (id: string) => (await get(app, `/claims/${id}/access-log`, tk.auditor)).json<{ reads: { purpose: string }[] }>().reads.filter((r) => r.purpose === 'payment-file').length;
  t.equal(await fileReads(a), 1, 'the download read the payee it pays');
  t.equal(await fileReads(b), 0, 'and not the voided one');
});
