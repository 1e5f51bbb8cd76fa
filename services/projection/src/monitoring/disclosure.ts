/**
 * Statistical disclosure control of a published table: primary suppression of small cells and
 * complementary (secondary) suppression, so that no withheld cell can be worked out from the
 * published cells and totals.
 *
 * A table is a grid of non-negative cells with, optionally, a total for each row (and then a
 * total of those) and for each column (and then a grand total). Its equations are "a line's
 * cells add up to its total". Flip the sign of the row and column totals (not the grand total)
 * and every line of the extended grid adds up to zero: a set of withheld cells can then vary
 * without changing anything published exactly when it carries a circulation, i.e. in the
 * bipartite graph of lines (a line without a published total is one shared free node) whose
 * edges are the withheld cells, a withheld cell can take another value exactly when its edge
 * lies on a cycle (is not a bridge). Every withheld cell is positive, so moving it and the
 * rest of its cycle by one keeps them all non-negative: it has at least two feasible values.
 *
 * Complementary suppression repeatedly takes a bridge and closes a cycle through it with the
 * cheapest path of positive cells (fewest newly withheld, then smallest values), until none is left.
 */

export interface TableInput {
  /** cells[row][column], non-negative. */
  readonly cells: readonly (readonly number[])[];
  /** Publish each row's total (and, with column totals, the grand total). */
  readonly rowTotals: boolean;
  readonly columnTotals: boolean;
}

export interface PublishedTable {
  /** `null`: withheld. */
  readonly cells: (number | null)[][];
  readonly rowTotals: (number | null)[] | null;
  readonly columnTotals: (number | null)[] | null;
  readonly total: number | null;
}

/** Withhold a cell (margins included; `row === rows` is the column totals' line, `column === columns` the row totals'). */
export type PrimaryRule = (row: number, column: number, value: number) => boolean;

/** Figures over fewer victims than this are withheld, unless MONITORING_SUPPRESSION_THRESHOLD says otherwise. */
export const DEFAULT_SUPPRESSION_THRESHOLD = 5;

/** Counts of 1 to threshold - 1 are withheld; zeros identify no one and are shown. */
export const smallCount = (threshold: number): PrimaryRule => (_r, _c, v) => v > 0 && v < threshold;

/** The extended grid: cells, then a column of row totals and a line of column totals (grand total in the corner). */
function extend(t: TableInput): number[][] {
  const rows = t.cells.length;
  const columns = t.cells[0]?.length ?? 0;
  const grid = t.cells.map((line) => [...line, line.reduce((a, b) => a + b, 0)]);
  const totals: number[] = [];
  for (let c = 0; c <= columns; c++) totals.push(grid.reduce((a, line) => a + line[c]!, 0));
  grid.push(totals);
  if (grid.some((line) => line.length !== columns + 1) || rows === 0) throw new TypeError('a table needs rows of equal length');
  return grid;
}

/** Which cells of the extended grid are published at all (a total without its line is not). */
function present(t: TableInput, rows: number, columns: number): (r: number, c: number) => boolean {
  return (r, c) => {
    if (r === rows && c === columns) return t.rowTotals && t.columnTotals;
    if (c === columns) return t.rowTotals && r < rows;
    if (r === rows) return t.columnTotals;
    return true;
  };
}

/** Graph nodes of a cell: its row line and its column line; a line with no published total is the free node 0. */
function nodesOf(t: TableInput, rows: number, columns: number) {
  // A row line is an equation when row totals are published (the totals' line, when the grand total is).
  const rowEquation = (r: number) => t.rowTotals && (r < rows || t.columnTotals);
  const columnEquation = (c: number) => t.columnTotals && (c < columns || t.rowTotals);
  return (r: number, c: number): [number, number] => [rowEquation(r) ? 1 + r : 0, columnEquation(c) ? 2 + rows + c : 0];
}

type Cell = readonly [number, number];

/** The withheld cells that lie on no cycle (Tarjan's bridges, on a multigraph: edges by index). */
export function bridges(withheld: readonly Cell[], node: (r: number, c: number) => [number, number]): Cell[] {
  const adjacency = new Map<number, { to: number; edge: number }[]>();
  const link = (a: number, b: number, edge: number) => {
    if (!adjacency.has(a)) adjacency.set(a, []);
    adjacency.get(a)!.push({ to: b, edge });
  };
  withheld.forEach(([r, c], i) => {
    const [a, b] = node(r, c);
    link(a, b, i);
    link(b, a, i);
  });
  const order = new Map<number, number>();
  const low = new Map<number, number>();
  const found: Cell[] = [];
  let counter = 0;
  const visit = (start: number) => {
    // Iterative depth-first search: tables can be long.
    const stack: { v: number; via: number; next: number }[] = [{ v: start, via: -1, next: 0 }];
    order.set(start, counter); low.set(start, counter++);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const edges = adjacency.get(frame.v)!;
      if (frame.next < edges.length) {
        const { to, edge } = edges[frame.next++]!;
        if (edge === frame.via) continue;
        if (order.has(to)) low.set(frame.v, Math.min(low.get(frame.v)!, order.get(to)!));
        else {
          order.set(to, counter); low.set(to, counter++);
          stack.push({ v: to, via: edge, next: 0 });
        }
      } else {
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent) {
          low.set(parent.v, Math.min(low.get(parent.v)!, low.get(frame.v)!));
          if (low.get(frame.v)! > order.get(parent.v)!) found.push(withheld[frame.via]!);
        }
      }
    }
  };
  for (const v of adjacency.keys()) if (!order.has(v)) visit(v);
  return found;
}

/** Primary suppression by `primary`, then complementary suppression; published values are the table's own. */
export function suppress(t: TableInput, primary: PrimaryRule): PublishedTable {
  const grid = extend(t);
  const rows = grid.length - 1;
  const columns = grid[0]!.length - 1;
  const isPresent = present(t, rows, columns);
  const node = nodesOf(t, rows, columns);
  const withheld = grid.map((line) => line.map(() => false));
  const list: Cell[] = [];
  const withhold = (r: number, c: number) => { withheld[r]![c] = true; list.push([r, c]); };
  for (let r = 0; r <= rows; r++) for (let c = 0; c <= columns; c++) if (isPresent(r, c) && primary(r, c, grid[r]![c]!)) withhold(r, c);

  for (let open = bridges(list, node); open.length > 0; open = bridges(list, node)) {
    const [r, c] = open[0]!;
    const path = cheapestCycle(grid, r, c, node, (a, b) => isPresent(a, b) && grid[a]![b]! > 0, (a, b) => withheld[a]![b]!);
    // With a cell's row, column and grand totals published (all positive) a path always exists.
    if (path === null) throw new Error(`no complementary cells for (${r}, ${c})`);
    for (const [a, b] of path) withhold(a, b);
  }

  const shown = (r: number, c: number) => (withheld[r]![c] ? null : grid[r]![c]!);
  return {
    cells: grid.slice(0, rows).map((line, r) => line.slice(0, columns).map((_, c) => shown(r, c))),
    rowTotals: t.rowTotals ? grid.slice(0, rows).map((_, r) => shown(r, columns)) : null,
    columnTotals: t.columnTotals ? grid[rows]!.slice(0, columns).map((_, c) => shown(rows, c)) : null,
    total: t.rowTotals && t.columnTotals ? shown(rows, columns) : null,
  };
}

/**
 * The cells to withhold so that (r, c) lies on a cycle: a shortest path between its two nodes
 * over usable cells other than itself (Dijkstra; cost: newly withheld cells, then their sum).
 */
function cheapestCycle(grid: number[][], r: number, c: number, node: (r: number, c: number) => [number, number],
  usable: (r: number, c: number) => boolean, isWithheld: (r: number, c: number) => boolean): Cell[] | null {
  const edges: { a: number; b: number; cell: Cell; cost: [number, number] }[] = [];
  grid.forEach((line, a) => line.forEach((value, b) => {
    if ((a === r && b === c) || !usable(a, b)) return;
    const [x, y] = node(a, b);
    edges.push({ a: x, b: y, cell: [a, b], cost: isWithheld(a, b) ? [0, 0] : [1, value] });
  }));
  const [from, to] = node(r, c);
  const less = (p: [number, number], q: [number, number]) => p[0] < q[0] || (p[0] === q[0] && p[1] < q[1]);
  const best = new Map<number, { cost: [number, number]; via: (typeof edges)[number] | null; prev: number }>([[from, { cost: [0, 0], via: null, prev: -1 }]]);
  const done = new Set<number>();
  for (;;) {
    let v = -1;
    for (const [n, e] of best) if (!done.has(n) && (v === -1 || less(e.cost, best.get(v)!.cost))) v = n;
    if (v === -1) return null;
    if (v === to) break;
    done.add(v);
    const here = best.get(v)!.cost;
    for (const e of edges) {
      if (e.a !== v && e.b !== v) continue;
      const w = e.a === v ? e.b : e.a;
      const cost: [number, number] = [here[0] + e.cost[0], here[1] + e.cost[1]];
      const known = best.get(w);
      if (!done.has(w) && (!known || less(cost, known.cost))) best.set(w, { cost, via: e, prev: v });
    }
  }
  const path: Cell[] = [];
  for (let v = to; v !== from;) {
    const step = best.get(v)!;
    if (step.via!.cost[0] === 1) path.push(step.via!.cell);
    v = step.prev;
  }
  return path;
}
