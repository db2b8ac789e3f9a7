import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventSource } from './attachLogger.ts';

export interface PrometheusOptions {
  /** Every metric is named `<prefix>_db_…` (`orders_db_errors_total`); a Prometheus name prefix. */
  readonly prefix: string;
}

/**
 * The layer's metrics in `registry`, kept by its events: errors by kind, rebuilds, retries, COMMIT
 * outcomes, admission, the breaker, the writer and the read hosts. Returns them (for tests and
 * for a service that reads them back).
 */
export function attachPrometheus(db: EventSource, registry: Registry, { prefix }: PrometheusOptions) {
  const registers = [registry];
  const m = {
    dbErrors: new Counter({
      name: `${prefix}_db_errors_total`,
      help: 'Database errors by pool and kind',
      labelNames: ['pool', 'kind'] as const,
      registers,
    }),
    rebuilds: new Counter({
      name: `${prefix}_db_pool_rebuilds_total`,
      help: 'Connection pool replacements',
      labelNames: ['pool', 'reason'] as const,
      registers,
    }),
    retries: new Counter({
      name: `${prefix}_db_retries_total`,
      help: 'Retried calls by outcome',
      labelNames: ['pool', 'outcome'] as const,
      registers,
    }),
    commitsWithheld: new Counter({
      name: `${prefix}_db_commits_withheld_total`,
      help: 'Writes rolled back instead of committed, because their call was cancelled or its deadline was too near',
      labelNames: ['pool', 'reason'] as const,
      registers,
    }),
    commitOutcomes: new Counter({
      name: `${prefix}_db_commit_outcomes_resolved_total`,
      help: 'Connections lost at COMMIT, by resolved outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    admissionQueue: new Gauge({
      name: `${prefix}_db_admission_queue_length`,
      help: 'Calls waiting for a database connection',
      labelNames: ['pool'] as const,
      registers,
    }),
    admissionWait: new Histogram({
      name: `${prefix}_db_admission_wait_seconds`,
      help: 'Time calls waited in the admission queue',
      labelNames: ['pool'] as const,
      registers,
      buckets: [0, 0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    admissionRejections: new Counter({
      name: `${prefix}_db_admission_rejections_total`,
      help: 'Calls turned away by admission control',
      labelNames: ['pool', 'reason'] as const,
      registers,
    }),
    breakerOpenings: new Counter({
      name: `${prefix}_db_breaker_openings_total`,
      help: 'Circuit breaker openings, by what opened it',
      labelNames: ['by'] as const,
      registers,
    }),
    breakerOpen: new Gauge({ name: `${prefix}_db_breaker_open`, help: '1 while the circuit breaker fails calls fast', registers }),
    writer: new Gauge({
      name: `${prefix}_db_writer`,
      help: "1 for the host each pool currently writes to (found among the endpoint's hosts)",
      labelNames: ['pool', 'host'] as const,
      registers,
    }),
    replicaLag: new Gauge({
      name: `${prefix}_db_replica_lag_seconds`,
      help: 'Upper bound on how stale each read host is (-1: unknown or unreachable)',
      labelNames: ['host'] as const,
      registers,
    }),
    replicaServing: new Gauge({
      name: `${prefix}_db_replica_serving`,
      help: '1 while a read host serves plain reads',
      labelNames: ['host'] as const,
      registers,
    }),
    replicaExclusions: new Counter({
      name: `${prefix}_db_replica_exclusions_total`,
      help: 'Read hosts taken out of the read rotation, by why',
      labelNames: ['host', 'reason'] as const,
      registers,
    }),
    attempts: new Counter({
      name: `${prefix}_db_attempts_total`,
      help: 'Database attempts by pool and host (replica: a standby served a plain read)',
      labelNames: ['pool', 'host', 'replica'] as const,
      registers,
    }),
  };
  const { events } = db;
  events.on('dbError', (e) => m.dbErrors.inc({ pool: e.pool, kind: e.kind }));
  events.on('rebuild', (e) => m.rebuilds.inc({ pool: e.pool, reason: e.reason }));
  events.on('retryOutcome', (e) => m.retries.inc({ pool: e.pool, outcome: e.outcome }));
  events.on('commitOutcome', (e) => m.commitOutcomes.inc({ outcome: e.outcome }));
  events.on('commitWithheld', (e) => m.commitsWithheld.inc({ pool: e.pool, reason: e.reason }));
  events.on('admitted', (e) => {
    m.admissionWait.observe({ pool: e.pool }, e.waitedMs / 1000);
    m.admissionQueue.set({ pool: e.pool }, e.queued);
  });
  events.on('admissionRejected', (e) => {
    m.admissionRejections.inc({ pool: e.pool, reason: e.reason });
    m.admissionQueue.set({ pool: e.pool }, e.queued);
  });
  events.on('breaker', (e) => {
    if (e.state === 'open') m.breakerOpenings.inc({ by: e.by ?? 'calls' });
    m.breakerOpen.set(e.state === 'open' ? 1 : 0);
  });
  const writers = new Map<string, string>();
  events.on('writerFound', (e) => {
    const before = writers.get(e.pool);
    if (before !== undefined) m.writer.remove({ pool: e.pool, host: before });
    writers.set(e.pool, e.host);
    m.writer.set({ pool: e.pool, host: e.host }, 1);
  });
  events.on('routed', (e) => m.attempts.inc({ pool: e.pool, host: e.host, replica: String(e.replica) }));
  events.on('replicaProbed', (e) => m.replicaLag.set({ host: e.host }, e.lagMs === undefined ? -1 : e.lagMs / 1000));
  events.on('replicaChanged', (e) => {
    m.replicaServing.set({ host: e.host }, e.exclusion === undefined ? 1 : 0);
    if (e.exclusion !== undefined) m.replicaExclusions.inc({ host: e.host, reason: e.exclusion });
  });
  return m;
}

export type DatabaseMetrics = ReturnType<typeof attachPrometheus>;
