/**
 * Stored events whose amounts today's commands would refuse (events are immutable, such claims
 * exist): appended directly with the client, bypassing the command service. Every read path stays
 * up: sums are clamped to the largest exact integer and the row is flagged, never a 500.
 */
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { Clock, allocateBudget, fileClaim, get, rsYear, startHarness, startProjection, tokens } from './helpers.ts';

const HUGE = Number.MAX_SAFE_INTEGER;
const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

t.test('stored amounts beyond the bounds', async (t) => {
  const h = await startHarness(t, { clock: new Clock(new Date(Date.now() - 86400_000), 60_000) });
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const year = rsYear(h.clock.now);
  await allocateBudget(h, tk, year);
  const valid = await fileClaim(h, tk.lawyer);

  // A ClaimFiled as the attack left it: the valid one's data, with two heads of MAX_SAFE_INTEGER each.
  let filed: { data: Record<string, unknown>; metadata: unknown } | undefined;
  for await (const e of h.env.eventStore.readStream(`claim-${valid}`, { maxCount: 1 })) {
    filed = { data: e.event!.data as Record<string, unknown>, metadata: e.event!.metadata };
  }
  const huge: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    huge.push(id);
    await h.env.eventStore.appendToStream(`claim-${id}`, [
      jsonEvent({ type: 'ClaimFiled', data: { ...filed!.data, claimId: id, damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(HUGE) }, { head: 'lost-earnings', amount: RSD(HUGE) }] }, metadata: filed!.metadata as Record<string, unknown> }),
      jsonEvent({ type: 'CourtRulingRecorded', data: { schemaVersion: 1, claimId: id, court: 'C', caseNumber: 'K-1', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(HUGE) }] } }),
      jsonEvent({ type: 'CourtRulingRecorded', data: { schemaVersion: 1, claimId: id, court: 'C', caseNumber: 'K-2', decidedOn: '2025-05-21', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(HUGE) }] } }),
      jsonEvent({ type: 'OffenderPaymentReceived', data: { schemaVersion: 1, claimId: id, amount: RSD(HUGE), receivedOn: '2025-06-01' } }),
      jsonEvent({ type: 'OffenderPaymentReceived', data: { schemaVersion: 1, claimId: id, amount: RSD(HUGE), receivedOn: '2025-06-02' } }),
    ]);
  }
  // A fund year budgeted twice with MAX_SAFE_INTEGER, and a commitment of it.
  const fundYear = 2199;
  const fundEvent = (type: string, extra: Record<string, unknown>) => jsonEvent({ type, data: { schemaVersion: 1, jurisdiction: 'RS', year: fundYear, ...extra } });
  await h.env.eventStore.appendToStream(`fund-RS-${fundYear}`, [
    fundEvent('FundBudgetAllocated', { amount: RSD(HUGE), allocatedBy: 'admin-1', allocatedAt: '2026-01-01T00:00:00.000Z' }),
    fundEvent('FundBudgetAllocated', { amount: RSD(HUGE), allocatedBy: 'admin-1', allocatedAt: '2026-01-01T00:00:01.000Z' }),
    fundEvent('FundsCommitted', { claimId: huge[0], amount: RSD(HUGE) }),
    fundEvent('FundsCommitted', { claimId: huge[1], amount: RSD(HUGE) }),
    fundEvent('RecoveryCredited', { claimId: huge[0], amount: RSD(HUGE) }),
  ]);
  const outcomes = await h.catchUp();
  t.notOk(outcomes['dead-letter'], 'every stored event is applied (events are facts)');

  await t.test('GET /claims answers every page, clamped and flagged', async (t) => {
    for (const token of [tk.auditor, tk.assessor, tk.lawyer]) {
      const r = await get(app, '/claims?limit=500', token);
      t.equal(r.statusCode, 200, r.statusCode === 200 ? 'answers 200' : r.body);
      const items = r.json<{ items: { claimId: string; claimedMinor: number; amountsBeyondBounds: boolean }[] }>().items;
      const row = items.find((i) => i.claimId === huge[0])!;
      t.equal(row.claimedMinor, HUGE, 'a sum beyond the largest exact integer is clamped to it');
      t.equal(row.amountsBeyondBounds, true, 'and the row says so');
      t.equal(items.find((i) => i.claimId === valid)!.amountsBeyondBounds, false, 'a claim within the bounds is not flagged');
    }
  });

  await t.test('GET /claims/{id} answers with clamped sums and the flag', async (t) => {
    for (const token of [tk.auditor, tk.assessor, tk.lawyer]) {
      const r = await get(app, `/claims/${huge[0]}`, token);
      t.equal(r.statusCode, 200, r.statusCode === 200 ? 'answers 200' : r.body);
      const d = r.json<{ amountsBeyondBounds: boolean; money: Record<string, number>; moneyByHead: { courtAwarded: { amount: { amountMinor: number } }[] } }>();
      t.equal(d.amountsBeyondBounds, true);
      t.match(d.money, { claimed: HUGE, courtAwarded: HUGE, offenderPaid: HUGE });
      t.equal(d.moneyByHead.courtAwarded[0]!.amount.amountMinor, HUGE, 'by head too');
      for (const v of Object.values(d.money)) if (typeof v === 'number') t.ok(Number.isSafeInteger(v), 'every figure is an exact integer');
    }
    const ok = (await get(app, `/claims/${valid}`, tk.auditor)).json<{ amountsBeyondBounds: boolean; money: { claimed: number } }>();
    t.same([ok.amountsBeyondBounds, ok.money.claimed], [false, 150_000_000], 'a valid claim is unchanged');
  });

  await t.test('the other reads of such a claim answer too', async (t) => {
    for (const [url, token] of [
      [`/claims/${huge[0]}/history`, tk.auditor], [`/claims/${huge[0]}/state?revision=4`, tk.auditor], ['/work-queue', tk.lawyer], ['/deadlines', tk.auditor],
    ] as const) {
      const r = await get(app, url, token);
      t.equal(r.statusCode, 200, r.statusCode === 200 ? `${url} answers 200` : r.body);
    }
    const state = (await get(app, `/claims/${huge[0]}/state?revision=4`, tk.auditor)).json<{ state: { court: { offenderPaid: number } } }>().state;
    t.equal(state.court.offenderPaid, HUGE, 'the replayed state holds its total within the exact range');
  });

  await t.test('GET /funds/{j}/{y} answers with clamped sums and the flag', async (t) => {
    const r = await get(app, `/funds/RS/${fundYear}`, tk.finance);
    t.equal(r.statusCode, 200, r.statusCode === 200 ? 'answers 200' : r.body);
    const f = r.json<Record<string, unknown>>();
    t.match(f, { allocatedMinor: HUGE, committedMinor: HUGE, recoveredMinor: HUGE, amountsBeyondBounds: true });
    for (const k of ['allocatedMinor', 'committedMinor', 'availableMinor', 'outstandingMinor']) t.ok(Number.isSafeInteger(f[k]), `${k} is an exact integer`);
    const ok = (await get(app, `/funds/RS/${year}`, tk.finance)).json<{ amountsBeyondBounds: boolean; allocatedMinor: number }>();
    t.same([ok.amountsBeyondBounds, ok.allocatedMinor], [false, 10_000_000_000]);
  });

  await t.test('monitoring answers, JSON and CSV, with exact integers', async (t) => {
    const r = await get(app, '/monitoring/indicators?jurisdiction=RS', tk.auditor);
    t.equal(r.statusCode, 200, r.statusCode === 200 ? 'answers 200' : r.body);
    const row = r.json<{ rows: { indicators: Record<string, number | null> }[] }>().rows[0]!;
    t.equal(row.indicators.amountClaimedMinor, HUGE, 'the cohort sum is clamped');
    for (const [k, v] of Object.entries(row.indicators)) if (k.endsWith('Minor') && v !== null) t.ok(Number.isSafeInteger(v), `${k} is an exact integer`);
    const csv = await get(app, '/monitoring/indicators?jurisdiction=RS', tk.auditor, { accept: 'text/csv' });
    t.equal(csv.statusCode, 200);
    t.match(csv.body, String(HUGE));
  });
});
