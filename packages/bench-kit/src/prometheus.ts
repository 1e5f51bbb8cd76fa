/** Histograms read from a service's /metrics, and quantiles of the difference of two readings. */
export interface HistogramReading {
  /** Cumulative counts by upper bound (ascending; the last is +Inf). */
  buckets: [le: number, count: number][];
  count: number;
  sum: number;
}

/** A service's /metrics text (one scrape: read several figures of the same instant from it). */
export async function scrapeMetrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** Whether a series' `{...}` labels include every one of `labels`. */
const hasLabels = (series: string, labels: Record<string, string>): boolean =>
  Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));

/** The sum of the samples of `name` (a counter or gauge) over its series with `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && hasLabels(line, labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Histogram `name` in a scrape, summed over its series with `labels` (all series by default). */
export function histogramOf(text: string, name: string, labels: Record<string, string> = {}): HistogramReading {
  const byBound = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !hasLabels(line, labels)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
  return { buckets, count: sampleSum(text, `${name}_count`, labels), sum: sampleSum(text, `${name}_sum`, labels) };
}

export async function readHistogram(port: number, name: string): Promise<HistogramReading> {
  return histogramOf(await scrapeMetrics(port), name);
}

/** What was observed between two readings of the same histogram. */
export function histogramDiff(after: HistogramReading, before: HistogramReading): HistogramReading {
  return {
    buckets: after.buckets.map(([le, c]) => [le, c - (before.buckets.find(([b]) => b === le)?.[1] ?? 0)]),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The q-quantile, interpolated linearly inside its bucket (as Prometheus' histogram_quantile):
 * exact to the bucket's bounds, which the caller should print with it.
 */
export function histogramQuantile(h: HistogramReading, q: number): { value: number; bucket: [number, number] } {
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative >= rank) {
      if (!Number.isFinite(le)) return { value: lower, bucket: [lower, le] };
      const inBucket = cumulative - below;
      const value = inBucket === 0 ? le : lower + (le - lower) * ((rank - below) / inBucket);
      return { value, bucket: [lower, le] };
    }
    lower = le;
    below = cumulative;
  }
  return { value: Number.NaN, bucket: [lower, Number.POSITIVE_INFINITY] };
}
