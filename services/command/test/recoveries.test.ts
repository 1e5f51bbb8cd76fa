/**
 * Recoveries from the offender reach the fund's ledger: through the command service's HTTP API on
 * the embedded event store, a recovery is credited to the ledger of the year it was received in
 * (not the award's), exactly once: a retried request, the claim's next command and the reconciler
 * never credit it twice, and the reconciler credits one whose ledger write was lost.
 */
import t from 'tap';
import { available, type LedgerCommand } from '@cfund/domain';
import { RSD, startService, tokens } from './helpers.ts';

const YEAR = 2031;

t.test('recoveries in the fund-year ledgers', async (t) => {
  const clock = { now: new Date(`${YEAR}-03-10T09:00:00.000Z`) };
  const h = await startService(t, { now: () => clock.now });
  const tk = await tokens(h);
  const service = h.app.commandService;
  const sys = { principal: { sub: 'system:test', roles: [], jurisdictions: [] }, correlationId: 'test' };
  const day = (): string => clock.now.toISOString().slice(0, 10);
  const ok = async (url: string, token: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await h.post(url, token, body, headers);
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ events: string[] }>().events;
  };
  const ledger = async (year: number) => service.loadLedger('RS', year);

  // A claim awarded RSD 400,000.00 in YEAR and paid in full.
  await ok(`/funds/RS/${YEAR}/budget`, tk.admin, { amount: RSD(1_000_000_000) });
  const filed = await h.post('/claims', tk.lawyer, {
    jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Recovery Victim', dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
    incidentOn: `${YEAR - 2}-03-01`, damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
  });
  t.equal(filed.statusCode, 201, filed.body);
  const id = filed.json<{ claimId: string }>().claimId;
  await ok(`/claims/${id}/court-rulings`, tk.lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: `${YEAR - 1}-05-01`, outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
  await ok(`/claims/${id}/ruling-finality`, tk.lawyer, { finalOn: `${YEAR - 1}-06-01` });
  await ok(`/claims/${id}/enforcement-failures`, tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: `${YEAR - 1}-09-01` });
  await ok(`/claims/${id}/fund-application`, tk.lawyer, { otherCompensationDeclared: [] });
  await ok(`/claims/${id}/assessment`, tk.assessor, { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(40_000_000) }], deductions: [] });
  await ok(`/claims/${id}/approvals`, tk.approver1, {});
  await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: clock.now.toISOString() });
  await ok(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 1, firstDueOn: day(), intervalMonths: 1 });
  t.same(await ok(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'PAY-1' }), ['PayoutDisbursed']);
  const availableBefore = available(await ledger(YEAR));

  t.test('a recovery in the award\'s year is credited to that year', async (t) => {
    t.same(await ok(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(5_000_000), recordedOn: day() }), ['RecoveryFromOffenderRecorded']);
    const l = await ledger(YEAR);
    t.same([l.claims[id]!.recovered, l.claims[id]!.recoveries, l.recovered], [5_000_000, [1], 5_000_000]);
    t.equal(available(l), availableBefore + 5_000_000, 'the recovery can fund new awards');
  });

  t.test('a recovery received in the next year lands in that year\'s ledger; the same request retried credits it once', async (t) => {
    clock.now = new Date(`${YEAR + 1}-02-03T09:00:00.000Z`);
    const key = { 'idempotency-key': `recovery-${id}-2` };
    const body = { amount: RSD(10_000_000), recordedOn: day() };
    t.same(await ok(`/claims/${id}/recoveries`, tk.finance, body, key), ['RecoveryFromOffenderRecorded']);
    const again = await h.post(`/claims/${id}/recoveries`, tk.finance, body, key);
    t.equal(again.statusCode, 200);
    t.equal(again.headers['idempotency-replayed'], 'true', 'the retry replays the first answer');
    const next = await ledger(YEAR + 1);
    t.same(next.claims[id], { committed: 0, released: 0, disbursed: 0, instalments: [], advances: [], recovered: 10_000_000, recoveries: [2] },
      'credited once, as the claim\'s recovery 2, beside no commitment: the award stays in its own year');
    t.equal(next.recovered, 10_000_000);
    t.same((await ledger(YEAR)).claims[id]!.recoveries, [1], 'the award\'s year is not credited');
    t.equal((await service.loadClaim(id)).state.fund.recoveries.length, 2, 'one recovery on the claim for the two requests');
  });

  t.test('a recovery is credited to the year it was received in, not the year it was recorded', async (t) => {
    await ok(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(1_000_000), recordedOn: `${YEAR}-12-31` });
    t.same((await ledger(YEAR)).claims[id]!.recoveries, [1, 3]);
    t.same((await ledger(YEAR + 1)).claims[id]!.recoveries, [2]);
  });

  t.test('the reconciler credits a recovery whose ledger write was lost, once', async (t) => {
    // The claim's event is stored, then the ledger write fails (as a crash between the two leaves it).
    const ledgerCommand = service.ledgerCommand.bind(service);
    service.ledgerCommand = async (j, y, c, command) => {
      if (command.type === 'CreditRecovery') throw new Error('test: the ledger write was lost');
      return ledgerCommand(j, y, c, command as Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>);
    };
    t.teardown(() => { service.ledgerCommand = ledgerCommand; });
    t.same(await ok(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(2_000_000), recordedOn: day() }), ['RecoveryFromOffenderRecorded'],
      'the claim records the recovery whatever happens to the ledger');
    service.ledgerCommand = ledgerCommand;
    t.same((await ledger(YEAR + 1)).claims[id]!.recoveries, [2], 'recovery 4 is missing in the ledger');
    t.ok(h.logs.some((l) => l.includes('the reconciler will')), 'the lost write is logged');

    const sweep = await service.reconcileAll([YEAR, YEAR + 1], sys);
    t.same(sweep.repairs, ['RecoveryCredited'], 'the sweep credits it');
    t.equal(sweep.differences, 2, 'found as the year\'s recovered amount and the recovery missing in the ledger');
    t.same(sweep.failures, []);
    const next = await ledger(YEAR + 1);
    t.same([next.claims[id]!.recoveries, next.claims[id]!.recovered], [[2, 4], 12_000_000]);

    const again = await service.reconcileAll([YEAR, YEAR + 1], sys);
    t.same([again.repairs, again.differences], [[], 0], 'a second sweep finds nothing to do');
    t.equal((await ledger(YEAR + 1)).recovered, 12_000_000, 'nothing credited twice');
    t.equal((await ledger(YEAR)).recovered, 6_000_000);
  });

  t.test('the claim\'s next recovery credits one whose ledger write was lost, beside its own', async (t) => {
    const ledgerCommand = service.ledgerCommand.bind(service);
    service.ledgerCommand = async (j, y, c, command) => {
      if (command.type === 'CreditRecovery') throw new Error('test: the ledger write was lost');
      return ledgerCommand(j, y, c, command as Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>);
    };
    t.teardown(() => { service.ledgerCommand = ledgerCommand; });
    await ok(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(500_000), recordedOn: day() });
    service.ledgerCommand = ledgerCommand;
    t.same((await ledger(YEAR + 1)).claims[id]!.recoveries, [2, 4], 'recovery 5 is missing in the ledger');
    await ok(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(500_000), recordedOn: day() });
    const next = await ledger(YEAR + 1);
    t.same([next.claims[id]!.recoveries, next.claims[id]!.recovered], [[2, 4, 5, 6], 13_000_000], 'both credited, each once');
  });

  t.test('a claim whose fund year the sweep does not cover is found through its recovery', async (t) => {
    // Only the next year swept: the claim has money there (its recoveries), so it is checked.
    const sweep = await service.reconcileAll([YEAR + 1], sys);
    t.same([sweep.claims, sweep.differences, sweep.failures], [1, 0, []]);
  });

  t.test('no more can be recovered than was paid, whatever the years', async (t) => {
    const r = await h.post(`/claims/${id}/recoveries`, tk.finance, { amount: RSD(21_000_001), recordedOn: day() });
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'recovery-exceeds-paid');
  });
});
