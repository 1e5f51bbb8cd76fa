/**
 * SpreadCommitmentsByYear through the command service's HTTP API on the embedded event store: a
 * claim scheduled before instalments were committed by due year (PayoutScheduled v1, read as
 * `committedByDueYear: false`: everything in the award's year) is moved on purpose by a fund
 * admin. Each later year's share is committed in that year's ledger with its budget check
 * (refused naming the year: nothing changes), then released from the award's year; paid
 * instalments stay where they were paid. Refused for a claim already spread, replayed under the
 * same Idempotency-Key. A crash at either fault point (src/faults.ts: after the later years'
 * commitment, before the award year's release) leaves the money held twice, never missing, and
 * the retry after a restart settles it.
 */
import t, { type Test } from 'tap';
import { claimStream, type ClaimEvent } from '@cfund/contracts';
import { claimDecider } from '@cfund/domain';
import { handleCommand } from '@cfund/eventstore';
import { buildApp } from '../src/app.ts';
import { claimCodec } from '../src/codecs.ts';
import type { FaultPoint } from '../src/faults.ts';
import { RSD, startService, tokens } from './helpers.ts';

const YEAR = 2041;

t.test('an old schedule moved to the fund years its instalments fall due in', async (t) => {
  const clock = { now: new Date(`${YEAR}-11-10T09:00:00.000Z`) };
  /** The fault point the next command stops at for good, as a process killed there would. */
  let frozenAt: FaultPoint | undefined;
  const h = await startService(t, {
    now: () => clock.now,
    faultAt: (point) => (point === frozenAt ? new Promise<void>(() => {}) : undefined),
  });
  const tk = await tokens(h);
  const service = h.app.commandService;
  const ok = async (url: string, token: string, body: unknown) => {
    const r = await h.post(url, token, body);
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ events: string[] }>().events;
  };
  const tiedIn = async (year: number, claimId: string) => {
    const f = (await service.loadLedger('RS', year)).claims[claimId];
    return f ? f.committed - f.released : 0;
  };
  const claimEvents = async (id: string) => {
    const out: string[] = [];
    for await (const e of h.env.eventStore.readStream(claimStream(id))) out.push(e.event!.type);
    return out;
  };

  /**
   * A claim awarded RSD 400,000.00 in YEAR, served, and scheduled as before the rule: two
   * instalments of 20,000,000 (1 December YEAR, 1 March YEAR + 1), all 40,000,000 in YEAR.
   */
  const oldSchedule = async (): Promise<string> => {
    const filed = await h.post('/claims', tk.lawyer, {
      jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Spread Victim', dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
      incidentOn: `${YEAR - 2}-03-01`, damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
    });
    if (filed.statusCode !== 201) throw new Error(filed.body);
    const id = filed.json<{ claimId: string }>().claimId;
    await ok(`/claims/${id}/court-rulings`, tk.lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: `${YEAR - 1}-05-01`, outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
    await ok(`/claims/${id}/ruling-finality`, tk.lawyer, { finalOn: `${YEAR - 1}-06-01` });
    await ok(`/claims/${id}/enforcement-failures`, tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: `${YEAR - 1}-09-01` });
    await ok(`/claims/${id}/fund-application`, tk.lawyer, { otherCompensationDeclared: [] });
    await ok(`/claims/${id}/assessment`, tk.assessor, { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(40_000_000) }], deductions: [] });
    await ok(`/claims/${id}/approvals`, tk.approver1, {});
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: clock.now.toISOString() });
    // What a service of before wrote: v1 upcast (committedByDueYear false), signed into the claim's chain.
    const legacy: ClaimEvent = { type: 'PayoutScheduled', data: {
      schemaVersion: 2, claimId: id, total: RSD(40_000_000), committedByDueYear: false,
      instalments: [{ number: 1, amount: RSD(20_000_000), dueOn: `${YEAR}-12-01` }, { number: 2, amount: RSD(20_000_000), dueOn: `${YEAR + 1}-03-01` }],
    } };
    await handleCommand(h.env.eventStore, claimStream(id), null, { ...claimDecider, decide: () => [legacy] }, {
      codec: claimCodec, signer: h.chainSigner,
      metadata: { actor: 'finance-1', occurredAt: clock.now.toISOString(), correlationId: `legacy-${id}`, causationId: `legacy-${id}` },
    });
    return id;
  };
  const spread = (id: string, headers: Record<string, string> = {}, token = tk.admin) => h.post(`/claims/${id}/commitments-by-year`, token, { reason: 'The next year\'s budget now covers its instalments.' }, headers);

  await ok(`/funds/RS/${YEAR}/budget`, tk.admin, { amount: RSD(1_000_000_000) });

  t.test('without a budget for the later year it is refused, naming the year; nothing changes', async (t) => {
    const id = await oldSchedule();
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the old schedule holds everything in the award\'s year');
    const r = await spread(id);
    t.equal(r.statusCode, 409, r.body);
    t.match(r.headers['content-type'], /application\/problem\+json/);
    t.equal(r.json<{ code: string }>().code, 'no-budget');
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1), 'the refusal names the year');
    t.notOk((await claimEvents(id)).includes('CommitmentsSpreadByYear'));
    t.equal(await tiedIn(YEAR, id), 40_000_000);
    t.equal(await tiedIn(YEAR + 1, id), 0);
  });

  t.test('a later year\'s budget too small refuses it with budget-exceeded, naming the year', async (t) => {
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(10_000_000) });
    const id = await oldSchedule();
    const r = await spread(id);
    t.equal(r.json<{ code: string }>().code, 'budget-exceeded', r.body);
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1));
    t.equal(await tiedIn(YEAR + 1, id), 0, 'nothing stays committed in the later year');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all');
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(990_000_000) });
  });

  t.test('a fund admin moves it: the later year commits its share, the award\'s year releases it; once', async (t) => {
    const id = await oldSchedule();
    t.equal((await spread(id, {}, tk.finance)).statusCode, 403, 'a finance officer may not');
    const key = { 'idempotency-key': `spread-${id}` };
    const r = await spread(id, key);
    t.equal(r.statusCode, 200, r.body);
    t.same(r.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear']);
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'the award\'s year keeps the instalment due in it');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the next year holds the one due in it');
    t.equal((await spread(id, key)).statusCode, 200, 'the same request again (same key) replays the answer');
    const again = await spread(id);
    t.equal(again.statusCode, 409);
    t.equal(again.json<{ code: string }>().code, 'already-spread', 'a claim already spread is refused');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
    // The instalment of the next year is paid from that year's ledger.
    await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2', earlyPayment: true });
    t.match((await service.loadLedger('RS', YEAR + 1)).claims[id], { disbursed: 20_000_000, instalments: [2] }, 'paid where it is committed');
  });

  t.test('a paid instalment stays where it was paid', async (t) => {
    const id = await oldSchedule();
    await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2-EARLY', earlyPayment: true });
    const r = await spread(id);
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'nothing-to-spread', 'its only later instalment is paid, from the award\'s year');
    t.equal(await tiedIn(YEAR, id), 40_000_000);
    t.equal(await tiedIn(YEAR + 1, id), 0);
  });

  /** A new process on the same store and keys: what a restart after a crash finds. */
  const restarted = async (t: Test) => {
    const app = await buildApp({
      client: h.env.eventStore, chainSigner: h.chainSigner, protector: h.protector, jwtSecret: h.jwtSecret, fingerprintSecret: h.fingerprintSecret, logLevel: 'silent', now: () => clock.now,
    });
    t.teardown(() => app.close());
    return app;
  };

  /** Starts spreading `id` and lets it stop at `point` for good; returns once the store shows it got there. */
  const crashAt = async (point: FaultPoint, id: string): Promise<void> => {
    frozenAt = point;
    void spread(id);
    const reached = async () => (await tiedIn(YEAR + 1, id)) > 0 && (point !== 'before-funds-settled' || (await claimEvents(id)).includes('CommitmentsSpreadByYear'));
    const deadline = Date.now() + 30_000;
    while (!await reached() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    frozenAt = undefined;
  };
  const retry = (app: Awaited<ReturnType<typeof restarted>>, id: string) => app.inject({
    method: 'POST', url: `/claims/${id}/commitments-by-year`, payload: { reason: 'The next year\'s budget now covers its instalments.' }, headers: { authorization: `Bearer ${tk.admin}` },
  });

  t.test('a crash after the later year\'s commitment: held twice; the retry spreads once and releases', async (t) => {
    const id = await oldSchedule();
    await crashAt('after-funds-committed', id);
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year committed its share');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all: held twice, never missing');
    t.notOk((await claimEvents(id)).includes('CommitmentsSpreadByYear'), 'the claim is not spread');
    const app = await restarted(t);
    const retried = await retry(app, id);
    t.equal(retried.statusCode, 200, retried.body);
    t.same(retried.json<{ events: string[] }>().events, ['CommitmentsSpreadByYear']);
    t.match((await service.loadLedger('RS', YEAR + 1)).claims[id], { committed: 20_000_000, released: 0 }, 'committed once in the later year (the commitment reused)');
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year');
    t.equal((await claimEvents(id)).filter((e) => e === 'CommitmentsSpreadByYear').length, 1, 'spread once');
  });

  t.test('a crash after the claim is spread, before the release: held twice; the reconciler releases it', async (t) => {
    const id = await oldSchedule();
    await crashAt('before-funds-settled', id);
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year committed its share');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award\'s year still holds it all: held twice, never missing');
    t.ok((await claimEvents(id)).includes('CommitmentsSpreadByYear'), 'the claim is spread');
    const app = await restarted(t);
    t.equal((await retry(app, id)).json<{ code: string }>().code, 'already-spread', 'a retry is refused: the claim is spread');
    const sweep = await app.commandService.reconcileAll([YEAR, YEAR + 1], { principal: { sub: 'system:test', roles: [], jurisdictions: [] }, correlationId: 'test' });
    t.ok(sweep.repairs.includes('FundsReleased'), 'the sweep released the award year\'s excess');
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'released from the award\'s year');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the later year keeps its share');
  });
});
