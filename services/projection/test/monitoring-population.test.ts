/**
 * Every published monitoring table over a generated population (all six jurisdictions, two
 * filing years, seeded random paths through court, fund, appeal, payment, recovery and
 * withdrawal (before or after the fund's decision, some reopened); the victim's sex and age in
 * the encrypted personal data, some erased through the command service), written into the real
 * embedded event store, projected, and served over HTTP; checked against this file's own plain
 * fold over the same events read back from `$all`: counts by fund outcome (withdrawn its own
 * outcome) and by each breakdown, appeals by outcome, amounts and recoveries in EUR,
 * percentiles of durations. Then the disclosure rules are applied to the expected figures the
 * same way (suppression has its own property test): the whole table must match.
 */
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import { JURISDICTIONS, type Currency, type Jurisdiction, type PersonalData } from '@cfund/contracts';
import { schemeById } from '@cfund/domain';
import { FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { keyStoreDir } from '@cfund/service-kit';
import { generateClaims, sealVictims } from '../src/bench/claim-population.ts';
import { APPEAL_COLUMNS, BREAKDOWNS, FUND_OUTCOMES, TIME_LIMIT_COLUMNS } from '../src/monitoring/catalogue.ts';
import { smallCount, suppress } from '../src/monitoring/disclosure.ts';
import { referenceRate } from '../src/monitoring/reference-rates.ts';
import { timeLimitColumnOf } from '../src/monitoring/tables.ts';
import type { CohortClaim } from '../src/queries/monitoring.ts';
import { AGE_COLUMNS, SEX_COLUMNS, profileOf } from '../src/monitoring/victim-profiles.ts';
import { get, readAllEnvelopes, startHarness, startProjection } from './helpers.ts';

const YEARS = [2025, 2026];
const THRESHOLD = 5;

/** What this test knows of a claim, folded from its events with nothing of the projection's. */
interface Plain {
  claimId: string; incidentOn: string; erased: boolean;
  jurisdiction: Jurisdiction; year: number; currency: Currency; zone: string; decisionTimeLimitDays: number | null;
  form: string; role: string; ruling: string; failure: string;
  decision: 'approved' | 'rejected' | 'none'; withdrawn: boolean; withdrawals: number; award: number; claimed: number; paid: number; recovered: number;
  appeals: number; appealOutcomes: string[]; appliedAt?: string; firstDecisionAt?: string; firstPayoutAt?: string;
}

const localDate = (instant: string, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
const daysBetween = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;

function fold(events: { type: string; data: Record<string, unknown>; at: string }[]): Plain {
  const filed = events[0]!.data as { claimId: string; incidentOn: string; jurisdiction: Jurisdiction; schemeVersion: string; currency: Currency; filedAt: string; formOfExploitation: string; applicantRole: string; damagesClaimed: { amount: { amountMinor: number } }[] };
  const scheme = schemeById(`${filed.jurisdiction}@${filed.schemeVersion}`);
  const zone = scheme.timeZone;
  const p: Plain = {
    claimId: filed.claimId, incidentOn: filed.incidentOn, erased: false, jurisdiction: filed.jurisdiction, year: Number(localDate(filed.filedAt, zone).slice(0, 4)), currency: filed.currency, zone,
    decisionTimeLimitDays: scheme.decisionTimeLimitDays,
    form: filed.formOfExploitation, role: filed.applicantRole, ruling: 'no-ruling', failure: 'none', decision: 'none', withdrawn: false, withdrawals: 0, award: 0,
    claimed: filed.damagesClaimed.reduce((s, x) => s + x.amount.amountMinor, 0), paid: 0, recovered: 0, appeals: 0, appealOutcomes: [],
  };
  const amount = (d: Record<string, unknown>, key: string) => (d[key] as { amountMinor: number }).amountMinor;
  for (const { type, data, at } of events.slice(1)) {
    if (type === 'CourtRulingRecorded') p.ruling = data.outcome as string;
    if (type === 'EnforcementFailed') p.failure = data.reason as string;
    if (type === 'FundApplicationSubmitted') p.appliedAt = data.submittedAt as string;
    if (type === 'AwardApproved' || type === 'AwardRejected') p.firstDecisionAt ??= at;
    if (type === 'AwardApproved') { p.decision = 'approved'; p.award = amount(data, 'netAward'); }
    if (type === 'AwardRejected') { p.decision = 'rejected'; p.award = 0; }
    if (type === 'DecisionAppealed') p.appeals += 1;
    if (type === 'AppealDecided') {
      p.appealOutcomes.push(data.outcome as string);
      if (data.outcome === 'increased' || data.outcome === 'reduced') { p.decision = 'approved'; p.award = amount(data, 'netAward'); }
      if (data.outcome === 'remitted') { p.decision = 'none'; p.award = 0; }
    }
    if (type === 'PayoutDisbursed') { p.paid += amount(data, 'amount'); p.firstPayoutAt ??= data.disbursedAt as string; }
    if (type === 'RecoveryFromOffenderRecorded') p.recovered += amount(data, 'amount');
    if (type === 'PersonalDataErased') p.erased = true;
    if (type === 'ClaimWithdrawn') { p.withdrawn = true; p.withdrawals += 1; }
    if (type === 'ClaimReopened') p.withdrawn = false;
  }
  return p;
}

/** A claim that stands withdrawn is withdrawn whatever the fund had decided; else its standing decision. */
const outcome = (p: Plain) => (p.withdrawn ? 'withdrawn' : p.decision === 'rejected' ? 'rejected' : p.decision === 'approved' ? (p.paid > 0 ? 'awarded-paid' : 'awarded-unpaid') : 'undecided');
const counts = <T>(rows: readonly T[], columns: readonly string[], claims: Plain[], rowOf: (p: Plain) => T, columnOf: (p: Plain) => string | undefined) =>
  rows.map((r) => columns.map((c) => claims.filter((p) => rowOf(p) === r && columnOf(p) === c).length));
const published = (cells: number[][]) => suppress({ cells, rowTotals: true, columnTotals: true }, smallCount(THRESHOLD));

t.test('a victim\'s columns: given, else by date of birth on the day of the crime, else unknown', async (t) => {
  const v = (extra: object) => ({ fullName: 'A Victim', ...extra });
  t.same(profileOf(v({ sex: 'female', childAtTimeOfCrime: true, dateOfBirth: '1980-01-01' }), '2024-05-01'), { sex: 'female', age: 'child' }, 'the answer given wins over the date of birth');
  t.same(profileOf(v({ childAtTimeOfCrime: false }), null), { sex: 'unknown', age: 'adult' });
  t.same(profileOf(v({ dateOfBirth: '2006-05-02' }), '2024-05-01'), { sex: 'unknown', age: 'child' }, 'the day before the 18th birthday: a child');
  t.same(profileOf(v({ dateOfBirth: '2006-05-01' }), '2024-05-01'), { sex: 'unknown', age: 'adult' }, 'on the 18th birthday: an adult');
  t.same(profileOf(v({ dateOfBirth: '2006-05-01' }), null), { sex: 'unknown', age: 'unknown' }, 'no date of the crime');
  t.same(profileOf({ sex: 'female' }, '2024-05-01'), { sex: 'unknown', age: 'unknown' }, 'data that is not personal data of the contracts');
  t.end();
});

t.test('a decided claim\'s time-limit column: the limit\'s last day within, the day after beyond, no limit never within', async (t) => {
  const claim = (applied: string | undefined, decided: string | undefined, limit: number | null) =>
    ({ on: { filed: '2025-01-01', applied, firstDecision: decided }, decisionTimeLimitDays: limit }) as unknown as CohortClaim;
  t.equal(timeLimitColumnOf(claim('2025-01-01', '2025-07-02', 182)), 'within-limit', 'day 182 of 182');
  t.equal(timeLimitColumnOf(claim('2025-01-01', '2025-07-03', 182)), 'beyond-limit', 'day 183');
  t.equal(timeLimitColumnOf(claim('2025-01-01', '2025-01-02', null)), 'no-limit', 'a version without a limit');
  t.equal(timeLimitColumnOf(claim('2025-01-01', undefined, 182)), undefined, 'not decided: in no column');
  t.equal(timeLimitColumnOf(claim('2025-02-01', '2025-01-02', 182)), undefined, 'decided before the application (data to correct): in no column');
  t.end();
});

t.test('monitoring tables over a generated population', async (t) => {
  const h = await startHarness(t);
  // Some assessments slow: decisions beyond the schemes' time limits too.
  const population = generateClaims({ seed: 16, jurisdictions: JURISDICTIONS, years: YEARS, claimsPerCell: 40, slowAssessments: 0.2 });
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(keyStoreDir(h.dataDir)), masterKey: h.masterKey });
  await sealVictims(population, (victimRef, victim) => protector.encryptPersonalData(victimRef, victim));
  for (const claim of population) {
    await h.env.eventStore.appendToStream(`claim-${claim.claimId}`, claim.events.map((e) => jsonEvent({ type: e.type, data: e.data as never, metadata: { occurredAt: e.at } })));
  }
  // The first 8 victims of each jurisdiction's first year are erased by a data-protection officer.
  const erased = JURISDICTIONS.flatMap((j) => population.filter((c) => c.jurisdiction === j).slice(0, 8));
  for (const claim of erased) {
    const dpo = await h.token(`dpo-${claim.jurisdiction}`, ['dpo'], [claim.jurisdiction]);
    const r = await h.post(`/victims/vic-${claim.claimId}/erasure`, dpo, { reason: 'The victim asked for erasure.' });
    if (r.statusCode !== 200) t.fail(`erasure: ${r.body}`);
  }
  await h.catchUp();
  const victims = new Map<string, PersonalData>(population.map((c) => [c.claimId, c.victim]));
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const monitor = await h.token('monitor-1', ['monitor'], [...JURISDICTIONS]);

  const streams = new Map<string, { type: string; data: Record<string, unknown>; at: string }[]>();
  for (const e of await readAllEnvelopes(h.env.eventStore)) {
    if (!e.streamId.startsWith('claim-')) continue;
    const list = streams.get(e.streamId) ?? [];
    list.push({ type: e.type, data: e.data as Record<string, unknown>, at: (e.metadata as { occurredAt: string }).occurredAt });
    streams.set(e.streamId, list);
  }
  const all = [...streams.values()].map(fold);
  t.equal(all.length, population.length, 'every generated claim read back');
  t.same(new Set(all.map((p) => `${p.jurisdiction}${p.year}`)).size, 12, 'six jurisdictions, two filing years');

  for (const year of YEARS) {
    t.test(`filing year ${year}`, async (t) => {
      const r = await get(app, `/monitoring/tables?year=${year}`, monitor);
      t.equal(r.statusCode, 200, 'the tables of the year');
      const body = r.json();
      const cohort = all.filter((p) => p.year === year);
      const byJurisdiction = (p: Plain) => p.jurisdiction;

      const claims = published(counts(JURISDICTIONS, FUND_OUTCOMES, cohort, byJurisdiction, outcome));
      t.same(body.claims.rows.map((x: { cells: unknown; total: unknown }) => [x.cells, x.total]), claims.cells.map((c, i) => [c, claims.rowTotals![i]]), 'claims by fund outcome');
      t.same([body.claims.columnTotals, body.claims.total], [claims.columnTotals, claims.total]);
      const decided = cohort.filter((p) => outcome(p) !== 'undecided').length;
      t.ok(decided >= 100 && cohort.length - decided >= 50, `a population with decided (${decided}) and undecided claims`);
      // Withdrawn: its own column, each claim that stands withdrawn in it and in no other.
      const withdrawn = cohort.filter((p) => p.withdrawn);
      t.ok(withdrawn.length >= 12, `withdrawn claims in the population (${withdrawn.length})`);
      t.ok(withdrawn.some((p) => p.decision !== 'none'), 'some withdrawn after the fund\'s decision');
      t.ok(cohort.some((p) => !p.withdrawn && p.withdrawals > 0), 'some withdrawn and reopened (they do not count as withdrawn)');
      const w = body.claims.columns.indexOf('withdrawn');
      t.ok(w >= 0, 'a column for withdrawn claims');
      t.equal(body.claims.columnTotals[w], withdrawn.length, 'the region\'s withdrawn claims');

      for (const table of body.breakdowns as { id: string; rows: { category: string; cells: unknown; total: unknown }[]; columnTotals: unknown; total: unknown }[]) {
        const id = table.id.replace('claims-by-', '') as keyof typeof BREAKDOWNS;
        const key = { 'form-of-exploitation': 'form', 'applicant-role': 'role', 'court-outcome': 'ruling', 'enforcement-failure': 'failure' }[id] as 'form';
        const categories = BREAKDOWNS[id].categories as readonly string[];
        t.same(table.rows.map((x) => x.category), categories, `${id}: every category`);
        const expected = published(counts(categories, FUND_OUTCOMES, cohort, (p) => p[key], outcome));
        t.same(table.rows.map((x) => [x.cells, x.total]), expected.cells.map((c, i) => [c, expected.rowTotals![i]]), id);
        t.same([table.columnTotals, table.total], [expected.columnTotals, expected.total], `${id}: totals`);
        t.equal(table.total ?? cohort.length, cohort.length, `${id}: every claim in one category`);
      }
      t.equal(body.breakdowns.length, 4);

      const appealOf = (p: Plain) => (p.appeals === 0 ? undefined : p.appealOutcomes.length < p.appeals ? 'pending' : p.appealOutcomes.at(-1));
      const appeals = published(counts(JURISDICTIONS, APPEAL_COLUMNS, cohort, byJurisdiction, appealOf));
      t.same(body.appeals.rows.map((x: { cells: unknown; total: unknown }) => [x.cells, x.total]), appeals.cells.map((c, i) => [c, appeals.rowTotals![i]]), 'appeals by outcome');
      t.same([body.appeals.columnTotals, body.appeals.total], [appeals.columnTotals, appeals.total]);
      t.ok(cohort.filter((p) => p.appeals > 0).length >= 20, 'appeals in the population');

      // Amounts: euro cents at the year's reference rate; withheld over 1 to 4 claims.
      const eurOf = (claims: Plain[], minor: (p: Plain) => number) => {
        const byCurrency = new Map<Currency, number>();
        for (const p of claims) byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + minor(p));
        return [...byCurrency].reduce((s, [c, m]) => s + Math.round(m / referenceRate(c, year)!.perEur), 0);
      };
      const amountTable = (kinds: [string, (p: Plain) => boolean, (p: Plain) => number][]) => {
        const of = (j: Jurisdiction) => cohort.filter((p) => p.jurisdiction === j);
        const cells = JURISDICTIONS.map((j) => kinds.map(([, counts, minor]) => eurOf(of(j).filter(counts), minor)));
        const behind = JURISDICTIONS.map((j) => kinds.map(([, counts]) => of(j).filter(counts).length));
        behind.push(kinds.map((_, k) => behind.reduce((s, line) => s + line[k]!, 0)));
        const out = suppress({ cells, rowTotals: false, columnTotals: true }, (r, c) => behind[r]![c]! > 0 && behind[r]![c]! < THRESHOLD);
        return {
          rows: JURISDICTIONS.map((j, r) => ({
            jurisdiction: j, currency: of(j)[0]!.currency, cells: out.cells[r],
            original: kinds.map(([, counts, minor], c) => (out.cells[r]![c] === null ? null : of(j).filter(counts).reduce((s, p) => s + minor(p), 0))),
          })),
          columnTotals: out.columnTotals,
        };
      };
      const awarded = (p: Plain) => outcome(p).startsWith('awarded');
      t.match(body.amounts, amountTable([['claimed', () => true, (p) => p.claimed], ['awarded', awarded, (p) => p.award], ['paid', (p) => p.paid > 0, (p) => p.paid]]), 'amounts in EUR');
      t.same(body.recoveries.columns, ['paid', 'recovered']);
      t.match(body.recoveries, amountTable([['paid', (p) => p.paid > 0, (p) => p.paid], ['recovered', (p) => p.recovered > 0, (p) => p.recovered]]), 'recoveries in EUR');
      t.ok(cohort.some((p) => p.recovered > 0), 'recoveries in the population');

      // Durations: days between local dates; over fewer than the threshold, withheld.
      const spans = (claims: Plain[]) => {
        const decision = claims.filter((p) => p.appliedAt && p.firstDecisionAt).map((p) => daysBetween(localDate(p.appliedAt!, p.zone), localDate(p.firstDecisionAt!, p.zone)));
        const payment = claims.filter((p) => p.firstDecisionAt && p.firstPayoutAt).map((p) => daysBetween(localDate(p.firstDecisionAt!, p.zone), localDate(p.firstPayoutAt!, p.zone)));
        const shown = (xs: number[], q: number) => (xs.length < THRESHOLD ? null : nearestRank(xs, q));
        return [shown(decision, 50), shown(decision, 90), shown(payment, 50), shown(payment, 90)];
      };
      t.same(body.durations.rows.map((x: { cells: unknown }) => x.cells), JURISDICTIONS.map((j) => spans(cohort.filter((p) => p.jurisdiction === j))), 'durations per jurisdiction');
      t.same(body.durations.region, spans(cohort), 'durations of the region');
      t.ok(body.durations.region.every((x: number | null) => x !== null && x > 0), 'regional durations shown');

      // Decisions within the scheme's time limit: calendar days from application to first decision, the limit's last day within.
      const limitOf = (p: Plain) => {
        if (!p.appliedAt || !p.firstDecisionAt) return undefined;
        const days = daysBetween(localDate(p.appliedAt, p.zone), localDate(p.firstDecisionAt, p.zone));
        if (days < 0) return undefined;
        return p.decisionTimeLimitDays === null ? 'no-limit' : days <= p.decisionTimeLimitDays ? 'within-limit' : 'beyond-limit';
      };
      const timeLimit = published(counts(JURISDICTIONS, TIME_LIMIT_COLUMNS, cohort, byJurisdiction, limitOf));
      t.same(body.timeLimit.columns, TIME_LIMIT_COLUMNS);
      t.same(body.timeLimit.rows.map((x: { cells: unknown; total: unknown }) => [x.cells, x.total]), timeLimit.cells.map((c, i) => [c, timeLimit.rowTotals![i]]), 'decisions by time limit');
      t.same([body.timeLimit.columnTotals, body.timeLimit.total], [timeLimit.columnTotals, timeLimit.total]);
      const shareOf = (cells: (number | null)[]) => (cells[0] === null || cells[1] === null || cells[0]! + cells[1]! === 0 ? null : Math.round((cells[0]! / (cells[0]! + cells[1]!)) * 10_000) / 10_000);
      t.same(body.timeLimit.rows.map((x: { shareWithinLimit: unknown }) => x.shareWithinLimit), timeLimit.cells.map(shareOf), 'shares within the limit, of published cells');
      t.equal(body.timeLimit.regionShareWithinLimit, shareOf(timeLimit.columnTotals!), 'the region\'s share');
      const regional = TIME_LIMIT_COLUMNS.map((c) => cohort.filter((p) => limitOf(p) === c).length);
      t.ok(regional[0]! >= THRESHOLD && regional[1]! >= THRESHOLD, `decisions within (${regional[0]}) and beyond (${regional[1]}) the limit`);
      t.equal(regional[2], 0, 'every scheme version sets a limit (no-limit is counted, empty here)');

      // Sex and age at the time of the crime: from the plaintext the generator encrypted; an erased victim is unknown.
      const sexOf = (p: Plain) => (p.erased ? 'unknown' : victims.get(p.claimId)!.sex ?? 'unknown');
      const ageOf = (p: Plain) => {
        const v = victims.get(p.claimId)!;
        if (p.erased) return 'unknown';
        if (v.childAtTimeOfCrime !== undefined) return v.childAtTimeOfCrime ? 'child' : 'adult';
        if (!v.dateOfBirth) return 'unknown';
        const [y, m, d] = v.dateOfBirth.split('-').map(Number) as [number, number, number];
        const [iy, im, id] = p.incidentOn.split('-').map(Number) as [number, number, number];
        return iy - y - (im < m || (im === m && id < d) ? 1 : 0) < 18 ? 'child' : 'adult';
      };
      for (const [table, columns, of] of [[body.victims.sex, SEX_COLUMNS, sexOf], [body.victims.age, AGE_COLUMNS, ageOf]] as const) {
        const expected = published(counts(JURISDICTIONS, columns, cohort, byJurisdiction, of));
        t.same(table.columns, columns);
        t.same(table.rows.map((x: { cells: unknown; total: unknown }) => [x.cells, x.total]), expected.cells.map((c, i) => [c, expected.rowTotals![i]]), table.id);
        t.same([table.columnTotals, table.total], [expected.columnTotals, expected.total], `${table.id}: totals`);
      }
      t.ok(cohort.filter((p) => ageOf(p) === 'child').length >= 20, 'children in the population');
      if (year === YEARS[0]) t.equal(cohort.filter((p) => p.erased).length, 48, 'erased victims in the cohort');

      // No published count is a small cell.
      const countCells = [body.claims, body.appeals, body.victims.sex, body.victims.age, ...body.breakdowns].flatMap((table: { rows: { cells: (number | null)[]; total: number | null }[]; columnTotals: (number | null)[]; total: number | null }) =>
        [...table.rows.flatMap((x) => [...x.cells, x.total]), ...table.columnTotals, table.total]);
      t.ok(countCells.some((x) => x === null) && countCells.every((x) => x === null || x === 0 || x >= THRESHOLD), 'no count from 1 to threshold - 1');
    });
  }

  t.test('the yearly dataset: JSON and CSV with a dictionary, its $all position, the same bytes after a rebuild', async (t) => {
    const projected = (await readAllEnvelopes(h.env.eventStore)).filter((e) => /^(claim|fund|access)-/.test(e.streamId));
    const last = projected.at(-1)!;
    const url = `/monitoring/publication?year=${YEARS[0]}`;
    const json = await get(app, url, monitor);
    t.equal(json.statusCode, 200);
    const p = json.json();
    t.same(p.computedFrom, { commitPosition: last.commitPosition, preparePosition: last.preparePosition }, 'the position of the newest event applied');
    const tables = (await get(app, `/monitoring/tables?year=${YEARS[0]}`, monitor)).json();
    t.same(p.tables.claims, tables.claims, 'the tables of the year');
    t.same(p.tables.victims, tables.victims);
    t.same(p.dictionary.map((d: { table: string }) => d.table).sort(), [...new Set((await get(app, '/monitoring/catalogue', monitor)).json().indicators.map((i: { table: string }) => i.table))].sort(),
      'a dictionary entry for every table');
    t.ok(p.dictionary.every((d: { definition: string; columns: string[] }) => d.definition.length > 20 && d.columns.length > 0), 'each with its definition and columns');

    const csv = await get(app, url, monitor, { accept: 'text/csv' });
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n').map((l) => l.split(','));
    t.same(lines[0], ['year', 'table', 'row', 'column', 'value', 'unit', 'withheld', 'currency', 'original_value', 'computed_from_commit_position']);
    const cell = (table: string, row: string, column: string) => lines.find((l) => l[1] === table && l[2] === row && l[3] === column);
    p.tables.claims.rows.forEach((r: { jurisdiction: string; cells: (number | null)[]; total: number | null }) => {
      p.tables.claims.columns.forEach((c: string, i: number) => t.same(cell('claims-by-fund-outcome', r.jurisdiction, c)!.slice(4, 7), [String(r.cells[i] ?? ''), 'claims', String(r.cells[i] === null)]));
    });
    t.same(cell('claims-by-fund-outcome', 'region', 'total')!.slice(4, 5), [String(p.tables.claims.total)]);
    t.same(cell('amounts-eur', 'RS', 'claimed')!.slice(4, 9), [String(p.tables.amounts.rows[0].cells[0]), 'EUR', 'false', 'RSD', String(p.tables.amounts.rows[0].original[0])]);
    t.same(cell('durations-days', 'region', 'application-to-decision-median')!.slice(4, 5), [String(p.tables.durations.region[0])]);
    t.ok(lines.slice(1).every((l) => l[9] === last.commitPosition), 'every line names the position');
    const cells = [p.tables.claims, p.tables.appeals, p.tables.timeLimit, p.tables.victims.sex, p.tables.victims.age, ...p.tables.breakdowns]
      .reduce((n: number, x: { rows: unknown[]; columns: unknown[] }) => n + (x.rows.length + 1) * (x.columns.length + 1), 0)
      + [p.tables.amounts, p.tables.recoveries, p.tables.budget].reduce((n: number, x: { rows: unknown[]; columns: unknown[] }) => n + (x.rows.length + 1) * x.columns.length, 0)
      + 7 * 4
      // The shares within the time limit: a line per jurisdiction and the region.
      + 7;
    t.equal(lines.length - 1, cells, 'one line per published cell, totals included');
    t.same(cell('decisions-by-time-limit', 'region', 'share-within-limit')!.slice(4, 7), [String(p.tables.timeLimit.regionShareWithinLimit ?? ''), 'share', 'false'], 'the region\'s share within the time limit');
    const dictionary = await get(app, `/monitoring/publication/dictionary?year=${YEARS[0]}`, monitor);
    t.equal(dictionary.statusCode, 200);
    t.equal(dictionary.body.trimEnd().split('\r\n').length, p.dictionary.length + 1);

    const operator = await h.token('operator-1', ['operator'], []);
    const rebuilt = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${operator}` } });
    t.equal(rebuilt.statusCode, 200, rebuilt.body);
    t.equal((await get(app, url, monitor)).body, json.body, 'the same JSON, byte for byte');
    t.equal((await get(app, url, monitor, { accept: 'text/csv' })).body, csv.body, 'the same CSV, byte for byte');
    t.equal((await get(app, `/monitoring/publication/dictionary?year=${YEARS[0]}`, monitor)).body, dictionary.body, 'the same dictionary');

    // One event more: a later position, and a publication that says so.
    const next = population[0]!;
    await h.env.eventStore.appendToStream(`claim-${next.claimId}`, [jsonEvent({ type: 'EvidenceAttached', data: { schemaVersion: 1, claimId: next.claimId, documentId: 'DOC-1', kind: 'other', sha256: 'a'.repeat(64), title: 'A document' }, metadata: { occurredAt: '2026-11-01T10:00:00.000Z' } })]);
    await h.catchUp();
    const after = (await get(app, url, monitor)).json();
    t.not(after.computedFrom.commitPosition, p.computedFrom.commitPosition, 'a new position');
    t.same(after.tables, p.tables, 'the same tables (evidence changes no figure)');

    const bad = await get(app, '/monitoring/publication?year=abc', monitor);
    t.equal(bad.statusCode, 400);
    t.match(bad.headers['content-type'], /application\/problem\+json/);
  });

  t.test('the catalogue names every table the publication holds', async (t) => {
    const catalogue = (await get(app, '/monitoring/catalogue', monitor)).json() as { indicators: { table: string }[] };
    const body = (await get(app, `/monitoring/tables?year=${YEARS[0]}`, monitor)).json();
    const tables = [body.claims.id, body.amounts.id, body.recoveries.id, body.budget.id, body.appeals.id, body.durations.id, body.timeLimit.id, body.victims.sex.id, body.victims.age.id, ...body.breakdowns.map((x: { id: string }) => x.id)];
    t.same(new Set(catalogue.indicators.map((i) => i.table)), new Set(tables));
  });
});
