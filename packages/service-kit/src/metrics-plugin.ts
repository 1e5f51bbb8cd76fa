/** GET /metrics (Prometheus text format) and the per-request counters and latency histogram. */
import fp from 'fastify-plugin';
import type { HttpMetrics } from './http-metrics.js';

export default fp<{ metrics: HttpMetrics }>(async (app, { metrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}, { name: 'cfund-metrics' });
