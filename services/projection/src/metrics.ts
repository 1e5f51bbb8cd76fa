/**
 * Prometheus metrics of one projection app (its own registry): HTTP figures from service-kit,
 * events handled by outcome, gaps repaired, dead letters, rebuilds and the running one's progress,
 * personal-data reads, and the consumer's lag in events (pending in JetStream) and in seconds (how old the last applied event
 * was when it was applied, while events are pending).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { HttpMetrics } from '@cfund/service-kit';
import type { RebuildStatus } from './read-model/runner.js';

export interface LagSource {
  lag(): Promise<{ pending: number; lastDeliveredAt?: Date }>;
}

export class ProjectionMetrics extends HttpMetrics {
  /** Set by main.ts once the NATS consumer runs. */
  lagSource: LagSource | undefined;
  /** Time of the last event applied (store time), from the runner. */
  lastAppliedCreated: () => string | undefined = () => undefined;
  now: () => Date = () => new Date();
  /** The running or last rebuild, from the runner. */
  rebuildStatus: () => RebuildStatus | undefined = () => undefined;

  readonly events = new Counter({
    name: 'cfund_projection_events_total', help: 'Events handled by the projector, by outcome (applied, duplicate, ignored)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly gapsRepaired = new Counter({
    name: 'cfund_projection_gap_events_total', help: 'Events read from the event store to fill a gap in a stream', registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'cfund_projection_dead_letters_total', help: 'Events that failed every delivery and went to the dead-letter subject', registers: [this.registry],
  });
  readonly unverifiedEvents = new Counter({
    name: 'cfund_projection_unverified_events_total', help: 'Messages on the events stream without a valid relay signature, dead-lettered unapplied',
    registers: [this.registry],
  });
  /** Per event applied from NATS or a gap repair: from its commit in the event store to its commit in the read model. */
  readonly applyLag = new Histogram({
    name: 'cfund_projection_apply_lag_seconds', help: 'Seconds from an event\'s commit in the event store to its commit in the read model',
    buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly rebuilds = new Counter({
    name: 'cfund_projection_rebuilds_total', help: 'Rebuilds of the read model from the event store', registers: [this.registry],
  });
  readonly personalDataReads = new Counter({
    name: 'cfund_personal_data_reads_total', help: 'Reads of personal data, by outcome (disclosed, erased, denied)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    const lagEvents: Gauge = new Gauge({
      name: 'cfund_projection_consumer_lag_events', help: 'Events in JetStream not yet delivered to the projection consumer',
      registers: [this.registry],
      collect: async () => {
        const lag = await this.lagSource?.lag().catch(() => undefined);
        lagEvents.set(lag?.pending ?? 0);
      },
    });
    const rebuildGauge = (name: string, help: string, value: (s: RebuildStatus) => number | undefined): void => {
      const gauge: Gauge = new Gauge({
        name, help, registers: [this.registry],
        collect: () => { const s = this.rebuildStatus(); gauge.set((s && value(s)) ?? 0); },
      });
    };
    rebuildGauge('cfund_rebuild_events_done', 'Events read by the running or last rebuild', (s) => s.eventsDone);
    rebuildGauge('cfund_rebuild_events_total', 'Events of the running rebuild (estimated from the $all position) or of the last one; 0 when unknown', (s) => s.eventsTotal);
    rebuildGauge('cfund_rebuild_rate', 'Events per second of the running rebuild (last seconds) or of the last one (whole run)', (s) => s.ratePerSecond);
    rebuildGauge('cfund_rebuild_eta_seconds', 'Seconds left of the running rebuild at its current rate; 0 when none runs or it cannot be told', (s) => (s.state === 'running' ? s.etaSeconds : 0));
    rebuildGauge('cfund_rebuild_running', '1 while a rebuild runs', (s) => (s.state === 'running' ? 1 : 0));
    const lagSeconds: Gauge = new Gauge({
      name: 'cfund_projection_consumer_lag_seconds', help: 'While events are pending: seconds since the last applied event was recorded in the event store; 0 when caught up',
      registers: [this.registry],
      collect: async () => {
        const lag = await this.lagSource?.lag().catch(() => undefined);
        const last = this.lastAppliedCreated();
        lagSeconds.set(lag && lag.pending > 0 && last ? Math.max(0, (this.now().getTime() - Date.parse(last)) / 1000) : 0);
      },
    });
  }
}
