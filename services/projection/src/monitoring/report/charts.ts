/**
 * The report's charts as SVG, rendered on the server by Vega-Lite compiled to Vega and drawn by
 * Vega's SVG string renderer (no canvas, no browser, no script in the output). A withheld value
 * is left out of the data, so it is not drawn: a bar of zero height would read as zero. Text is
 * DejaVu Sans, the font the PDF embeds; Vega measures it by estimate (no canvas), which is the
 * same on every machine, so the same chart always gives the same bytes.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const CHART_FONT = 'DejaVu Sans';

export interface ChartSpec {
  /** stacked: the series add up to the bar (claims by outcome); grouped: side by side (amounts, days). */
  kind: 'stacked' | 'grouped';
  unit: 'claims' | 'EUR' | 'days';
  /** One value per bar segment; null: withheld (not drawn). */
  values: { x: string; series: string; value: number | null }[];
  /** The series in their order (legend and colours). */
  series: string[];
}

/** Colours distinguishable in grey print and by colour-blind readers (Okabe-Ito). */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'];

export async function chartSvg(chart: ChartSpec): Promise<string> {
  const xs = [...new Set(chart.values.map((v) => v.x))];
  const spec: TopLevelSpec = {
    width: chart.kind === 'grouped' ? { step: 14 } as never : 360, height: 180,
    data: { values: chart.values.filter((v) => v.value !== null) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'x', type: 'nominal', title: null, sort: xs, scale: { domain: xs }, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: chart.unit, stack: chart.kind === 'stacked' ? 'zero' : null, axis: { format: ',d' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: chart.series, range: COLOURS.slice(0, chart.series.length) }, legend: { orient: 'bottom', columns: 2 } },
      ...(chart.kind === 'grouped' ? { xOffset: { field: 'series', type: 'nominal', scale: { domain: chart.series } } } : {}),
    },
    config: { font: CHART_FONT, view: { stroke: null }, axis: { labelFontSize: 9, titleFontSize: 9 }, legend: { labelFontSize: 9, labelLimit: 260 } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
