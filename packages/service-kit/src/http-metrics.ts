/** Prometheus metrics of one app instance (its own registry, so tests can build several apps). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The HTTP figures every service exports; services extend it with their own. */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cfund_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'cfund_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'cfund_' });
  }
}
