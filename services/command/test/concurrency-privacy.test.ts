import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { BACKWARDS, END } from '@eventstore/db-client';
import { isErased } from '@cfund/eventstore';
import { buildApp } from '../src/index.ts';
import { RSD, assessedClaim, claimBody, rsYear, startService, tokens } from './helpers.ts';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function eventTypes(h: Awaited<ReturnType<typeof startService>>, stream: string): Promise<string[]> {
  const types: string[] = [];
  for await (const e of h.env.eventStore.readStream(stream)) types.push(e.event!.type);
  return types;
}

async function firstEvent(h: Awaited<ReturnType<typeof startService>>, stream: string) {
  const events = [];
  for await (const e of h.env.eventStore.readStream(stream, { maxCount: 1 })) events.push(e.event!);
  return events[0]!;
}

t.test('concurrency, ledger repair and privacy', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const year = rsYear();

  t.test('20 parallel approvals of different claims against a budget covering 10 commit exactly 10', async (t) => {
    await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(10 * 40_000_000) });
    const ids = await Promise.all(Array.from({ length: 20 }, () => assessedClaim(h, tk, 40_000_000)));
    const answers = await Promise.all(ids.map((id) => h.post(`/claims/${id}/approvals`, tk.approver1, {})));
    const ok = answers.filter((r) => r.statusCode === 200);
    const refused = answers.filter((r) => r.statusCode === 409);
    t.equal(ok.length, 10, 'ten approvals');
    t.equal(refused.length, 10, 'ten refusals');
    t.ok(refused.every((r) => r.json<{ code: string }>().code === 'budget-exceeded'), 'refused: budget-exceeded');
    const ledger = await eventTypes(h, `fund-RS-${year}`);
    t.equal(ledger.filter((x) => x === 'FundsCommitted').length, 10, 'ten commitments in the ledger');
    const approvedClaims: string[] = [];
    for (const id of ids) if ((await eventTypes(h, `claim-${id}`)).includes('AwardApproved')) approvedClaims.push(id);
    t.equal(approvedClaims.length, 10, 'ten awards');
    const state = await h.app.commandService.loadLedger('RS', year);
    t.same(Object.keys(state.claims).sort(), approvedClaims.sort(), 'the committed claims are the approved ones');

    // A refusal by the ledger writes nothing either, with an Idempotency-Key: the key is not
    // reserved (and released) for a commitment or an allocation the ledger refuses.
    const lastPosition = async () => {
      let last: bigint | undefined;
      for await (const e of h.env.eventStore.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) last = e.event?.position?.commit;
      return last;
    };
    const before = await lastPosition();
    const unfunded = ids.find((id) => !approvedClaims.includes(id))!;
    for (let i = 0; i < 3; i += 1) {
      const r = await h.post(`/claims/${unfunded}/approvals`, tk.approver2, {}, { 'idempotency-key': `over-budget-${i}` });
      t.equal(r.json<{ code: string }>().code, 'budget-exceeded', 'an approval beyond the budget, with a key: refused');
      const e = await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: { amountMinor: 100, currency: 'EUR' } }, { 'idempotency-key': `wrong-currency-${i}` });
      t.equal(e.json<{ code: string }>().code, 'currency-mismatch', 'a budget in another currency, with a key: refused');
    }
    t.equal(await lastPosition(), before, 'nothing was written to the event store ($all ends where it did)');
  });

  t.test('50 parallel identical disbursements of one instalment give exactly one PayoutDisbursed', async (t) => {
    await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(1_000_000_000) });
    const id = await assessedClaim(h, tk, 40_000_000);
    t.equal((await h.post(`/claims/${id}/approvals`, tk.approver1, {})).statusCode, 200);
    await h.post(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    await h.post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 2, firstDueOn: '2026-01-01', intervalMonths: 1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-77' })));
    t.equal(answers.filter((r) => r.statusCode === 200).length, 1, 'one success');
    t.ok(answers.filter((r) => r.statusCode !== 200).every((r) => r.statusCode === 409), 'the others: 409');
    const types = await eventTypes(h, `claim-${id}`);
    t.equal(types.filter((x) => x === 'PayoutDisbursed').length, 1, 'one PayoutDisbursed');
    const ledger = await h.app.commandService.loadLedger('RS', year);
    t.same(ledger.claims[id]!.instalments, [1], 'one FundsDisbursed in the ledger');
  });

  t.test('a crash between the fund commitment and the award is repaired by the retry', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    const ctx = { principal: { sub: 'approver-1', roles: ['fund-approver' as const], jurisdictions: ['RS' as const] }, correlationId: 'crash-test' };
    // What a crashed approval leaves behind: the commitment, no award.
    await h.app.commandService.ledgerCommand('RS', year, ctx, { type: 'CommitFunds', data: { claimId: id, tied: RSD(40_000_000) } });
    t.notOk((await eventTypes(h, `claim-${id}`)).includes('AwardApproved'));
    const r = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    t.equal(r.statusCode, 200, r.body);
    t.same(r.json<{ events: string[] }>().events, ['AwardApprovalGiven', 'AwardApproved']);
    const ledger = await eventTypes(h, `fund-RS-${year}`);
    const state = await h.app.commandService.loadLedger('RS', year);
    t.same(state.claims[id], { committed: 40_000_000, released: 0, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] }, 'committed once');
    t.ok(ledger.length > 0);
    t.match((await h.app.inject('/metrics')).body, /cfund_ledger_repairs_total\{kind="commitment-reused"\} 1/);

    // A commitment whose claim was withdrawn instead is released by the reconciler.
    const other = await assessedClaim(h, tk, 40_000_000);
    await h.app.commandService.ledgerCommand('RS', year, ctx, { type: 'CommitFunds', data: { claimId: other, tied: RSD(40_000_000) } });
    t.equal((await h.post(`/claims/${other}/withdrawal`, tk.lawyer, { reason: 'The victim withdrew.' })).statusCode, 200);
    t.same(await h.app.commandService.reconcileClaim(other, 'RS', year, ctx), ['FundsReleased']);
    const after = await h.app.commandService.loadLedger('RS', year);
    t.same(after.claims[other], { committed: 40_000_000, released: 40_000_000, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] });

    // The scheduled reconciler finds such orphans by itself, and leaves a commitment whose claim
    // still awaits approval for that amount (an approval in flight) alone.
    const orphan = await assessedClaim(h, tk, 30_000_000);
    const inFlight = await assessedClaim(h, tk, 20_000_000);
    await h.app.commandService.ledgerCommand('RS', year, ctx, { type: 'CommitFunds', data: { claimId: orphan, tied: RSD(30_000_000) } });
    await h.app.commandService.ledgerCommand('RS', year, ctx, { type: 'CommitFunds', data: { claimId: inFlight, tied: RSD(20_000_000) } });
    t.equal((await h.post(`/claims/${orphan}/withdrawal`, tk.lawyer, { reason: 'The victim withdrew.' })).statusCode, 200);
    const sweep = await h.app.commandService.reconcileAll([year], ctx);
    t.ok(sweep.repairs.includes('FundsReleased'), 'the sweep released the orphan');
    const swept = await h.app.commandService.loadLedger('RS', year);
    t.equal(swept.claims[orphan]!.released, 30_000_000, 'the orphan\'s funds are free again');
    t.equal(swept.claims[inFlight]!.released, 0, 'the pending approval keeps its commitment');
  });

  t.test('an approval whose claim changes after the commitment so that it is refused releases the funds', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    let withdrawn = false;
    const app = await buildApp({
      client: h.env.eventStore, chainSigner: h.chainSigner, protector: h.protector, jwtSecret: h.jwtSecret, fingerprintSecret: h.jwtSecret, logLevel: 'silent',
      // Between the commitment and the award's append, the lawyer withdraws the claim.
      faultAt: async (point) => {
        if (point !== 'after-funds-committed' || withdrawn) return;
        withdrawn = true;
        t.equal((await h.post(`/claims/${id}/withdrawal`, tk.lawyer, { reason: 'The victim withdrew.' })).statusCode, 200);
      },
    });
    t.teardown(() => app.close());
    const r = await app.inject({ method: 'POST', url: `/claims/${id}/approvals`, payload: {}, headers: { authorization: `Bearer ${tk.approver1}` } });
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'not-allowed-in-state');
    const ledger = await h.app.commandService.loadLedger('RS', year);
    t.same(ledger.claims[id], { committed: 40_000_000, released: 40_000_000, disbursed: 0, instalments: [], advances: [], recovered: 0, recoveries: [] }, 'committed, then released');
    t.notOk((await eventTypes(h, `claim-${id}`)).includes('AwardApproved'));
  });

  t.test('a distinctive victim name is nowhere in the event store files nor the logs; erasure shreds it', async (t) => {
    const name = 'Qwzxkvbjorgh Ylmnpxtrude';
    const r = await h.post('/claims', tk.lawyer, claimBody({ victim: { fullName: name, contacts: { email: 'qwzxkvbjorgh@example.org' }, address: 'Ulica Qwzxkvbjorgh 7' } }));
    t.equal(r.statusCode, 201);
    const id = r.json<{ claimId: string }>().claimId;
    // Refused requests carrying the name are not logged either.
    await h.post('/claims', tk.assessor, claimBody({ victim: { fullName: name } }));
    await h.post('/claims', tk.lawyer, { ...claimBody({ victim: { fullName: name } }), extra: name });
    await h.app.inject({ method: 'POST', url: '/claims', payload: `{"victim": {"fullName": "${name}"`, headers: { authorization: `Bearer ${tk.lawyer}`, 'content-type': 'application/json' } });

    const dir = h.env.tempDir!;
    t.ok(dir, 'the event store runs on disk');
    const files = await filesUnder(dir);
    let bytes = 0;
    for (const f of files) {
      const content = await readFile(f);
      bytes += (await stat(f)).size;
      t.notOk(content.includes(name.split(' ')[0]!), `not in ${f.slice(dir.length)}`);
    }
    t.ok(bytes > 0, `${files.length} files, ${bytes} bytes searched`);
    for (const f of await filesUnder(h.keyDir)) t.notOk((await readFile(f)).includes('Qwzxkvbjorgh'), 'not in the key store');
    t.ok(h.logs.length > 0, 'logs were captured');
    t.notOk(h.logs.join('').includes('Qwzxkvbjorgh'), 'not in the logs');

    // The stored envelope decrypts with the victim's key, until erasure.
    const filed = await firstEvent(h, `claim-${id}`);
    const data = filed.data as { victimRef: string; personalData: Parameters<typeof h.protector.decryptPersonalData>[1] };
    t.equal(data.victimRef, `vic-${id}`);
    t.match(await h.protector.decryptPersonalData(data.victimRef, data.personalData), { fullName: name });
    t.equal((await h.post(`/victims/vic-${id}/erasure`, tk.lawyer, { reason: 'Request.' })).statusCode, 403, 'only the dpo erases');
    // Erasure cannot be undone: only the dpo of the claim's jurisdiction (RS) may order it.
    for (const [who, token] of [['the dpo of BA', await h.token('dpo-ba', ['dpo'], ['BA'])], ['a dpo without jurisdiction', await h.token('dpo-x', ['dpo'], [])]] as const) {
      const refused = await h.post(`/victims/vic-${id}/erasure`, token, { reason: 'Request.' });
      t.equal(refused.statusCode, 403, `${who}: refused`);
      t.equal(refused.json<{ code: string }>().code, 'wrong-jurisdiction', `${who}: wrong-jurisdiction`);
      t.match(await h.protector.decryptPersonalData(data.victimRef, data.personalData), { fullName: name }, `${who}: the data is still readable`);
    }
    const erased = await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Request of the data subject.' });
    t.equal(erased.statusCode, 200, erased.body);
    t.same(erased.json<{ events: string[] }>().events, ['PersonalDataErased']);
    t.ok(isErased(await h.protector.decryptPersonalData(data.victimRef, data.personalData)), 'unreadable after erasure');
    t.equal((await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Again.' })).statusCode, 409);
  });
});
