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

  // The bank's statement, imported through the command service, shown here with its unmatched entry.
  let items = { items: [] as { endToEndId: string }[] };
  for await (const e of h.env.eventStore.readStream(`paymentrun-${runId}`, { maxCount: 1 })) items = e.event!.data as typeof items;
  const entry = (e2e: string, amount: string, ref: string) => `<Ntry><Amt Ccy="RSD">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>`
    + `<AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="RSD">${amount}</Amt></TxDtls></NtryDtls></Ntry>`;
  const statement = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>M-1</MsgId></GrpHdr>'
    + '<Stmt><Id>S-1</Id><Acct><Id><IBAN>RS35260005601001611379</IBAN></Id></Acct>'
    + `${entry(items.items[0]!.endToEndId, '200000.00', 'BK-1')}${entry('INV-1', '10.00', 'BK-2')}</Stmt></BkToCstmrStmt></Document>`;
  const imported = await h.command.inject({ method: 'POST', url: '/bank-statements', payload: statement, headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' } });
  t.equal(imported.statusCode, 201, imported.body);
  const { statementId } = imported.json<{ statementId: string }>();
  const shown = await get(app, `/bank-statements/${statementId}`, tk.finance);
  t.equal(shown.statusCode, 200, shown.body);
  t.match(shown.json(), { jurisdiction: 'RS', complete: true, entryCount: 2, unresolved: 1, entries: [{ entry: 1, outcome: 'paid', claimId: id, bankReference: 'BK-1' }, { entry: 2, outcome: 'unmatched', reason: /not one of a payment run/ }] });
  t.equal((await get(app, `/bank-statements/${statementId}`, tk.auditor)).statusCode, 200, 'an auditor reads it');
  t.equal((await get(app, `/bank-statements/${statementId}`, tk.lawyer)).statusCode, 404, 'a lawyer does not');
  t.equal((await get(app, `/bank-statements/${'0'.repeat(64)}`, tk.finance)).statusCode, 404);
  t.equal((await h.post(`/bank-statements/${statementId}/entries/2/resolution`, tk.finance, { note: 'An invoice refund, not the fund\'s.' })).statusCode, 200);
  t.match((await get(app, `/bank-statements/${statementId}`, tk.finance)).json(), { unresolved: 0, entries: [{}, { resolution: { by: 'finance-1' } }] }, 'resolved by a person');

  await step(h, id, 'payee', tk.lawyer, { kind: 'victim', payee: { name: 'Other Person', iban: 'ME25505000012345678951' } }).catch(() => undefined);
  const erased = await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
  t.equal(erased.statusCode, 200, erased.body);
  const after = await get(app, url, tk.finance);
  t.equal(after.statusCode, 409);
  t.equal(after.json<{ code: string }>().code, 'personal-data-erased', 'once erased, the file cannot be produced again');
});
