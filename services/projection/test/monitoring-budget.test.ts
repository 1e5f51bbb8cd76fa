/**
 * The budget-use table of the monitoring publication: given a fund year's ledger events (written
 * into the real embedded store, projected, served over HTTP), then the table equals this file's
 * own fold over the same events, converted at the year's reference rate and with the disclosure
 * rules applied (the budget always shown; an amount over fewer victims than the threshold
 * withheld, and its complement). The same table is in the yearly dataset, JSON and CSV, and
 * the open-data routes (MONITORING_OPEN_DATA) serve that dataset without a token, byte for byte.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import type { Currency, Jurisdiction } from '@cfund/contracts';
import { suppress } from '../src/monitoring/disclosure.ts';
import { referenceRate } from '../src/monitoring/reference-rates.ts';
import { get, startHarness, startProjection } from './helpers.ts';

const YEAR = 2025;
const THRESHOLD = 5;
const ALL: Jurisdiction[] = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'];
const CURRENCY: Partial<Record<Jurisdiction, Currency>> = { RS: 'RSD', BA: 'BAM', AL: 'ALL' };

type Ev = { type: string; claimId?: string; amount: number; instalment?: number; recovery?: number };

t.test('budget use of a fund year: the ledger against its budget, in EUR, small amounts withheld', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h, { openData: true });
  t.teardown(() => app.close());

  const ids = Array.from({ length: 8 }, () => randomUUID());
  // RS: a budget in two allocations; 7 claims committed, one of them released in full and one in
  // part; 6 paid, one payment returned; one recovery (a single victim: withheld).
  // BA: 2 claims committed (withheld), none paid. AL: a budget only. ME, MK, XK: no ledger.
  const ledgers: Partial<Record<Jurisdiction, Ev[]>> = {
    RS: [
      { type: 'FundBudgetAllocated', amount: 50_000_000_00 }, { type: 'FundBudgetAllocated', amount: 12_345_678_90 },
      ...ids.slice(0, 7).map((claimId, i): Ev => ({ type: 'FundsCommitted', claimId, amount: 900_000_00 + i * 1_000_00 })),
      { type: 'FundsReleased', claimId: ids[0]!, amount: 900_000_00 },
      { type: 'FundsReleased', claimId: ids[1]!, amount: 1_000_00 },
      ...ids.slice(1, 7).map((claimId): Ev => ({ type: 'FundsDisbursed', claimId, instalment: 1, amount: 300_000_00 })),
      { type: 'FundsReturned', claimId: ids[6]!, instalment: 1, amount: 300_000_00 },
      { type: 'RecoveryCredited', claimId: ids[2]!, recovery: 1, amount: 55_555_55 },
    ],
    BA: [
      { type: 'FundBudgetAllocated', amount: 2_000_000_00 },
      { type: 'FundsCommitted', claimId: ids[7]!, amount: 40_000_00 },
      { type: 'FundsCommitted', claimId: randomUUID(), amount: 25_000_00 },
    ],
    AL: [{ type: 'FundBudgetAllocated', amount: 7_000_000_00 }],
  };
  for (const [jurisdiction, events] of Object.entries(ledgers) as [Jurisdiction, Ev[]][]) {
    const currency = CURRENCY[jurisdiction]!;
    await h.env.eventStore.appendToStream(`fund-${jurisdiction}-${YEAR}`, events.map(({ type, amount, ...rest }) => jsonEvent({
      type,
      data: {
        schemaVersion: type === 'RecoveryCredited' ? 2 : 1, jurisdiction, year: YEAR, ...rest, amount: { amountMinor: amount, currency },
        ...(type === 'FundBudgetAllocated' ? { allocatedBy: 'admin-1', allocatedAt: `${YEAR}-01-02T09:00:00.000Z` } : {}),
        ...(type === 'FundsReleased' || type === 'FundsReturned' ? { reason: 'test' } : {}),
      },
    })));
  }
  await h.catchUp();

  // The plain fold: per jurisdiction, each kind's sum and the claims behind it.
  const kinds = ['allocated', 'committed', 'disbursed', 'recovered'] as const;
  const fold = (events: Ev[]) => {
    const perClaim = new Map<string, { committed: number; disbursed: number; recovered: number }>();
    let allocated = 0;
    for (const e of events) {
      if (e.type === 'FundBudgetAllocated') { allocated += e.amount; continue; }
      const c = perClaim.get(e.claimId!) ?? { committed: 0, disbursed: 0, recovered: 0 };
      if (e.type === 'FundsCommitted') c.committed += e.amount;
      if (e.type === 'FundsReleased') c.committed -= e.amount;
      if (e.type === 'FundsDisbursed') c.disbursed += e.amount;
      if (e.type === 'FundsReturned') c.disbursed -= e.amount;
      if (e.type === 'RecoveryCredited') c.recovered += e.amount;
      perClaim.set(e.claimId!, c);
    }
    const claims = [...perClaim.values()];
    const sum = (k: 'committed' | 'disbursed' | 'recovered') => claims.reduce((s, c) => s + c[k], 0);
    const behind = (k: 'committed' | 'disbursed' | 'recovered') => claims.filter((c) => c[k] > 0).length;
    return { minor: [allocated, sum('committed'), sum('disbursed'), sum('recovered')], behind: [0, behind('committed'), behind('disbursed'), behind('recovered')] };
  };
  const folded = ALL.map((j) => (ledgers[j] ? fold(ledgers[j]) : { minor: [0, 0, 0, 0], behind: [0, 0, 0, 0] }));
  const eur = ALL.map((j, r) => folded[r]!.minor.map((m) => (CURRENCY[j] && ledgers[j] ? Math.round(m / referenceRate(CURRENCY[j], YEAR)!.perEur) : 0)));
  const behind = [...folded.map((f) => f.behind), kinds.map((_, c) => folded.reduce((s, f) => s + f.behind[c]!, 0))];
  const expected = suppress({ cells: eur, rowTotals: false, columnTotals: true }, (r, c) => behind[r]![c]! > 0 && behind[r]![c]! < THRESHOLD);

  const monitor = await h.token('monitor-1', ['monitor'], ALL);
  const r = await get(app, `/monitoring/tables?year=${YEAR}`, monitor);
  t.equal(r.statusCode, 200, 'the tables of the year');
  const budget = r.json().budget;
  t.same(budget, {
    id: 'budget-use-eur', unit: 'EUR', columns: [...kinds],
    rows: ALL.map((jurisdiction, row) => ({
      jurisdiction, currency: ledgers[jurisdiction] ? CURRENCY[jurisdiction] : null, cells: expected.cells[row],
      original: kinds.map((_, c) => (ledgers[jurisdiction] && expected.cells[row]![c] !== null ? folded[row]!.minor[c] : null)),
    })),
    columnTotals: expected.columnTotals,
  }, 'the table equals the plain fold with the disclosure rules applied');

  // What the rules must have done here, in words.
  const rs = budget.rows[0];
  t.equal(rs.original[0], 62_345_678_90, 'RS: both allocations, always shown');
  t.equal(folded[0]!.minor[1], 7 * 900_000_00 + 21 * 1_000_00 - 900_000_00 - 1_000_00, 'RS: committed less released, over 6 victims (withheld or not by the complement of BA\'s)');
  t.equal(rs.original[2], 5 * 300_000_00, 'RS: paid less returned (5 victims behind: shown)');
  t.equal(rs.cells[3], null, 'RS: a recovery from one offender is withheld');
  t.equal(budget.rows[1].cells[1], null, 'BA: committed for two victims is withheld');
  t.not(budget.rows[1].cells[0], null, 'BA: the budget is shown');
  kinds.forEach((kind, c) => {
    const withheld = budget.rows.filter((row: { cells: (number | null)[] }) => row.cells[c] === null).length;
    t.ok(withheld === 0 || withheld > 1 || budget.columnTotals[c] === null, `${kind}: a withheld cell cannot be worked out from the regional total`);
  });
  t.equal(budget.rows[3].cells[0], Math.round(7_000_000_00 / referenceRate('ALL', YEAR)!.perEur), 'AL: its budget in euro cents');

  const dataset = await get(app, `/monitoring/publication?year=${YEAR}`, monitor);
  t.same(dataset.json().tables.budget, budget, 'the yearly dataset publishes the same table');
  t.ok(dataset.json().dictionary.some((d: { table: string }) => d.table === 'budget-use-eur'), 'with its entry in the data dictionary');
  const csv = await app.inject({ method: 'GET', url: `/monitoring/publication?year=${YEAR}`, headers: { authorization: `Bearer ${monitor}`, accept: 'text/csv' } });
  t.match(csv.body, new RegExp(`${YEAR},budget-use-eur,RS,recovered,,EUR,true`), 'the CSV marks the withheld cell');
  t.match(csv.body, new RegExp(`${YEAR},budget-use-eur,AL,allocated,${Math.round(7_000_000_00 / referenceRate('ALL', YEAR)!.perEur)},EUR,false,ALL,700000000`), 'and gives the budget with its original amount');

  // Open data: the same publication without a token, and nothing else without one.
  const anonymous = await get(app, `/open-data/monitoring/publication?year=${YEAR}`);
  t.equal(anonymous.statusCode, 200, 'open data without a token');
  t.equal(anonymous.body, dataset.body, 'the open-data dataset is the regional monitor\'s, byte for byte');
  t.equal(anonymous.headers['cache-control'], 'public, max-age=300');
  const anonymousCsv = await get(app, `/open-data/monitoring/publication?year=${YEAR}`, undefined, { accept: 'text/csv' });
  t.equal(anonymousCsv.body, csv.body, 'and its CSV');
  t.match((await get(app, `/open-data/monitoring/publication/dictionary?year=${YEAR}`)).body, /^table,unit,rows,columns,definition\r\n/, 'the dictionary');
  t.equal((await get(app, '/open-data/monitoring/catalogue')).body, (await get(app, '/monitoring/catalogue', monitor)).body, 'the catalogue');
  const bad = await get(app, '/open-data/monitoring/publication?year=abc');
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /application\/problem\+json/);
  for (const url of [`/monitoring/publication?year=${YEAR}`, `/monitoring/tables?year=${YEAR}`, '/claims', `/funds/RS/${YEAR}`]) {
    t.equal((await get(app, url)).statusCode, 401, `${url} still needs a token`);
  }
});
