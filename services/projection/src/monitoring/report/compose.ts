/**
 * What the regional report says, built ONLY from a publication (publication.ts): its published
 * tables, withheld cells included as withheld, never from the read model's rows. Pure: the same
 * publication and locale give the same report, which html.ts and pdf.ts only lay out.
 */
import { intlLocale } from '@cfund/i18n';
import { CATALOGUE, type BreakdownId } from '../catalogue.js';
import type { Publication } from '../publication.js';
import { type ChartSpec } from './charts.js';
import { reportCatalogue, type ReportLocale, type ReportMessageId } from './messages.js';

/** A table as the report prints it: every cell text, a withheld cell the word for withheld. */
export interface ReportTable {
  id: string;
  columns: string[];
  rows: { label: string; cells: string[]; total?: boolean }[];
}

export type ReportBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'table'; table: ReportTable }
  | { kind: 'chart'; chart: ChartSpec; caption: string };

export interface ReportContent {
  locale: ReportLocale;
  year: number;
  title: string;
  /** The `$all` commit position the publication was computed from ('' when unknown). */
  position: string;
  blocks: ReportBlock[];
  footer: (page: number, pages: number) => string;
}

type Cell = number | null;

export function composeReport(p: Publication, locale: ReportLocale, scope: readonly string[] | 'all' = 'all'): ReportContent {
  const m = reportCatalogue(locale);
  // `all`: the name of the event store's log, in no language's words.
  const t = (id: ReportMessageId, values?: Record<string, string | number>) => m.format(id, { all: '$all', ...values });
  const count = new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 0 });
  const euros = new Intl.NumberFormat(intlLocale(locale), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const rate = new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 5 });
  const share = new Intl.NumberFormat(intlLocale(locale), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const withheld = t('withheld');
  const cellText = (format: (n: number) => string) => (v: Cell) => (v === null ? withheld : format(v));
  const counts = cellText((n) => count.format(n));
  const eur = cellText((cents) => euros.format(cents / 100));
  const column = (c: string) => t(`column.${c}` as ReportMessageId);
  const blocks: ReportBlock[] = [];
  const T = p.tables;
  const position = p.computedFrom?.commitPosition ?? '';

  blocks.push({ kind: 'text', text: t('subtitle', { year: p.year }) });
  blocks.push({ kind: 'text', text: p.computedFrom
    ? t('provenance', { commit: p.computedFrom.commitPosition, prepare: p.computedFrom.preparePosition, dataset: p.dataset, version: p.datasetVersion, rates: p.referenceRates.version })
    : t('provenanceMissing') });
  if (scope !== 'all') blocks.push({ kind: 'text', text: t('scope', { jurisdictions: scope.join(', ') }) });
  blocks.push({ kind: 'text', text: t('withheldNote', { threshold: p.suppressionThreshold, withheld }) });

  /** A table with a total column and a region row (claims, appeals, breakdowns, victims). */
  const countTable = (id: string, columns: string[], label: (c: string) => string,
    rows: { name: string; cells: Cell[]; total: Cell }[], columnTotals: Cell[], total: Cell): ReportTable => ({
    id, columns: ['', ...columns.map(label), t('total')],
    rows: [
      ...rows.map((r) => ({ label: r.name, cells: [...r.cells.map(counts), counts(r.total)] })),
      { label: t('region'), cells: [...columnTotals.map(counts), counts(total)], total: true },
    ],
  });

  const claims = T.claims;
  blocks.push({ kind: 'heading', text: t('section.claims') });
  blocks.push({ kind: 'chart', caption: t('chartNote', { title: t('chart.claims') }), chart: {
    kind: 'stacked', unit: 'claims',
    values: claims.rows.flatMap((r) => claims.columns.map((c, i) => ({ x: r.jurisdiction, series: column(c), value: r.cells[i]! }))),
    series: claims.columns.map(column),
  } });
  blocks.push({ kind: 'table', table: named(countTable(claims.id, claims.columns, column,
    claims.rows.map((r) => ({ name: r.jurisdiction, cells: r.cells, total: r.total })), claims.columnTotals, claims.total), t('jurisdiction')) });

  blocks.push({ kind: 'heading', text: t('section.amounts') });
  if (!T.amounts) blocks.push({ kind: 'text', text: t('amounts.missing', { currencies: T.missingRates.join(', '), year: p.year }) });
  for (const a of [T.amounts, T.recoveries]) {
    if (!a) continue;
    if (a.id === 'recoveries-eur') blocks.push({ kind: 'heading', text: t('section.recoveries') });
    else blocks.push({ kind: 'chart', caption: t('chartNote', { title: t('chart.amounts') }), chart: {
      kind: 'grouped', unit: 'EUR',
      values: a.rows.flatMap((r) => a.columns.map((c, i) => ({ x: r.jurisdiction, series: column(c), value: r.cells[i] === null ? null : r.cells[i]! / 100 }))),
      series: a.columns.map(column),
    } });
    blocks.push({ kind: 'table', table: {
      id: a.id, columns: [t('jurisdiction'), ...a.columns.map(column), t('currency')],
      rows: [
        ...a.rows.map((r) => ({ label: r.jurisdiction, cells: [...r.cells.map(eur), r.currency ?? ''] })),
        { label: t('region'), cells: [...a.columnTotals.map(eur), ''], total: true },
      ],
    } });
  }

  const b = T.budget;
  if (b) {
    // The share used is committed / allocated, of published figures only: withheld with the commitment, none without a budget.
    const [allocated, committed] = [b.columns.indexOf('allocated'), b.columns.indexOf('committed')];
    const shareOf = (cells: Cell[]) => (cells[committed] === null ? withheld : cells[allocated]! > 0 ? share.format(cells[committed]! / cells[allocated]!) : '');
    blocks.push({ kind: 'heading', text: t('section.budget', { year: p.year }) });
    blocks.push({ kind: 'text', text: t('budget.note', { year: p.year }) });
    const drawn = b.columns.filter((c) => c !== 'recovered');
    blocks.push({ kind: 'chart', caption: t('chartNote', { title: t('chart.budget') }), chart: {
      kind: 'grouped', unit: 'EUR',
      values: b.rows.flatMap((r) => drawn.map((c) => {
        const v = r.cells[b.columns.indexOf(c)]!;
        return { x: r.jurisdiction, series: column(c), value: v === null ? null : v / 100 };
      })),
      series: drawn.map(column),
    } });
    blocks.push({ kind: 'table', table: {
      id: b.id, columns: [t('jurisdiction'), ...b.columns.map(column), t('budget.share'), t('currency')],
      rows: [
        ...b.rows.map((r) => ({ label: r.jurisdiction, cells: [...r.cells.map(eur), shareOf(r.cells), r.currency ?? ''] })),
        { label: t('region'), cells: [...b.columnTotals.map(eur), shareOf(b.columnTotals), ''], total: true },
      ],
    } });
  }

  const d = T.durations;
  blocks.push({ kind: 'heading', text: t('section.durations') });
  blocks.push({ kind: 'chart', caption: t('chartNote', { title: t('chart.durations') }), chart: {
    kind: 'grouped', unit: 'days',
    values: d.rows.flatMap((r) => d.columns.slice(0, 2).map((c, i) => ({ x: r.jurisdiction, series: column(c), value: r.cells[i]! }))),
    series: d.columns.slice(0, 2).map(column),
  } });
  blocks.push({ kind: 'table', table: {
    id: d.id, columns: [t('jurisdiction'), ...d.columns.map(column)],
    rows: [...d.rows.map((r) => ({ label: r.jurisdiction, cells: r.cells.map(counts) })), { label: t('region'), cells: d.region.map(counts), total: true }],
  } });

  const perJurisdiction = (heading: string, x: { id: string; columns: string[]; rows: { jurisdiction: string; cells: Cell[]; total: Cell }[]; columnTotals: Cell[]; total: Cell }, label: (c: string) => string) => {
    blocks.push({ kind: 'heading', text: heading });
    blocks.push({ kind: 'table', table: named(countTable(x.id, x.columns, label, x.rows.map((r) => ({ name: r.jurisdiction, cells: r.cells, total: r.total })), x.columnTotals, x.total), t('jurisdiction')) });
  };
  perJurisdiction(t('section.appeals'), T.appeals, (c) => c);
  perJurisdiction(t('section.timeLimit'), T.timeLimit, (c) => c);
  for (const b of T.breakdowns) {
    const id = b.id.slice('claims-by-'.length) as BreakdownId;
    blocks.push({ kind: 'heading', text: t('section.breakdown', { breakdown: t(`breakdown.${id}`) }) });
    blocks.push({ kind: 'table', table: named(countTable(b.id, b.columns, column, b.rows.map((r) => ({ name: r.category, cells: r.cells, total: r.total })), b.columnTotals, b.total), t('category')) });
  }
  perJurisdiction(t('section.sex'), T.victims.sex, (c) => c);
  perJurisdiction(t('section.age'), T.victims.age, (c) => c);

  blocks.push({ kind: 'heading', text: t('section.definitions') });
  for (const i of CATALOGUE) blocks.push({ kind: 'text', text: `${i.name}: ${i.definition} (${t('definition.unit', { unit: i.unit, table: i.table })})` });

  blocks.push({ kind: 'heading', text: t('section.rates') });
  blocks.push({ kind: 'table', table: {
    id: 'reference-rates', columns: [t('currency'), t('rates.perEur'), t('rates.status'), t('rates.source')],
    rows: p.referenceRates.rates.map((r) => ({ label: r.currency, cells: [rate.format(r.perEur), t(r.provisional ? 'rates.provisional' : 'rates.final'), r.source] })),
  } });

  return {
    locale, year: p.year, title: t('title', { year: p.year }), position, blocks,
    footer: (page, pages) => t('footer', { year: p.year, commit: position || '?', page, pages }),
  };
}

/** The table with its first column's heading. */
function named(table: ReportTable, first: string): ReportTable {
  return { ...table, columns: [first, ...table.columns.slice(1)] };
}
