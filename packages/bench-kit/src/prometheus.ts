/** Histograms read from a service's /metrics, and quantiles of the difference of two readings. */
export interface HistogramReading {
  /** Cumulative counts by upper bound (ascending; the last is +Inf). */
  buckets: [le: number, count: number][];
  count: number;
  sum: number;
}

export async function readHistogram(port: number, name: string): Promise<HistogramReading> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets: [number, number][] = [];
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1))]);
    } else if (line.startsWith(`${name}_count`)) {
      count = Number(line.slice(line.lastIndexOf(' ') + 1));
    } else if (line.startsWith(`${name}_sum`)) {
      sum = Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { buckets, count, sum };
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
