/**
 * The yearly regional report (GET /monitoring/report) over real events through the projection's
 * HTTP API: who may read it, that its numbers are the publication's (the HTML parsed, the PDF
 * read back with pdftotext), that no withheld cell shows a number anywhere in it, and that a
 * rebuilt read model gives byte-identical HTML and PDF.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { INTL_LOCALE, LOCALES, checkCatalogues, type Locale } from '@cfund/i18n';
import type { Jurisdiction } from '@cfund/contracts';
import { REPORT_CATALOGUES } from '../src/monitoring/report/messages.ts';
import { allocateBudget, appliedClaim, assess, fileClaim, get, rsYear, scheduledClaim, startHarness, startProjection, step, tokens } from './helpers.ts';

const run = promisify(execFile);
const ALL: Jurisdiction[] = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'];

/** The PDF's text as pdftotext lays it out (-layout: a table row on one line), whitespace collapsed per line. */
async function pdfLines(pdf: Buffer): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'report-'));
  try {
    await writeFile(join(dir, 'report.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', join(dir, 'report.pdf'), '-']);
    return stdout.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The tables of the report's HTML: id → rows of cell texts (the row's heading first). */
function htmlTables(html: string): Map<string, string[][]> {
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  const tables = new Map<string, string[][]>();
  for (const [, id, body] of html.matchAll(/<table data-table="([^"]+)">.*?<tbody>(.*?)<\/tbody><\/table>/gs)) {
    tables.set(id!, [...body!.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map(([, row]) => [...row!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map(([, c]) => unescape(c!))));
  }
  return tables;
}

interface CountTable { id: string; rows: { jurisdiction?: string; category?: string; cells: (number | null)[]; total: number | null }[]; columnTotals: (number | null)[]; total: number | null }
interface EurTable { id: string; columns: string[]; rows: { jurisdiction: string; currency: string | null; cells: (number | null)[] }[]; columnTotals: (number | null)[] }
type PublishedTables = Record<string, unknown> & {
  claims: CountTable; amounts: EurTable | null; recoveries: EurTable | null; budget: EurTable | null; breakdowns: CountTable[]; appeals: CountTable;
  durations: { id: string; rows: { jurisdiction: string; cells: (number | null)[] }[]; region: (number | null)[] }; victims: { sex: CountTable; age: CountTable };
};

/**
 * The rows the report in `locale` must print for each table of a publication, from its JSON: what
 * a published cell reads computed here with Intl in the locale's tag, not by the report's code.
 */
function expectedRows(p: { tables: PublishedTables }, locale: Locale = 'en') {
  const { withheld, region } = REPORT_CATALOGUES[locale];
  const tag = INTL_LOCALE[locale];
  const countText = (v: number | null) => (v === null ? withheld : v.toLocaleString(tag));
  const eurText = (v: number | null) => (v === null ? withheld : (v / 100).toLocaleString(tag, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  const T = p.tables;
  const rows = new Map<string, string[][]>();
  for (const c of [T.claims, T.appeals, ...T.breakdowns, T.victims.sex, T.victims.age]) {
    rows.set(c.id, [...c.rows.map((r) => [r.jurisdiction ?? r.category!, ...r.cells.map(countText), countText(r.total)]), [region, ...c.columnTotals.map(countText), countText(c.total)]]);
  }
  for (const a of [T.amounts, T.recoveries]) {
    if (a) rows.set(a.id, [...a.rows.map((r) => [r.jurisdiction, ...r.cells.map(eurText), r.currency ?? '']), [region, ...a.columnTotals.map(eurText), '']]);
  }
  // Budget use: the share used (committed / allocated) after the amounts, withheld with the commitment, empty without a budget.
  const b = T.budget!;
  const [allocated, committed] = [b.columns.indexOf('allocated'), b.columns.indexOf('committed')];
  const shareText = (cells: (number | null)[]) => (cells[committed] === null ? withheld
    : cells[allocated]! > 0 ? (cells[committed]! / cells[allocated]!).toLocaleString(tag, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }) : '');
  rows.set(b.id, [...b.rows.map((r) => [r.jurisdiction, ...r.cells.map(eurText), shareText(r.cells), r.currency ?? '']), [region, ...b.columnTotals.map(eurText), shareText(b.columnTotals), '']]);
  rows.set(T.durations.id, [...T.durations.rows.map((r) => [r.jurisdiction, ...r.cells.map(countText)]), [region, ...T.durations.region.map(countText)]]);
  return rows;
}

t.test('the report catalogues: every locale, every message, the same placeholders, all compile; a broken one is caught', async (t) => {
  t.same(Object.keys(REPORT_CATALOGUES).sort(), [...LOCALES].sort(), 'a catalogue per locale of the fund');
  t.same(checkCatalogues(REPORT_CATALOGUES), []);
  const { 'column.withdrawn': _dropped, ...lacking } = REPORT_CATALOGUES.mk;
  const broken = {
    ...REPORT_CATALOGUES, mk: lacking,
    sq: { ...REPORT_CATALOGUES.sq, footer: 'Raporti rajonal i monitorimit {year}: faqja {page} nga {pages}' },
    hr: { ...REPORT_CATALOGUES.hr, title: 'Regionalno izvješće {year' },
  } as unknown as typeof REPORT_CATALOGUES;
  t.same(checkCatalogues(broken).map((x) => `${x.locale} ${x.id} ${x.problem}`).sort(), ['hr title compile', 'mk column.withdrawn missing', 'sq footer placeholders']);
  t.ok(REPORT_CATALOGUES['sr-Cyrl'].title.startsWith('Накнада штете жртвама трговине људима'), 'Serbian Cyrillic: the Latin catalogue transliterated');
  t.match(REPORT_CATALOGUES['sr-Cyrl'].footer, /\{all\} \{commit\}/, 'its placeholders kept');
});

t.test('monitoring report', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const year = rsYear(h.clock.now);
  await allocateBudget(h, tk, year);
  // RS: 6 claims only filed, 2 rejected, 3 awarded (unpaid): small cells withheld; BA: 5 only filed.
  for (let i = 0; i < 6; i++) await fileClaim(h, tk.lawyer);
  for (let i = 0; i < 2; i++) {
    const id = await appliedClaim(h, tk);
    await assess(h, id, tk);
    await step(h, id, 'rejection', tk.approver1, { reasons: ['Not eligible.'], appealInstructions: 'Appeal within 15 days.' });
  }
  for (let i = 0; i < 3; i++) await scheduledClaim(h, tk, 90_000_000, 2);
  const ba = await tokens(h, 'BA');
  for (let i = 0; i < 5; i++) await fileClaim(h, ba.lawyer, { jurisdiction: 'BA', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 5_000_000, currency: 'BAM' } }] });
  await h.catchUp();

  const monitor = await h.token('monitor-1', ['monitor'], ALL);
  const publication = (await get(app, `/monitoring/publication?year=${year}`, monitor)).json();
  const claimsRS = publication.tables.claims.rows.find((r: { jurisdiction: string }) => r.jurisdiction === 'RS');
  t.same(claimsRS.cells, [6, null, null, 0, 0], 'the publication withholds RS\'s rejected (2) and awarded (3) claims');

  t.test('a monitor and an auditor get it; a lawyer is refused; bad input is a problem', async (t) => {
    const r = await get(app, `/monitoring/report?year=${year}`, monitor);
    t.equal(r.statusCode, 200, r.body.slice(0, 300));
    t.match(r.headers['content-type'], /^text\/html/);
    t.match(r.headers['content-security-policy'], /script-src 'self'/, 'served under the services\' CSP');
    t.notMatch(r.body, /<script|\son[a-z]+=|https?:\/\/(?!www\.w3\.org\/)/i, 'no script, no handler, nothing fetched from elsewhere');
    t.match(r.body, /<svg[^>]*>/, 'charts inline as SVG');
    t.ok(r.body.includes(publication.computedFrom.commitPosition), 'the $all position it was computed from');
    t.equal((await get(app, `/monitoring/report?year=${year}`, tk.auditor)).statusCode, 200, 'an auditor');
    const pdf = await get(app, `/monitoring/report?year=${year}&format=pdf`, monitor);
    t.equal(pdf.statusCode, 200);
    t.equal(pdf.headers['content-type'], 'application/pdf');
    t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const lawyer = await get(app, `/monitoring/report?year=${year}`, tk.lawyer);
    t.equal(lawyer.statusCode, 403);
    t.match(lawyer.headers['content-type'], /application\/problem\+json/);
    t.equal(lawyer.json().code, 'forbidden-role');
    for (const url of ['/monitoring/report', `/monitoring/report?year=${year}&format=docx`, `/monitoring/report?year=${year}&lang=xx`]) {
      const bad = await get(app, url, monitor);
      t.equal(bad.statusCode, 400, url);
      t.match(bad.headers['content-type'], /application\/problem\+json/);
    }
  });

  t.test('the HTML\'s tables are the publication\'s, withheld cells as withheld', async (t) => {
    const html = (await get(app, `/monitoring/report?year=${year}`, monitor)).body;
    const tables = htmlTables(html);
    const expected = expectedRows(publication);
    t.ok(expected.size >= 10, `tables: ${[...expected.keys()].join(', ')}`);
    for (const [id, rows] of expected) t.same(tables.get(id), rows, id);
    t.same(tables.get('claims-by-fund-outcome')!.find((r) => r[0] === 'RS'), ['RS', '6', 'withheld', 'withheld', '0', '0', '11']);
    // The charts draw published values only: no bar for RS's rejected or awarded claims.
    t.notMatch(html, /aria-label="x: RS; claims: \d+; series: (Rejected|Awarded, unpaid)"/, 'no withheld bar in a chart');
    t.match(html, /aria-label="x: RS; claims: 6; series: Undecided"/, 'a published bar is drawn');
    t.match(html, /aria-label="x: RS; claims: 0; series: Awarded and paid"/, 'a published zero is a zero');
    for (const rate of publication.referenceRates.rates as { currency: string; provisional: boolean }[]) {
      t.same(tables.get('reference-rates')!.find((r) => r[0] === rate.currency)![2], rate.provisional ? 'provisional' : 'final', rate.currency);
    }
    t.ok(html.includes('Claims filed in the year (the row totals of the claims table).'), 'the catalogue\'s definitions');
  });

  t.test('the PDF says the same: its table rows read back with pdftotext', async (t) => {
    const pdf = (await get(app, `/monitoring/report?year=${year}&format=pdf`, monitor)).rawPayload;
    const lines = await pdfLines(pdf);
    const text = lines.join(' ');
    t.ok(text.includes(`Compensation of victims of trafficking: regional monitoring report ${year}`), 'the title');
    t.ok(text.includes(publication.computedFrom.commitPosition), 'the position');
    let rows = 0;
    for (const [id, expected] of expectedRows(publication)) {
      for (const row of expected) {
        t.ok(lines.includes(row.filter(Boolean).join(' ')), `${id}: ${row.join(' | ')}`);
        rows++;
      }
    }
    t.ok(rows > 60, `rows read back: ${rows}`);
    const rs = lines.filter((l) => l.startsWith('RS '));
    t.ok(rs.includes('RS 6 withheld withheld 0 0 11'), 'the claims row of RS');
    t.notOk(rs.some((l) => /^RS 6 \S+ 3 0 0 11$|^RS 6 2 \S+ 0 0 11$/.test(l)), 'the withheld counts (2 rejected, 3 awarded) appear nowhere in it');
  });

  t.test('a monitor of BA gets BA\'s rows and the regional totals', async (t) => {
    const monitorBA = await h.token('monitor-ba', ['monitor'], ['BA']);
    const html = (await get(app, `/monitoring/report?year=${year}`, monitorBA)).body;
    t.same(htmlTables(html).get('claims-by-fund-outcome')!.map((r) => r[0]), ['BA', 'Region']);
    t.match(html, /Jurisdictions shown: BA\./);
  });

  t.test('the budget use of the fund year: its table and chart, withheld cells as withheld', async (t) => {
    const budget = publication.tables.budget as EurTable & { rows: { cells: (number | null)[] }[] };
    const rs = budget.rows.find((r) => r.jurisdiction === 'RS')!;
    t.ok(rs.cells[0]! > 0, 'RS\'s budget allocated, shown');
    t.equal(rs.cells[1], null, 'what three awards committed: withheld');
    const html = (await get(app, `/monitoring/report?year=${year}`, monitor)).body;
    t.same(htmlTables(html).get('budget-use-eur'), expectedRows(publication).get('budget-use-eur'), 'the table');
    t.same(htmlTables(html).get('budget-use-eur')!.find((r) => r[0] === 'RS')!.slice(2, 3), ['withheld'], 'RS committed withheld');
    t.match(html, /Use of the fund’s budget in the fund year \d{4} \(EUR\)/, 'its heading');
    t.match(html, new RegExp(`aria-label="x: RS; EUR: ${Math.round(rs.cells[0]! / 100).toLocaleString('en')}; series: Allocated"`), 'the budget drawn (the axis\' whole euros)');
    t.notMatch(html, /aria-label="x: RS; EUR: [\d,.]+; series: Committed"/, 'no bar for the withheld commitment');
  });

  for (const locale of ['mk', 'sq'] as const) {
    t.test(`the PDF in ${locale}: the tables' figures read back with pdftotext`, async (t) => {
      const r = await get(app, `/monitoring/report?year=${year}&format=pdf&lang=${locale}`, monitor);
      t.equal(r.statusCode, 200);
      const lines = await pdfLines(r.rawPayload);
      const text = lines.join(' ');
      const title = REPORT_CATALOGUES[locale].title.replace('{year}', String(year));
      t.ok(text.includes(title), `the title: ${title}`);
      t.ok(text.includes(REPORT_CATALOGUES[locale]['section.budget'].replace('{year}', String(year))), 'the budget\'s heading');
      let rows = 0;
      for (const [id, expected] of expectedRows(publication, locale)) {
        for (const row of expected) {
          const line = row.filter(Boolean).join(' ').replace(/\s+/g, ' ');
          t.ok(lines.includes(line), `${id}: ${line}`);
          rows++;
        }
      }
      t.ok(rows > 60, `rows read back: ${rows}`);
      t.notOk(/\uFFFD|\?{2}/.test(text), 'no glyph missing');
    });
  }

  t.test('every locale: its language, its numbers, its withheld', async (t) => {
    for (const locale of LOCALES) {
      const html = (await get(app, `/monitoring/report?year=${year}&lang=${locale}`, monitor)).body;
      t.match(html, new RegExp(`<html lang="${locale}">`), locale);
      const tables = htmlTables(html);
      for (const [id, rows] of expectedRows(publication, locale)) t.same(tables.get(id), rows, `${locale} ${id}`);
      t.ok(html.includes(publication.computedFrom.commitPosition) && html.includes('$all') && !html.includes('$алл'), `${locale}: the position and the log's name`);
    }
    const cyrillic = (await get(app, `/monitoring/report?year=${year}&lang=sr-Cyrl`, monitor)).body;
    t.match(cyrillic, /регионални извештај о праћењу/);
    t.match(cyrillic, /позиције \$all \d+/, 'the log\'s name in Latin within Cyrillic text');
  });

  t.test('Serbian (Latin)', async (t) => {
    const html = (await get(app, `/monitoring/report?year=${year}&lang=sr-Latn`, monitor)).body;
    t.match(html, /<html lang="sr-Latn">/);
    t.match(html, /regionalni izveštaj o praćenju/);
    t.same(htmlTables(html).get('claims-by-fund-outcome')!.find((r) => r[0] === 'RS'), ['RS', '6', 'uskraćeno', 'uskraćeno', '0', '0', '11']);
    t.match(html, /Zahtevi po kategoriji: oblik eksploatacije/, 'the breakdowns\' names in the language');
  });

  t.test('a rebuilt read model gives byte-identical HTML and PDF', async (t) => {
    const html = (await get(app, `/monitoring/report?year=${year}`, monitor)).body;
    const pdf = (await get(app, `/monitoring/report?year=${year}&format=pdf`, monitor)).rawPayload;
    const operator = await h.token('operator-1', ['operator'], []);
    const rebuilt = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${operator}` } });
    t.equal(rebuilt.statusCode, 200, rebuilt.body);
    const again = (await get(app, `/monitoring/publication?year=${year}`, monitor)).json();
    t.same(again.computedFrom, publication.computedFrom, 'the same position');
    t.equal((await get(app, `/monitoring/report?year=${year}`, monitor)).body, html, 'HTML');
    t.ok((await get(app, `/monitoring/report?year=${year}&format=pdf`, monitor)).rawPayload.equals(pdf), 'PDF');
  });
});
