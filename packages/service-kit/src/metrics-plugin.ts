/** GET /metrics (Prometheus text format) and the per-request counters and latency histogram. */
import fp from 'fastify-plugin';
import type { HttpMetrics } from './http-metrics.js';

export default fp<{ metrics: HttpMetrics }>(async (app, { metrics }) => {
  // A callback hook, not an async function: it runs on every request and needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    }
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}, { name: 'cfund-metrics' });
