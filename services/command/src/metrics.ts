/** Prometheus metrics of one app instance (its own registry, so tests can build several apps). */
import { Counter, Gauge } from 'prom-client';
import { HttpMetrics } from '@cfund/service-kit';
import type { RelayStatus } from '@cfund/messaging';
import { observeRelay } from './relay-metrics.js';

export class Metrics extends HttpMetrics {
  /** The relay this instance runs (set once it is started; see relay-metrics.ts). */
  relayStatus: () => RelayStatus | undefined | 'disabled' = () => 'disabled';

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    observeRelay(this.registry, () => this.relayStatus());
  }
  readonly appends = new Counter({
    name: 'cfund_eventstore_appends_total', help: 'Successful appends by stream category (claim, fund, ...)', labelNames: ['category'] as const,
    registers: [this.registry],
  });
  readonly conflicts = new Counter({
    name: 'cfund_eventstore_conflicts_total', help: 'Appends refused by a version conflict', labelNames: ['category'] as const,
    registers: [this.registry],
  });
  readonly storeRoundTrips = new Counter({
    name: 'cfund_eventstore_round_trips_total', help: 'Requests to the event store (reads and appends) made by commands and their ledger work',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'cfund_command_retries_total', help: 'Re-decides after a version conflict', labelNames: ['category'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'cfund_command_refusals_total', help: 'Commands refused by a domain rule or authorization, by code', labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly idempotentReplays = new Counter({
    name: 'cfund_idempotent_replays_total', help: 'Responses replayed for a repeated Idempotency-Key', registers: [this.registry],
  });
  readonly ledgerRepairs = new Counter({
    name: 'cfund_ledger_repairs_total', help: 'Ledger entries written or released to repair an interrupted approval or disbursement',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly ledgerSettlements = new Counter({
    name: 'cfund_ledger_settlements_total', help: 'Ledger events written to bring a fund year in step with its claims, by event type',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly ledgerDifferences = new Gauge({
    name: 'cfund_ledger_differences', help: 'Differences between claims and their fund-year ledger found by the last reconciler run (before it repaired them)',
    registers: [this.registry],
  });
  readonly ledgerUnrepaired = new Gauge({
    name: 'cfund_ledger_unrepaired_differences', help: 'Differences the last reconciler run could not repair (alert on any)',
    registers: [this.registry],
  });
  readonly ledgerSyncFailures = new Counter({
    name: 'cfund_ledger_sync_failures_total', help: 'Ledger settlements after a claim command that failed (the reconciler repairs them)',
    registers: [this.registry],
  });
}
