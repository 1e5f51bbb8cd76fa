import t from 'tap';
import { createHash } from 'node:crypto';
import { allocateBudget, get, rsYear, scheduledClaim, startHarness, startProjection, step, tokens } from './helpers.ts';

// GET /payment-runs/{id}/pain.001: produced again from the stored run, served to a finance officer
// of the jurisdiction once the read of every payee is recorded, and never once a payee is erased.

const daysAhead = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + days * 86_400_000));

t.test('the bank file of a payment run', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  await allocateBudget(h, tk, rsYear());
  const id = await scheduledClaim(h, tk, 40_000_000);
  await step(h, id, 'payee', tk.lawyer, { kind: 'guardian', payee: { name: 'Ilvarethe Quonsbry', iban: 'RS35 9085 0010 3195 8472 62' } });
  await step(h, id, 'payee-confirmation', tk.finance, { change: 1 });
  const prepared = await h.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: [{ claimId: id, instalment: 1 }] });
  t.equal(prepared.statusCode, 201, prepared.body);
  const { runId } = prepared.json<{ runId: string }>();
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const url = `/payment-runs/${runId}/pain.001`;

  t.equal((await get(app, url, tk.finance)).json<{ code: string }>().code, 'payment-run-not-released', 'no file before the release');
  const released = await h.post(`/payment-runs/${runId}/release`, finance2, {});
  t.equal(released.statusCode, 200, released.body);
  const { fileSha256 } = released.json<{ fileSha256: string }>();

  t.equal((await get(app, url, tk.auditor)).statusCode, 403, 'an auditor gets no bank file (it names payees)');
  t.equal((await get(app, url, tk.lawyer)).statusCode, 403, 'a lawyer gets no bank file');
  t.equal((await get(app, url, await h.token('finance-me', ['fund-finance'], ['ME']))).statusCode, 404, 'nor a finance officer of another jurisdiction');
  t.equal((await get(app, `/payment-runs/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/pain.001`, tk.finance)).statusCode, 404);

  const file = await get(app, url, tk.finance);
  t.equal(file.statusCode, 200, file.body);
  t.match(file.headers['content-type'], /^application\/xml/);
  t.match(file.headers['content-disposition'], /^attachment; filename="CFUND-[0-9a-f]+\.xml"$/);
  t.equal(file.headers['cache-control'], 'no-store');
  t.equal(createHash('sha256').update(file.rawPayload).digest('hex'), fileSha256, 'the file released, byte for byte');
  t.match(file.body, /<Cdtr><Nm>Ilvarethe Quonsbry<\/Nm><\/Cdtr><CdtrAcct><Id><IBAN>RS35908500103195847262<\/IBAN>/, 'the payee as confirmed');

  await h.catchUp();
  const log = await get(app, `/claims/${id}/access-log`, tk.auditor);
  t.match(log.json(), { reads: [{ accessedBy: 'finance-1', purpose: 'payment-file' }] }, 'the download was recorded as a read of the payee');

  await step(h, id, 'payee', tk.lawyer, { kind: 'victim', payee: { name: 'Other Person', iban: 'ME25505000012345678951' } }).catch(() => undefined);
  const erased = await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
  t.equal(erased.statusCode, 200, erased.body);
  const after = await get(app, url, tk.finance);
  t.equal(after.statusCode, 409);
  t.equal(after.json<{ code: string }>().code, 'personal-data-erased', 'once erased, the file cannot be produced again');
});
