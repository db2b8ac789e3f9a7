import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/Database.ts';

/** The service's prom-client metrics, in a registry of its own so several servers can share a process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly dbErrors = new Counter({
    name: 'masterdata_db_errors_total',
    help: 'Database errors by pool and kind',
    labelNames: ['pool', 'kind'] as const,
    registers: [this.registry],
  });
  readonly rebuilds = new Counter({
    name: 'masterdata_db_pool_rebuilds_total',
    help: 'Connection pool replacements',
    labelNames: ['pool', 'reason'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'masterdata_db_retries_total',
    help: 'Retried calls by outcome',
    labelNames: ['pool', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly commitOutcomes = new Counter({
    name: 'masterdata_db_commit_outcomes_resolved_total',
    help: 'Connections lost at COMMIT, by resolved outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly admissionQueue = new Gauge({
    name: 'masterdata_db_admission_queue_length',
    help: 'Calls waiting for a database connection',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly admissionWait = new Histogram({
    name: 'masterdata_db_admission_wait_seconds',
    help: 'Time calls waited in the admission queue',
    labelNames: ['pool'] as const,
    registers: [this.registry],
    buckets: [0, 0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  readonly admissionRejections = new Counter({
    name: 'masterdata_db_admission_rejections_total',
    help: 'Calls turned away by admission control',
    labelNames: ['pool', 'reason'] as const,
    registers: [this.registry],
  });
  readonly breakerOpenings = new Counter({
    name: 'masterdata_db_breaker_openings_total',
    help: 'Circuit breaker openings, by what opened it',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });
  readonly breakerOpen = new Gauge({
    name: 'masterdata_db_breaker_open',
    help: '1 while the circuit breaker fails calls fast',
    registers: [this.registry],
  });
  readonly callsInFlight = new Gauge({
    name: 'masterdata_grpc_calls_in_flight',
    help: 'gRPC calls the server is working on',
    registers: [this.registry],
  });
  readonly transportRejections = new Counter({
    name: 'masterdata_grpc_limit_rejections_total',
    help: 'Calls refused by a transport limit',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly callDuration = new Histogram({
    name: 'masterdata_grpc_server_handling_seconds',
    help: 'gRPC call latency by method and status',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  readonly writer = new Gauge({
    name: 'masterdata_db_writer',
    help: '1 for the host each pool currently writes to (found among the hosts of DATABASE_URL)',
    labelNames: ['pool', 'host'] as const,
    registers: [this.registry],
  });
  readonly replicaLag = new Gauge({
    name: 'masterdata_db_replica_lag_seconds',
    help: 'Upper bound on how stale each read host is (-1: unknown or unreachable)',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly replicaServing = new Gauge({
    name: 'masterdata_db_replica_serving',
    help: '1 while a read host serves plain reads',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly replicaExclusions = new Counter({
    name: 'masterdata_db_replica_exclusions_total',
    help: 'Read hosts taken out of the read rotation, by why',
    labelNames: ['host', 'reason'] as const,
    registers: [this.registry],
  });
  readonly reads = new Counter({
    name: 'masterdata_db_attempts_total',
    help: 'Database attempts by pool and host (replica: a standby served a plain read)',
    labelNames: ['pool', 'host', 'replica'] as const,
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'masterdata_item_cache_lookups_total',
    help: 'Item codes looked up, answered from the cache (hit) or the database (miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly staleAnswers = new Counter({
    name: 'masterdata_item_cache_stale_answers_total',
    help: 'Lookups answered from the cache while the database was unreachable (x-masterdata-stale)',
    registers: [this.registry],
  });
  readonly cacheEntries = new Gauge({ name: 'masterdata_item_cache_entries', help: 'Items held by the cache', registers: [this.registry] });
  readonly cacheBytes = new Gauge({ name: 'masterdata_item_cache_bytes', help: 'Estimated size of the cache', registers: [this.registry] });
  readonly cacheListening = new Gauge({
    name: 'masterdata_item_cache_listening',
    help: '1 while the change listener is connected (the cache may answer)',
    registers: [this.registry],
  });
  readonly upsertRequestsDeleted = new Counter({
    name: 'masterdata_upsert_requests_deleted_total',
    help: 'Idempotency records deleted after UPSERT_REQUEST_RETENTION',
    registers: [this.registry],
  });
  readonly upsertRequestSweeps = new Counter({
    name: 'masterdata_upsert_request_sweeps_total',
    help: 'Retention sweeps by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly lookupCallsPerQuery = new Histogram({
    name: 'masterdata_item_lookup_calls_per_query',
    help: 'Calls answered by one coalesced item query (GetItemDetail and BatchGetItemDetails)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly serving = new Gauge({
    name: 'masterdata_health_serving',
    help: '1 while a writable database is reachable',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(db: Database): void {
    db.events.on('dbError', (e) => this.dbErrors.inc({ pool: e.pool, kind: e.kind }));
    db.events.on('rebuild', (e) => this.rebuilds.inc({ pool: e.pool, reason: e.reason }));
    db.events.on('retryOutcome', (e) => this.retries.inc({ pool: e.pool, outcome: e.outcome }));
    db.events.on('commitOutcome', (e) => this.commitOutcomes.inc({ outcome: e.outcome }));
    db.events.on('admitted', (e) => {
      this.admissionWait.observe({ pool: e.pool }, e.waitedMs / 1000);
      this.admissionQueue.set({ pool: e.pool }, e.queued);
    });
    db.events.on('admissionRejected', (e) => {
      this.admissionRejections.inc({ pool: e.pool, reason: e.reason });
      this.admissionQueue.set({ pool: e.pool }, e.queued);
    });
    db.events.on('breaker', (e) => {
      if (e.state === 'open') this.breakerOpenings.inc({ by: e.by ?? 'calls' });
      this.breakerOpen.set(e.state === 'open' ? 1 : 0);
    });
    const writers = new Map<string, string>();
    db.events.on('writerFound', (e) => {
      const before = writers.get(e.pool);
      if (before !== undefined) this.writer.remove({ pool: e.pool, host: before });
      writers.set(e.pool, e.host);
      this.writer.set({ pool: e.pool, host: e.host }, 1);
    });
    db.events.on('routed', (e) => this.reads.inc({ pool: e.pool, host: e.host, replica: String(e.replica) }));
    db.events.on('replicaProbed', (e) => this.replicaLag.set({ host: e.host }, e.lagMs === undefined ? -1 : e.lagMs / 1000));
    db.events.on('replicaChanged', (e) => {
      this.replicaServing.set({ host: e.host }, e.exclusion === undefined ? 1 : 0);
      if (e.exclusion !== undefined) this.replicaExclusions.inc({ host: e.host, reason: e.exclusion });
    });
  }
}
