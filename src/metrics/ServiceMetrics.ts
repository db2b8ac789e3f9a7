import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/Database.ts';

/** The service's prom-client metrics, in a registry of its own so several servers can share a process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly dbErrors = new Counter({ name: 'masterdata_db_errors_total', help: 'Database errors by pool and kind', labelNames: ['pool', 'kind'] as const, registers: [this.registry] });
  readonly rebuilds = new Counter({ name: 'masterdata_db_pool_rebuilds_total', help: 'Connection pool replacements', labelNames: ['pool', 'reason'] as const, registers: [this.registry] });
  readonly retries = new Counter({ name: 'masterdata_db_retries_total', help: 'Retried calls by outcome', labelNames: ['pool', 'outcome'] as const, registers: [this.registry] });
  readonly commitOutcomes = new Counter({ name: 'masterdata_db_commit_outcomes_resolved_total', help: 'Connections lost at COMMIT, by resolved outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly callDuration = new Histogram({
    name: 'masterdata_grpc_server_handling_seconds', help: 'gRPC call latency by method and status',
    labelNames: ['method', 'code'] as const, registers: [this.registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  readonly serving = new Gauge({ name: 'masterdata_health_serving', help: '1 while a writable database is reachable', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(db: Database): void {
    db.events.on('dbError', (e) => this.dbErrors.inc({ pool: e.pool, kind: e.kind }));
    db.events.on('rebuild', (e) => this.rebuilds.inc({ pool: e.pool, reason: e.reason }));
    db.events.on('retryOutcome', (e) => this.retries.inc({ pool: e.pool, outcome: e.outcome }));
    db.events.on('commitOutcome', (e) => this.commitOutcomes.inc({ outcome: e.outcome }));
  }
}
