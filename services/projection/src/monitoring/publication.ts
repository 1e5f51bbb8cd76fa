/**
 * The yearly regional dataset: the published tables of a filing year (tables.ts), a data
 * dictionary, and the `$all` position of the newest event the read model had applied when they
 * were computed, as JSON or as CSV (one line per published cell). Nothing in it depends on when
 * or where it was made (no clock, no host): the same events up to the same position give the
 * same bytes, so a publication can be reproduced exactly by rebuilding the read model.
 */
import { CATALOGUE, type TableId } from './catalogue.js';
import type { MonitoringTables } from './tables.js';

export const DATASET = 'cfund-regional-monitoring';
/**
 * The version of the dataset's shape (columns of the CSV, keys of the JSON, columns of its tables).
 * 2: `withdrawn`, a column of the claims table and its breakdowns (1 counted a withdrawn claim by its decision).
 * 3: the table `decisions-by-time-limit` (and its shares within the limit).
 */
export const DATASET_VERSION = 3;

export interface DictionaryEntry {
  table: TableId;
  unit: string;
  /** What a row is: a jurisdiction (with the region's totals) or a category of a breakdown. */
  rows: 'jurisdiction' | 'category';
  columns: string[];
  definition: string;
}

export interface Publication {
  dataset: typeof DATASET;
  datasetVersion: number;
  year: number;
  /** The `$all` position the tables were computed from (null: a read model from before positions were kept; rebuild it). */
  computedFrom: { commitPosition: string; preparePosition: string } | null;
  suppressionThreshold: number;
  referenceRates: MonitoringTables['referenceRates'];
  dictionary: DictionaryEntry[];
  tables: Omit<MonitoringTables, 'year' | 'computedFrom' | 'suppressionThreshold' | 'referenceRates'>;
}

/** The publication of a year's tables (monitoringTables). */
export function publication(t: MonitoringTables): Publication {
  const { year, computedFrom, suppressionThreshold, referenceRates, ...tables } = t;
  return { dataset: DATASET, datasetVersion: DATASET_VERSION, year, computedFrom, suppressionThreshold, referenceRates, dictionary: dictionaryOf(tables), tables };
}

/** The tables of a publication in their order, each with its rows' key. */
function tablesOf(t: Publication['tables']) {
  return [
    t.claims, ...(t.amounts ? [t.amounts] : []), ...(t.recoveries ? [t.recoveries] : []), ...(t.budget ? [t.budget] : []), ...t.breakdowns, t.appeals, t.durations,
    t.timeLimit, t.victims.sex, t.victims.age,
  ];
}

function dictionaryOf(t: Publication['tables']): DictionaryEntry[] {
  return tablesOf(t).map((table) => ({
    table: table.id, unit: table.unit, rows: 'category' in (table.rows[0] ?? {}) ? 'category' : 'jurisdiction', columns: [...table.columns],
    definition: CATALOGUE.filter((i) => i.table === table.id).map((i) => `${i.name}: ${i.definition}`).join(' '),
  }));
}

const CSV_HEADER = ['year', 'table', 'row', 'column', 'value', 'unit', 'withheld', 'currency', 'original_value', 'computed_from_commit_position'];

/**
 * CSV (RFC 4180, CRLF): one line per published cell, totals included (row `region`, column
 * `total`); a withheld cell has an empty value and `withheld` true. The dictionary is
 * `dictionaryCsv`.
 */
export function publicationCsv(p: Publication): string {
  const lines = [CSV_HEADER.join(',')];
  const at = p.computedFrom?.commitPosition ?? '';
  const line = (table: string, row: string, column: string, value: number | null, unit: string, currency = '', original: number | null = null) =>
    lines.push([p.year, table, row, column, value ?? '', unit, value === null, currency, original ?? '', at].map(csvField).join(','));
  for (const table of tablesOf(p.tables)) {
    if (table.id === 'durations-days') {
      const d = p.tables.durations;
      for (const row of d.rows) d.columns.forEach((c, i) => line(d.id, row.jurisdiction, c, row.cells[i]!, d.unit));
      d.columns.forEach((c, i) => line(d.id, 'region', c, d.region[i]!, d.unit));
      continue;
    }
    if (table.unit === 'EUR') {
      const a = table as NonNullable<Publication['tables']['amounts']>;
      for (const row of a.rows) a.columns.forEach((c, i) => line(a.id, row.jurisdiction, c, row.cells[i]!, a.unit, row.currency ?? '', row.original[i]!));
      a.columns.forEach((c, i) => line(a.id, 'region', c, a.columnTotals[i]!, a.unit));
      continue;
    }
    const c = table as Publication['tables']['claims'] | Publication['tables']['breakdowns'][number];
    for (const row of c.rows as { jurisdiction?: string; category?: string; cells: (number | null)[]; total: number | null }[]) {
      const name = row.jurisdiction ?? row.category ?? '';
      c.columns.forEach((column, i) => line(c.id, name, column, row.cells[i]!, c.unit));
      line(c.id, name, 'total', row.total, c.unit);
    }
    c.columns.forEach((column, i) => line(c.id, 'region', column, c.columnTotals[i]!, c.unit));
    line(c.id, 'region', 'total', c.total, c.unit);
    if (table.id === 'decisions-by-time-limit') {
      // The shares within the limit, from the published cells: empty (not withheld) where they cannot be given.
      const tl = p.tables.timeLimit;
      const share = (row: string, value: number | null) => lines.push([p.year, tl.id, row, 'share-within-limit', value ?? '', 'share', false, '', '', at].map(csvField).join(','));
      for (const row of tl.rows) share(row.jurisdiction, row.shareWithinLimit);
      share('region', tl.regionShareWithinLimit);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The data dictionary as CSV: one line per table. */
export function dictionaryCsv(p: Publication): string {
  const lines = [['table', 'unit', 'rows', 'columns', 'definition'].join(',')];
  for (const d of p.dictionary) lines.push([d.table, d.unit, d.rows, d.columns.join(' '), d.definition].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
