import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { readEndpoint, type Config } from '../config/config.ts';
import { databasePassword } from '../config/databasePassword.ts';
import { attachLogger, type DatabaseEndpoint, type WritableHealthMonitor } from '@pos-masterdata/resilient-prisma';
import { callScope, http2HeaderLimits, readAfterWrites, reportUndecodable, serveDatabaseHealth } from '@pos-masterdata/grpc-chain';
import type { Tracer } from '@opentelemetry/api';
import { otelTracer } from '@pos-masterdata/resilient-prisma/opentelemetry';
import { createServiceDatabase, type ServiceDatabase } from '../db/serviceDatabase.ts';
import { ItemServiceService } from '../generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceService } from '../generated/proto/masterdata/v1/store_service.ts';
import { reflectionService } from '../grpc/reflectionService.ts';
import { serverCredentials } from '../grpc/serverCredentials.ts';
import { createItemService } from '../grpc/createItemService.ts';
import { createStoreService } from '../grpc/createStoreService.ts';
import { StoreRepository } from '../items/StoreRepository.ts';
import { UpsertRequestRetention } from '../items/UpsertRequestRetention.ts';
import { ItemRepository } from '../items/ItemRepository.ts';
import { PageTokenCodec } from '../items/PageTokenCodec.ts';
import { UpsertRequestRepository } from '../items/UpsertRequestRepository.ts';
import type { Logger } from '../log/createLogger.ts';
import { ServiceMetrics } from '../metrics/ServiceMetrics.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/startMetricsServer.ts';
import { createItemLookup, type ItemLookupService } from './createItemLookup.ts';
import { createCallChain } from './createCallChain.ts';
import { READ_AFTER_KEY } from '../grpc/readAfterKey.ts';

export interface ItemServerOptions {
  readonly config: Config;
  /** DATABASE_URL as config.ts parsed it (or the embedded database's), passed on unchanged. */
  readonly endpoint: DatabaseEndpoint;
  readonly log: Logger;
  readonly pageTokenSecret: string;
  /** Where TRACING=on sends spans; default: the OpenTelemetry API's global tracer provider. */
  readonly tracer?: Tracer;
}

export interface RunningItemServer {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly db: ServiceDatabase;
  readonly metrics: ServiceMetrics;
  readonly health: WritableHealthMonitor;
  /** The item lookups, their cache and its change listener. */
  readonly lookups: ItemLookupService;
  /** Stop accepting, let calls in flight finish for up to graceMs, then close the database. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Health is reported for the server ('') and for each service, all from the same database probe. */
const HEALTH_NAMES = ['', 'masterdata.v1.ItemService', 'masterdata.v1.StoreService'] as const;

export async function startItemServer({ config, endpoint, log, pageTokenSecret, tracer }: ItemServerOptions): Promise<RunningItemServer> {
  const reads = readEndpoint(config);
  const db = createServiceDatabase({
    endpoint,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    resilient: config.DB_RESILIENCE,
    max: config.DB_POOL_MAX,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    minRebuildIntervalMs: config.DB_REBUILD_MIN_INTERVAL_MS,
    retryMinRemainingMs: config.RETRY_MIN_REMAINING_MS,
    admissionQueueMax: config.DB_ADMISSION_QUEUE_MAX,
    cancelGraceMs: config.DB_CANCEL_GRACE_MS,
    breaker: { openAfterMs: config.DB_BREAKER_OPEN_AFTER_MS, halfOpenAfterMs: config.DB_BREAKER_HALF_OPEN_MS },
    readEndpoint: reads,
    maxReplicaLagMs: config.DB_MAX_REPLICA_LAG_MS,
    replicaProbeIntervalMs: config.DB_REPLICA_CHECK_INTERVAL_MS,
    tracer: config.TRACING ? otelTracer(tracer ? { tracer } : {}) : undefined,
    password: databasePassword(config),
  });
  const metrics = new ServiceMetrics(db);
  attachLogger(db, log);

  const health = new HealthImplementation({});
  let reportedHint: string | undefined;
  const monitor: WritableHealthMonitor = serveDatabaseHealth(db, health, {
    services: HEALTH_NAMES,
    intervalMs: config.HEALTH_PROBE_INTERVAL_MS,
    onProbe: (result) => {
      // Once per refusal, not once per probe (every 250 ms while not serving).
      const reason = result.state === 'unreachable' ? result.failure.hint : undefined;
      const hint = reason === undefined ? undefined : db.settings.hints[reason];
      if (result.state === 'unreachable' && hint !== undefined && hint !== reportedHint) {
        log.error(
          { event: 'db_misconfigured', source: 'health-probe', hint, message: result.message },
          `database refuses this service: ${hint}`,
        );
      }
      reportedHint = hint;
    },
    onChange: (serving) => {
      const status = serving ? 'SERVING' : 'NOT_SERVING';
      metrics.serving.set(serving ? 1 : 0);
      log.info({ event: 'health', status }, `health: ${status}`);
    },
  });

  const items = new ItemRepository(db.scope);
  const lookups = createItemLookup(config, endpoint, db, items, log, metrics);

  // Before the server starts: a bad policy or JWKS file stops the service.
  const chain = createCallChain(config, log, metrics, tracer);
  // Read-your-writes: writes answer with a token, reads that send it back run where it is visible.
  const calls = chain.calls.use(
    readAfterWrites(db.readYourWrites, {
      key: READ_AFTER_KEY,
      onIssueFailed: (error, method) =>
        log.warn(
          { event: 'read_after_token', method, error: error instanceof Error ? error.message : 'unknown error' },
          'a write committed, but no read-your-writes token could be had for it',
        ),
    }),
  );
  const { transport } = chain;
  // The same chain with the call scope innermost: the handler's database work in one scope of db.
  const scoped = calls.use(callScope(db));
  const server = new Server({
    interceptors: [transport],
    // The largest request this API can make is a few KB (100 codes of 64 characters): what a
    // hostile caller can make every call in flight hold is bounded by this.
    'grpc.max_receive_message_length': config.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_concurrent_streams': config.GRPC_MAX_CONCURRENT_STREAMS,
    'grpc.keepalive_time_ms': config.GRPC_KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': config.GRPC_KEEPALIVE_TIMEOUT_MS,
    'grpc.max_connection_age_ms': config.GRPC_MAX_CONNECTION_AGE_MS,
    'grpc.max_connection_age_grace_ms': config.GRPC_MAX_CONNECTION_AGE_GRACE_MS,
    'grpc.max_connection_idle_ms': config.GRPC_MAX_CONNECTION_IDLE_MS,
    // grpc-js turns Node's per-session memory bound off by default; 64 MB keeps it on.
    'grpc-node.max_session_memory': 64,
    'grpc.enable_channelz': 0,
  });
  const upserts = new UpsertRequestRepository(db.scope);
  const retention = new UpsertRequestRetention({
    retentionMs: config.UPSERT_REQUEST_RETENTION,
    checkEveryMs: config.UPSERT_REQUEST_RETENTION_CHECK_MS,
    upserts,
    write: (budget, work) => db.run('write', budget, work),
  });
  retention.events.on('swept', ({ deleted, cutoff, error }) => {
    metrics.upsertRequestsDeleted.inc(deleted);
    metrics.upsertRequestSweeps.inc({ outcome: error === undefined ? 'done' : 'stopped' });
    const line = { event: 'upsert_request_retention', deleted, olderThan: cutoff.toISOString() };
    if (error !== undefined)
      log.warn(
        { ...line, error: error instanceof Error ? error.message : 'unknown error' },
        `retention sweep stopped after ${deleted} request ids; the next one carries on`,
      );
    else if (deleted > 0) log.info(line, `deleted ${deleted} request ids older than ${cutoff.toISOString()}`);
  });
  const pageTokens = new PageTokenCodec(pageTokenSecret);
  // Past transportLimits' own limits, Node's HTTP/2 resets only the offending stream.
  http2HeaderLimits(server);
  // An undecodable request is answered by grpc-js itself; transportLimits reports it, with its size.
  server.addService(
    reportUndecodable(ItemServiceService),
    createItemService({ items, upserts, pageTokens, lookup: lookups.lookup, calls, scoped }),
  );
  server.addService(
    reportUndecodable(StoreServiceService),
    createStoreService({ stores: new StoreRepository(db.scope), upserts, pageTokens, scoped }),
  );
  health.addToServer(server);
  reflectionService().addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${config.GRPC_HOST}:${config.GRPC_PORT}`,
      serverCredentials({
        certFile: config.GRPC_TLS_CERT_FILE,
        keyFile: config.GRPC_TLS_KEY_FILE,
        clientCaFile: config.GRPC_TLS_CLIENT_CA_FILE,
        reloadMs: config.GRPC_TLS_RELOAD_MS,
      }),
      (err, p) => (err ? reject(err) : resolve(p)),
    );
  });
  await Promise.all([monitor.start(), db.start(), lookups.start()]);
  retention.start();
  let metricsServer: MetricsServer | undefined;
  if (config.METRICS_PORT !== 'off') metricsServer = await startMetricsServer(metrics.registry, config.GRPC_HOST, config.METRICS_PORT);

  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs = config.SHUTDOWN_GRACE_MS): Promise<void> => {
    stopping ??= (async () => {
      for (const name of HEALTH_NAMES) health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          log.warn({ event: 'shutdown', graceMs }, 'calls still running after the grace period; cancelling them');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      monitor.stop();
      chain.close();
      await retention.stop();
      await Promise.allSettled([lookups.stop(), db.close(), metricsServer?.close()]);
    })();
    return stopping;
  };

  return { port, metricsPort: metricsServer?.port, db, metrics, health: monitor, lookups, shutdown };
}
