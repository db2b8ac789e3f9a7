import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { attachPrometheus, type DatabaseMetrics } from '@pos-masterdata/resilient-prisma/prometheus';

/** The service's prom-client metrics, in a registry of its own so several servers can share a process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** The data layer's metrics (`masterdata_db_*`), kept by its events: the package's own, with this prefix. */
  readonly db: DatabaseMetrics;
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

  /** `db`: the events the data layer's metrics follow (a Database). */
  constructor(db: Parameters<typeof attachPrometheus>[0]) {
    collectDefaultMetrics({ register: this.registry });
    this.db = attachPrometheus(db, this.registry, { prefix: 'masterdata' });
  }
}
