/** The benchmark figures that are computed, not measured: quantiles and histogram arithmetic. */
import t from 'tap';
import { histogramDiff, histogramOf, histogramQuantile, quantile, sampleSum, type HistogramReading } from '../src/index.ts';

t.test('nearest-rank quantiles', async (t) => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(quantile(xs, 0.5), 50);
  t.equal(quantile(xs, 0.99), 99);
  t.equal(quantile(xs, 1), 100);
  t.equal(quantile([7], 0.99), 7);
  t.ok(Number.isNaN(quantile([], 0.5)));
});

t.test('histogram quantiles interpolate inside their bucket, on the difference of two readings', async (t) => {
  const before: HistogramReading = { buckets: [[0.01, 10], [0.05, 10], [0.1, 10], [Infinity, 10]], count: 10, sum: 0.05 };
  // 100 new observations: 50 under 10 ms, 40 in 10-50 ms, 10 in 50-100 ms.
  const after: HistogramReading = { buckets: [[0.01, 60], [0.05, 100], [0.1, 110], [Infinity, 110]], count: 110, sum: 3 };
  const d = histogramDiff(after, before);
  t.equal(d.count, 100);
  t.same(d.buckets, [[0.01, 50], [0.05, 90], [0.1, 100], [Infinity, 100]]);
  const p50 = histogramQuantile(d, 0.5);
  t.same(p50.bucket, [0, 0.01]);
  t.equal(p50.value, 0.01, 'the 50th of 50 in the first bucket is its upper bound');
  const p99 = histogramQuantile(d, 0.99);
  t.same(p99.bucket, [0.05, 0.1]);
  t.ok(Math.abs(p99.value - (0.05 + 0.05 * 0.9)) < 1e-12, '9 of the bucket\'s 10 observations in');
  const overflow = histogramQuantile({ buckets: [[0.1, 0], [Infinity, 5]], count: 5, sum: 10 }, 0.5);
  t.same(overflow, { value: 0.1, bucket: [0.1, Infinity] }, 'beyond the last finite bound: that bound');
});

t.test('a scrape\'s histogram is summed over the series with the asked labels; samples likewise', async (t) => {
  const text = [
    '# HELP cfund_http_request_duration_seconds HTTP request latency',
    'cfund_http_request_duration_seconds_bucket{le="0.01",method="POST",route="/claims"} 3',
    'cfund_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/claims"} 5',
    'cfund_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/claims"} 6',
    'cfund_http_request_duration_seconds_sum{method="POST",route="/claims"} 0.4',
    'cfund_http_request_duration_seconds_count{method="POST",route="/claims"} 6',
    'cfund_http_request_duration_seconds_bucket{le="0.01",method="POST",route="/claims/:id/ruling"} 10',
    'cfund_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/claims/:id/ruling"} 10',
    'cfund_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/claims/:id/ruling"} 10',
    'cfund_http_request_duration_seconds_sum{method="POST",route="/claims/:id/ruling"} 0.05',
    'cfund_http_request_duration_seconds_count{method="POST",route="/claims/:id/ruling"} 10',
    'cfund_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/ready"} 100',
    'cfund_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/ready"} 100',
    'cfund_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/ready"} 100',
    'cfund_http_request_duration_seconds_sum{method="GET",route="/ready"} 0.1',
    'cfund_http_request_duration_seconds_count{method="GET",route="/ready"} 100',
    'cfund_nodejs_gc_duration_seconds_sum{kind="minor"} 0.25',
    'cfund_nodejs_gc_duration_seconds_sum{kind="major"} 0.5',
    'cfund_nodejs_eventloop_lag_max_seconds 0.031',
  ].join('\n');
  const posts = histogramOf(text, 'cfund_http_request_duration_seconds', { method: 'POST' });
  t.same(posts.buckets, [[0.01, 13], [0.05, 15], [Infinity, 16]], 'the two POST routes, bucket by bucket; GET left out');
  t.equal(posts.count, 16);
  t.ok(Math.abs(posts.sum - 0.45) < 1e-12);
  t.same(histogramOf(text, 'cfund_http_request_duration_seconds').buckets, [[0.01, 113], [0.05, 115], [Infinity, 116]], 'every series without labels asked');
  t.equal(sampleSum(text, 'cfund_nodejs_gc_duration_seconds_sum'), 0.75);
  t.equal(sampleSum(text, 'cfund_nodejs_gc_duration_seconds_sum', { kind: 'minor' }), 0.25);
  t.equal(sampleSum(text, 'cfund_nodejs_eventloop_lag_max_seconds'), 0.031, 'a sample without labels');
  t.equal(sampleSum(text, 'cfund_nodejs_eventloop_lag'), 0, 'a name is matched whole, not as a prefix');
});
