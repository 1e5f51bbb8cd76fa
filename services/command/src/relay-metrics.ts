/**
 * The relay's state on /metrics, read from its status when Prometheus scrapes: which instance
 * holds the lease, how often it was taken over, what was published. Several command instances
 * each run a relay; exactly one should report `leader` at a time, and a rising
 * `cfund_relay_leaderships_total` on a standby means a take-over (the holder died or stalled).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayStatus } from '@cfund/messaging';

const ROLES = ['starting', 'standby', 'leader', 'stopped'] as const;

/**
 * A counter that follows one of the relay's running totals: on each scrape it grows by the
 * difference since the last (a counter can only grow; a restarted process starts from 0 anyway).
 */
function relayTotal(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  let seen = 0;
  new Counter({
    name, help, registers: [registry],
    collect() {
      const now = read();
      if (now !== undefined && now > seen) {
        this.inc(now - seen);
        seen = now;
      }
    },
  });
}

/** The relay's status; undefined while it has not reached NATS; 'disabled' where this instance runs none. */
export type RelayStatusSource = () => RelayStatus | undefined | 'disabled';

export function observeRelay(registry: Registry, source: RelayStatusSource): void {
  const status = (): RelayStatus | undefined => { const s = source(); return s === 'disabled' ? undefined : s; };
  relayTotal(registry, 'cfund_relay_published_total', 'Events this instance\'s relay published to NATS since it started', () => status()?.published);
  relayTotal(registry, 'cfund_relay_leaderships_total', 'Times this instance\'s relay took the relay lease (a take-over when another held it before)', () => status()?.leaderships);
  relayTotal(registry, 'cfund_relay_fenced_total', 'Publishing sessions ended because another relay holds the lease (a publish was fenced)', () => status()?.fenced);
  new Gauge({
    name: 'cfund_relay_role', help: 'This instance\'s relay: 1 for its current role (starting: NATS not reached yet), 0 for the others',
    labelNames: ['role'] as const, registers: [registry],
    collect() {
      const s = source();
      if (s === 'disabled') return this.reset(); // no relay here: no role, rather than "starting" forever
      const role = s?.role ?? 'starting';
      for (const r of ROLES) this.set({ role: r }, r === role ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cfund_relay_failing_sessions', help: 'Publishing sessions of the relay that failed in a row (reset by a publish)', registers: [registry],
    collect() {
      this.set(status()?.consecutiveFailures ?? 0);
    },
  });
}
