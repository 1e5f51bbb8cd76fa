/**
 * The published monitoring tables and the `monitor` role, through the projection's HTTP API
 * over real events (the command service on the embedded event store): the tables of a year
 * with primary and complementary suppression and EUR amounts, what a monitor may read, and that
 * every route not serving aggregates refuses a monitor.
 */
import t from 'tap';
import type { Jurisdiction } from '@cfund/contracts';
import { referenceRate } from '../src/monitoring/reference-rates.ts';
import { allocateBudget, appliedClaim, readAllEnvelopes, assess, disburse, fileClaim, get, rsYear, scheduledClaim, startHarness, startProjection, step, tokens } from './helpers.ts';

const ALL: Jurisdiction[] = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'];
const BAM = (amountMinor: number) => ({ amountMinor, currency: 'BAM' as const });

t.test('monitoring publication', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const ba = await tokens(h, 'BA');
  const year = rsYear(h.clock.now);
  await allocateBudget(h, tk, year);

  // RS: 8 claims only filed, 2 rejected, 3 awarded and unpaid, 3 awarded with the first of two instalments paid.
  const AWARD = 90_000_000;
  for (let i = 0; i < 8; i++) await fileClaim(h, tk.lawyer);
  for (let i = 0; i < 2; i++) {
    const id = await appliedClaim(h, tk);
    await assess(h, id, tk, AWARD);
    await step(h, id, 'rejection', tk.approver1, { reasons: ['Not eligible.'], appealInstructions: 'Appeal within 15 days.' });
  }
  for (let i = 0; i < 6; i++) {
    const id = await scheduledClaim(h, tk, AWARD, 2);
    if (i >= 3) await disburse(h, id, tk, 1);
  }
  // BA: 6 claims only filed, in convertible marks.
  const BA_CLAIMED = 5_000_000;
  for (let i = 0; i < 6; i++) {
    // Sex and child at the time of the crime: given in the (encrypted) personal data.
    await fileClaim(h, ba.lawyer, {
      jurisdiction: 'BA', damagesClaimed: [{ head: 'non-pecuniary', amount: BAM(BA_CLAIMED) }],
      victim: { fullName: 'Projection Test Victim', sex: 'female', childAtTimeOfCrime: true },
    });
  }
  await h.catchUp();

  t.equal((await get(app, `/open-data/monitoring/publication?year=${year}`)).statusCode, 404, 'no open data unless MONITORING_OPEN_DATA is set');
  const monitor = await h.token('monitor-1', ['monitor'], ALL);
  const monitorBA = await h.token('monitor-ba', ['monitor'], ['BA']);

  t.test('the tables of the year: small cells and their complements withheld, amounts in EUR', async (t) => {
    const r = await get(app, `/monitoring/tables?year=${year}`, monitor);
    t.equal(r.statusCode, 200, r.body);
    const body = r.json();
    // RS [8, 2, 3, 3, 0]: 2 and 3 and 3 are small; the row keeps its total (three cells withheld, none derivable).
    // Column totals [14, 2, 3, 3, 0]: the same small counts, withheld; the grand total is shown. No claim withdrawn: zeros, shown.
    t.same(body.claims, {
      id: 'claims-by-fund-outcome', unit: 'claims', columns: ['undecided', 'rejected', 'awarded-unpaid', 'awarded-paid', 'withdrawn'],
      rows: ALL.map((jurisdiction) => ({
        jurisdiction,
        cells: jurisdiction === 'RS' ? [8, null, null, null, 0] : jurisdiction === 'BA' ? [6, 0, 0, 0, 0] : [0, 0, 0, 0, 0],
        total: jurisdiction === 'RS' ? 16 : jurisdiction === 'BA' ? 6 : 0,
      })),
      columnTotals: [14, null, null, null, 0], total: 22,
    });
    const rsd = referenceRate('RSD', year)!;
    const bam = referenceRate('BAM', year)!;
    const eur = (minor: number, rate: { perEur: number }) => Math.round(minor / rate.perEur);
    const rsClaimed = 16 * 150_000_000;
    // Awarded: 6 claims (shown); paid: 3 claims with one instalment of 45,000,000 (withheld, and so its column total).
    t.same(body.amounts.rows.find((x: { jurisdiction: string }) => x.jurisdiction === 'RS'), {
      jurisdiction: 'RS', currency: 'RSD', cells: [eur(rsClaimed, rsd), eur(6 * AWARD, rsd), null], original: [rsClaimed, 6 * AWARD, null],
    });
    t.same(body.amounts.rows.find((x: { jurisdiction: string }) => x.jurisdiction === 'BA'), {
      jurisdiction: 'BA', currency: 'BAM', cells: [eur(6 * BA_CLAIMED, bam), 0, 0], original: [6 * BA_CLAIMED, 0, 0],
    });
    t.same(body.amounts.columnTotals, [eur(rsClaimed, rsd) + eur(6 * BA_CLAIMED, bam), eur(6 * AWARD, rsd), null]);
    t.same(body.referenceRates.rates.map((x: { currency: string; provisional: boolean }) => [x.currency, x.provisional]), [['BAM', false], ['RSD', true]]);
    t.same(body.missingRates, []);
    // RS victims: a date of birth in 1995, a crime in 2025, no sex given; BA: six girls.
    t.same(body.victims.sex.rows.map((x: { cells: unknown }) => x.cells).slice(0, 2), [[0, 0, 0, 16], [6, 0, 0, 0]], 'claims by sex');
    t.same(body.victims.age.rows.map((x: { cells: unknown }) => x.cells).slice(0, 2), [[0, 16, 0], [6, 0, 0]], 'claims by age at the time of the crime');
    t.notOk(JSON.stringify(await readAllEnvelopes(h.env.eventStore)).includes('female'), 'no plaintext in the events');
    t.equal(body.suppressionThreshold, 5);
  });

  t.test('a monitor of some jurisdictions sees their rows and the regional totals', async (t) => {
    const body = (await get(app, `/monitoring/tables?year=${year}`, monitorBA)).json();
    t.same(body.claims.rows.map((x: { jurisdiction: string }) => x.jurisdiction), ['BA']);
    t.same(body.claims.columnTotals, [14, null, null, null, 0]);
    const indicators = (await get(app, `/monitoring/indicators?from=${year}&to=${year}`, monitorBA)).json();
    t.same(indicators.rows.map((x: { jurisdiction: string }) => x.jurisdiction), ['BA'], 'and the indicators of its jurisdictions');
    const auditor = (await get(app, `/monitoring/tables?year=${year}`, tk.auditor)).json();
    t.equal(auditor.claims.rows.length, 6, 'an auditor sees every row');
  });

  t.test('bad input: a problem, nothing else', async (t) => {
    for (const url of ['/monitoring/tables', '/monitoring/tables?year=1999', '/monitoring/tables?year=2026&x=1']) {
      const r = await get(app, url, monitor);
      t.equal(r.statusCode, 400, url);
      t.match(r.headers['content-type'], /application\/problem\+json/);
    }
  });

  t.test('the catalogue and the indicators: monitors and auditors alike', async (t) => {
    const catalogue = await get(app, '/monitoring/catalogue', monitor);
    t.equal(catalogue.statusCode, 200);
    const ids = catalogue.json().indicators.map((i: { id: string }) => i.id);
    t.ok(['claims-filed', 'claims-rejected', 'claims-awarded-paid', 'claims-withdrawn', 'amount-paid-eur'].every((id) => ids.includes(id)), ids.join(', '));
    for (const token of [monitor, tk.auditor]) {
      const r = await get(app, `/monitoring/indicators?from=${year}&to=${year}`, token);
      t.equal(r.statusCode, 200);
      t.match(r.json().rows.find((x: { jurisdiction: string }) => x.jurisdiction === 'RS'), { indicators: { claimsFiled: 16, awardsApproved: 6, awardsRejected: null } });
    }
  });

  t.test('a rebuilt read model publishes byte-identical tables', async (t) => {
    const before = await get(app, `/monitoring/tables?year=${year}`, monitor);
    const operator = await h.token('operator-1', ['operator'], []);
    const rebuilt = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${operator}` } });
    t.equal(rebuilt.statusCode, 200, rebuilt.body);
    const after = await get(app, `/monitoring/tables?year=${year}`, monitor);
    t.equal(after.body, before.body);
  });

  t.test('every route that does not serve aggregates refuses a monitor', async (t) => {
    const claimId = await fileClaim(h, tk.lawyer);
    await h.catchUp();
    const spec = (await get(app, '/openapi.json')).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const fill = (path: string) => path.replace('{id}', claimId).replace('{jurisdiction}', 'RS').replace('{year}', String(year))
      .replace(/\{[^}]+\}/g, '1');
    let refused = 0;
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (Array.isArray(operation.security) && operation.security.length === 0) continue; // public: health, readiness
        const url = fill(path);
        const r = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: { authorization: `Bearer ${monitor}` }, payload: method === 'get' ? undefined : {} });
        if (path.startsWith('/monitoring/')) {
          t.not(r.statusCode, 403, `${method} ${path} admits a monitor`);
          continue;
        }
        t.equal(r.statusCode, 403, `${method} ${path} refuses a monitor`);
        t.match(r.headers['content-type'], /application\/problem\+json/);
        t.equal(r.json().code, 'aggregates-only');
        refused++;
      }
    }
    t.ok(refused >= 10, `routes refused: ${refused}`);
    const both = await h.token('monitor-auditor', ['monitor', 'auditor'], ['RS']);
    t.equal((await get(app, `/claims/${claimId}`, both)).statusCode, 200, 'another role on the token grants what it grants');
    t.equal((await get(app, `/claims/${claimId}`, tk.auditor)).statusCode, 200, 'an auditor reads the claim');
  });
});
