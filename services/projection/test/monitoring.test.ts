/**
 * Monitoring indicators over a generated dataset: claims written through the real command
 * service with a controlled clock, projected, and the answer (JSON and CSV) compared with
 * expectations computed here from the generator's own parameters, including suppression.
 */
import t from 'tap';
import { Clock, RSD, fileClaim, get, startHarness, startProjection, step, tokens } from './helpers.ts';

const DAY = 86_400_000;
const at = (iso: string, plusDays = 0) => new Date(Date.parse(iso) + plusDays * DAY).toISOString();
const date = (iso: string) => iso.slice(0, 10);
const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

t.test('monitoring indicators', async (t) => {
  const h = await startHarness(t, { clock: new Clock(new Date('2025-01-20T10:00:00Z')) });
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const ba = await tokens(h, 'BA');
  const go = (iso: string) => h.clock.set(iso);

  go('2025-01-20T10:00:00Z');
  t.equal((await h.post('/funds/RS/2025/budget', tk.admin, { amount: RSD(100_000_000_000) })).statusCode, 200);

  // RS, filed in 2025: 12 claims. i < 8 rulings awarding 100,000,000; i = 8, 9 referred to civil; 10, 11 no ruling.
  // Enforcement failed: i < 6 no assets, i = 6, 7 offender abroad. Applied: i < 8. Assessed: i < 8, i = 7 ineligible.
  // Approved: i < 6 (i = 0 assessed 250,000,000: capped, two approvers; i = 1 paid 1,000,000 by the
  // offender first). The RS scheme caps non-pecuniary damages at RSD 1,500,000 (150,000,000 minor units). Rejected: i = 6 (appealed, upheld), i = 7. Paid in one instalment: i < 5. Recovery 5,000,000 on i = 0.
  const assessedOf = (i: number) => (i === 0 ? 250_000_000 : 30_000_000);
  const netOf = (i: number) => (i === 0 ? 150_000_000 : i === 1 ? 29_000_000 : 30_000_000);
  const filing: number[] = []; const ruling: number[] = []; const decision: number[] = []; const payout: number[] = [];
  for (let i = 0; i < 12; i++) {
    const fileAt = at('2025-02-01T10:00:00Z', i);
    go(fileAt);
    // i = 0 asks for more than the cap (the fund awards at most what was asked, capped).
    const id = await fileClaim(h, tk.lawyer, i === 0 ? { damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(250_000_000) }] } : {});
    if (i >= 10) continue;
    const decidedOn = date(at(fileAt, 10 + 3 * i));
    const finalOn = date(at(fileAt, 40 + 3 * i));
    filing.push(10 + 3 * i); ruling.push(30);
    go(at(fileAt, 45 + 3 * i));
    await step(h, id, 'court-rulings', tk.lawyer, {
      court: 'Higher Court in Belgrade', caseNumber: `K-${i}/2025`, decidedOn,
      outcome: i < 8 ? 'compensation-awarded' : 'referred-to-civil', amounts: i < 8 ? [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] : [],
    });
    await step(h, id, 'ruling-finality', tk.lawyer, { finalOn });
    if (i >= 8) continue;
    await step(h, id, 'enforcement-failures', tk.lawyer, { reason: i < 6 ? 'no-assets' : 'offender-abroad', amountOutstanding: RSD(100_000_000), recordedOn: finalOn });
    if (i === 1) await step(h, id, 'offender-payments', tk.lawyer, { amount: RSD(1_000_000), receivedOn: finalOn });
    const applyAt = at('2025-06-01T10:00:00Z', i);
    go(applyAt);
    await step(h, id, 'fund-application', tk.lawyer, { otherCompensationDeclared: [] });
    go(at(applyAt, 5));
    await step(h, id, 'assessment', tk.assessor, i === 7
      ? { eligible: false, ineligibilityReasons: ['Not a victim of trafficking within the meaning of the law.'], assessedAmounts: [], deductions: [] }
      : { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(assessedOf(i)) }], deductions: [] });
    const decideAt = at(applyAt, 20 + 2 * i);
    decision.push(20 + 2 * i);
    go(decideAt);
    if (i < 6) {
      await step(h, id, 'approvals', tk.approver1, {});
      if (i === 0) await step(h, id, 'approvals', tk.approver2, {});
    } else {
      await step(h, id, 'rejection', tk.approver1, { reasons: ['Not eligible.'], appealInstructions: 'Appeal within 15 days.' });
    }
    go(at(decideAt, 1));
    await step(h, id, 'decision-notice', tk.approver1, { servedAt: at(decideAt, 1) });
    if (i === 6) {
      go(at(decideAt, 3));
      await step(h, id, 'appeals', tk.lawyer, { grounds: 'The victim was trafficked for labour.' });
      go(at(decideAt, 30));
      await step(h, id, 'appeal-decision', tk.approver2, { outcome: 'upheld', decidedOn: date(at(decideAt, 30)) });
    }
    if (i >= 5) continue;
    go(at(decideAt, 2));
    await step(h, id, 'payout-schedule', tk.finance, { instalments: 1, firstDueOn: date(at(decideAt, 10)), intervalMonths: 1 });
    go(at(decideAt, 10 + i));
    payout.push(10 + i);
    await step(h, id, 'payouts/1/disbursement', tk.finance, { paymentReference: `PAY-${i}` });
    if (i === 0) await step(h, id, 'recoveries', tk.finance, { amount: RSD(5_000_000), recordedOn: date(at(decideAt, 10)) });
  }
  // BA, filed in 2025: 3 claims, a cell under 5 victims.
  for (let i = 0; i < 3; i++) {
    go(at('2025-03-01T10:00:00Z', i));
    await fileClaim(h, ba.lawyer, { jurisdiction: 'BA', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 1_000_000, currency: 'BAM' } }] });
  }
  await h.catchUp();

  const received = 1_000_000 + [0, 1, 2, 3, 4].reduce((a, i) => a + netOf(i), 0);
  const awarded = 8 * 100_000_000 + [0, 1, 2, 3, 4, 5].reduce((a, i) => a + netOf(i), 0);
  const paid = [0, 1, 2, 3, 4].reduce((a, i) => a + netOf(i), 0);
  const S = null; // suppressed
  const expectedRS: Record<string, number | null> = {
    claimsFiled: 12, rulingsCompensationAwarded: 8, rulingsReferredToCivil: S,
    enforcementFailedNoAssets: 6, enforcementFailedOffenderUnknown: 0, enforcementFailedOffenderAbroad: S, enforcementFailedOther: 0,
    fundApplications: 8, lateFilings: 0, extensionsGranted: 0, extensionsRefused: 0, assessed: 8, eligible: 7,
    awardsApproved: 6, awardsRejected: S, claimsWithdrawn: 0, advancePayments: 0, appeals: S, appealsUpheld: S, appealsIncreased: 0, appealsReduced: 0, appealsRemitted: 0,
    claimsWithPayout: 5,
    amountClaimedMinor: 11 * 150_000_000 + 250_000_000, amountAwardedMinor: awarded, amountReceivedMinor: received,
    receivedToAwardedRatio: round4(received / awarded), eligibilityRate: round4(7 / 8), approvalRate: round4(6 / 8),
    averageAwardMinor: Math.round([0, 1, 2, 3, 4, 5].reduce((a, i) => a + netOf(i), 0) / 6), shareAtCap: round4(1 / 6),
    recoveryRate: round4(5_000_000 / paid),
    filingToRulingDaysMedian: nearestRank(filing, 50), filingToRulingDaysP90: nearestRank(filing, 90),
    rulingToFinalDaysMedian: 30, rulingToFinalDaysP90: 30,
    applicationToDecisionDaysMedian: nearestRank(decision, 50), applicationToDecisionDaysP90: nearestRank(decision, 90),
    decisionToFirstPayoutDaysMedian: nearestRank(payout, 50), decisionToFirstPayoutDaysP90: nearestRank(payout, 90),
  };
  const suppressedRS = ['rulingsReferredToCivil', 'enforcementFailedOffenderAbroad', 'awardsRejected', 'appeals', 'appealsUpheld'];

  await t.test('JSON per jurisdiction and filing year', async (t) => {
    const r = await get(app, '/monitoring/indicators', tk.auditor);
    t.equal(r.statusCode, 200);
    const body = r.json<{ rows: { jurisdiction: string; period: string; currency: string; indicators: Record<string, number | null>; suppressed: string[] }[]; definitions: Record<string, string> }>();
    t.same(body.rows.map((x) => `${x.jurisdiction}/${x.period}`), ['BA/2025', 'RS/2025']);
    const rs = body.rows[1]!;
    t.equal(rs.currency, 'RSD');
    t.same(Object.keys(rs.indicators).sort(), Object.keys(expectedRS).sort(), 'every indicator present');
    for (const [name, value] of Object.entries(expectedRS)) t.equal(rs.indicators[name], value, name);
    t.same([...rs.suppressed].sort(), [...suppressedRS].sort(), 'counts of 1-4 victims suppressed');
    t.same(Object.keys(body.definitions).sort(), Object.keys(expectedRS).sort(), 'a definition for every indicator');

    const baRow = body.rows[0]!;
    t.equal(baRow.indicators.claimsFiled, null, 'BA: 3 claims filed is suppressed');
    t.equal(baRow.indicators.amountClaimedMinor, null, 'and so is the amount claimed by 3 victims');
    t.ok(baRow.suppressed.includes('claimsFiled') && baRow.suppressed.includes('amountClaimedMinor'));
    t.equal(baRow.indicators.fundApplications, 0, 'zero is shown');
    t.notOk(JSON.stringify(baRow.indicators).includes('3000000'), 'no BA total leaks');

    const filtered = (await get(app, '/monitoring/indicators?jurisdiction=RS&from=2025&to=2025', tk.lawyer)).json<{ rows: unknown[] }>();
    t.equal(filtered.rows.length, 1, 'filters; aggregates are open to every role');
    t.same((await get(app, '/monitoring/indicators?from=2026', tk.auditor)).json<{ rows: unknown[] }>().rows, []);
    t.equal((await get(app, '/monitoring/indicators?from=year', tk.auditor)).statusCode, 400);
  });

  await t.test('CSV', async (t) => {
    const r = await get(app, '/monitoring/indicators', tk.auditor, { accept: 'text/csv' });
    t.equal(r.statusCode, 200);
    t.match(r.headers['content-type'], /^text\/csv/);
    const lines = r.body.trim().split('\r\n').map((l) => l.split(','));
    const header = lines[0]!;
    t.same(header.slice(0, 3), ['jurisdiction', 'period', 'currency']);
    const rs = lines.find((l) => l[0] === 'RS')!;
    for (const [name, value] of Object.entries(expectedRS)) {
      const cell = rs[header.indexOf(name)];
      t.equal(cell, value === null ? 'suppressed' : String(value), `csv ${name}`);
    }
    const baLine = lines.find((l) => l[0] === 'BA')!;
    t.equal(baLine[header.indexOf('claimsFiled')], 'suppressed');
  });
});
