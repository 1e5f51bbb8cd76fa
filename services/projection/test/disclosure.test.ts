/**
 * Disclosure control of published tables. The property: over many random tables, nothing
 * published is a small count, every published figure is the table's own, and no withheld cell
 * is determined by what is published — checked by linear algebra independently of the
 * implementation's graph argument: a withheld cell x_k is determined by the table's equations
 * exactly when the unit vector e_k lies in the row space of the equations restricted to the
 * withheld cells (rank does not grow when e_k is added).
 */
import t from 'tap';
import fc from 'fast-check';
import { smallCount, suppress, type PublishedTable, type TableInput } from '../src/monitoring/disclosure.ts';

const THRESHOLD = 5;

/** Rank of a rational matrix (entries -1, 0, 1: exact enough in doubles with a tolerance). */
function rank(m: number[][]): number {
  const a = m.map((r) => [...r]);
  let rk = 0;
  const cols = a[0]?.length ?? 0;
  for (let c = 0; c < cols && rk < a.length; c++) {
    let p = rk;
    for (let i = rk + 1; i < a.length; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[p]![c]!)) p = i;
    if (Math.abs(a[p]![c]!) < 1e-9) continue;
    [a[rk], a[p]] = [a[p]!, a[rk]!];
    for (let i = 0; i < a.length; i++) {
      if (i === rk) continue;
      const f = a[i]![c]! / a[rk]![c]!;
      for (let j = c; j < cols; j++) a[i]![j]! -= f * a[rk]![j]!;
    }
    rk++;
  }
  return rk;
}

/** The published table as the extended grid (cells, row totals, column totals, grand total), null where withheld or absent. */
function gridOf(input: TableInput, out: PublishedTable): { values: (number | null)[][]; present: boolean[][] } {
  const rows = input.cells.length;
  const columns = input.cells[0]!.length;
  const values: (number | null)[][] = [];
  const present: boolean[][] = [];
  for (let r = 0; r <= rows; r++) {
    values.push([]); present.push([]);
    for (let c = 0; c <= columns; c++) {
      if (r < rows && c < columns) { values[r]!.push(out.cells[r]![c]!); present[r]!.push(true); }
      else if (r < rows) { values[r]!.push(out.rowTotals?.[r] ?? null); present[r]!.push(input.rowTotals); }
      else if (c < columns) { values[r]!.push(out.columnTotals?.[c] ?? null); present[r]!.push(input.columnTotals); }
      else { values[r]!.push(out.total); present[r]!.push(input.rowTotals && input.columnTotals); }
    }
  }
  return { values, present };
}

/** Withheld cells that the published figures determine (the attacker's linear system). */
function derivable(input: TableInput, out: PublishedTable): [number, number][] {
  const rows = input.cells.length;
  const columns = input.cells[0]!.length;
  const { values, present } = gridOf(input, out);
  const unknown: [number, number][] = [];
  values.forEach((line, r) => line.forEach((v, c) => { if (present[r]![c] && v === null) unknown.push([r, c]); }));
  const index = new Map(unknown.map(([r, c], i) => [`${r},${c}`, i]));
  // Each published line: its cells minus its total = 0; only the unknowns' coefficients matter for determinacy.
  const equations: number[][] = [];
  const line = (cells: [number, number][], total: [number, number]) => {
    if (!present[total[0]]![total[1]]) return;
    const eq = new Array<number>(unknown.length).fill(0);
    for (const [r, c] of cells) { const i = index.get(`${r},${c}`); if (i !== undefined) eq[i] = 1; }
    const i = index.get(`${total[0]},${total[1]}`);
    if (i !== undefined) eq[i] = -1;
    equations.push(eq);
  };
  const range = (n: number) => [...Array(n).keys()];
  for (let r = 0; r <= rows; r++) line(range(columns).map((c) => [r, c]), [r, columns]);
  for (let c = 0; c <= columns; c++) line(range(rows).map((r) => [r, c]), [rows, c]);
  const base = rank(equations);
  return unknown.filter((_, k) => {
    const unit = new Array<number>(unknown.length).fill(0);
    unit[k] = 1;
    return rank([...equations, unit]) === base;
  });
}

function published(input: TableInput, out: PublishedTable): number[] {
  const { values } = gridOf(input, out);
  return values.flat().filter((v): v is number => v !== null);
}

const table = fc.record({
  cells: fc.integer({ min: 1, max: 7 }).chain((columns) => fc.array(
    fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 60 })), { minLength: columns, maxLength: columns }),
    { minLength: 1, maxLength: 7 })),
  rowTotals: fc.boolean(),
  columnTotals: fc.boolean(),
});

t.test('no withheld cell of a random table can be worked out, and no small count is published', async (t) => {
  let withheldSeen = 0;
  fc.assert(fc.property(table, (input) => {
    const out = suppress(input, smallCount(THRESHOLD));
    const shown = published(input, out);
    if (shown.some((v) => v > 0 && v < THRESHOLD)) return false;
    const { values } = gridOf(input, out);
    const truth = gridOf(input, suppress({ ...input }, () => false)).values;
    if (values.some((line, r) => line.some((v, c) => v !== null && v !== truth[r]![c]))) return false;
    withheldSeen += values.flat().filter((v) => v === null).length;
    return derivable(input, out).length === 0;
  }), { numRuns: 2000, seed: 20261206 });
  t.ok(withheldSeen > 1000, `the tables withheld cells to check (${withheldSeen})`);
});

t.test('the check finds a derivable cell: primary suppression alone leaks', async (t) => {
  // Without complementary suppression the rank check must catch the leak (so the property above can fail).
  const input: TableInput = { cells: [[2, 10], [10, 10]], rowTotals: true, columnTotals: true };
  const primaryOnly: PublishedTable = { cells: [[null, 10], [10, 10]], rowTotals: [12, 20], columnTotals: [12, 20], total: 32 };
  t.same(derivable(input, primaryOnly), [[0, 0]]);
});

t.test('example: a small cell, its partner in row and column, and the totals', async (t) => {
  // Rows: jurisdictions; columns: rejected, awarded. AL has 3 rejected decisions.
  const input: TableInput = { cells: [[12, 40], [3, 25], [9, 7]], rowTotals: true, columnTotals: true };
  const out = suppress(input, smallCount(THRESHOLD));
  t.same(out, {
    cells: [[12, 40], [null, null], [null, null]],
    rowTotals: [52, 28, 16],
    columnTotals: [24, 72],
    total: 96,
  }, 'the cheapest partners: the row\'s other cell and the smallest column partners (9 and 7), totals kept');
  t.same(derivable(input, out), []);
});

t.test('a table of columns only: a column with one small cell withholds its next smallest', async (t) => {
  const out = suppress({ cells: [[3, 100], [8, 200], [20, 300]], rowTotals: false, columnTotals: true }, smallCount(THRESHOLD));
  t.same(out, { cells: [[null, 100], [null, 200], [20, 300]], rowTotals: null, columnTotals: [31, 600], total: null });
});
