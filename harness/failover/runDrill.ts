import { monitorEventLoopDelay } from 'node:perf_hooks';
import { status as Status } from '@grpc/grpc-js';
import type { Config } from '../../src/config/config.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { writerUrl } from '@pos-masterdata/resilient-prisma';
import { migrateDatabase } from '../../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../../src/ops/seedDemoData.ts';
import type { ClusterEvent } from '@pos-masterdata/failover-testkit';
import { runLoad, sleep, type CallRecord } from '../runLoad.ts';
import { startTestServer } from '../startTestServer.ts';
import { withClient } from '../TestDatabase.ts';

export type Incident = 'swap' | 'demote' | 'killBackends' | 'blackholeSwap' | 'restart';

/** What a drill needs of a cluster: where the service connects, and a clock of what happened to it. */
export interface DrillCluster {
  /** DATABASE_URL for the service (one stable endpoint, or several hosts). */
  url(): string;
  readonly origin: number;
  readonly events: ClusterEvent[];
}

export interface DrillOptions {
  readonly resilient: boolean;
  /** Settings on top of DRILL_SERVER (DATABASE_READ_URL, say). */
  readonly server?: Partial<Config>;
  readonly concurrency?: number;
  readonly writeEvery?: number;
  readonly deadlineMs?: number;
  readonly beforeMs?: number;
  readonly afterMs?: number;
  readonly onProgress?: (records: readonly CallRecord[]) => void;
}

export interface DrillResult {
  readonly records: CallRecord[];
  readonly events: readonly ClusterEvent[];
  readonly incidentAt: number;
  /** When the database the endpoint leads to accepted writable connections again. */
  readonly recoveredAt: number;
  readonly rebuilds: { read: number; write: number };
  readonly failedReads: number;
  readonly failedWrites: number;
  readonly ackedWrites: number;
  readonly lostWrites: number;
  readonly duplicatedWrites: number;
  readonly firstWriteAfterRecoveryMs: number;
  readonly maxLatencyMs: number;
  /**
   * The longest stall of this process's event loop during the drill. The load, its deadline
   * timers and the service share that loop, so a call's measured latency includes it.
   */
  readonly maxLoopDelayMs: number;
  /** The service's log lines (incidents, rebuilds, retries, commit outcomes). */
  readonly logs: Record<string, unknown>[];
}

export const DRILL_SERVER: Partial<Config> = {
  DB_POOL_MAX: 6,
  DB_CONNECT_TIMEOUT_MS: 1_000,
  DB_QUERY_TIMEOUT_MS: 600,
  DB_STATEMENT_TIMEOUT_MS: 2_000,
  DB_REBUILD_MIN_INTERVAL_MS: 2_000,
  HEALTH_PROBE_INTERVAL_MS: 250,
  LOG_LEVEL: 'debug',
};

/** Steady gRPC load on a service in front of `cluster`, an incident in the middle, and what came of it. */
export async function runDrill(cluster: DrillCluster, incident: () => Promise<void>, o: DrillOptions): Promise<DrillResult> {
  await migrateDatabase(cluster.url());
  await seedDemoData(cluster.url());
  await using t = await startTestServer(cluster.url(), { ...DRILL_SERVER, ...o.server, DB_RESILIENCE: o.resilient });
  const stop = new AbortController();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const progress = o.onProgress ? setInterval(() => o.onProgress?.(records), 250) : undefined;
  const records: CallRecord[] = [];
  const load = runLoad({
    api: t.api,
    concurrency: o.concurrency ?? 6,
    writeEvery: o.writeEvery ?? 4,
    deadlineMs: o.deadlineMs ?? 3_000,
    signal: stop.signal,
    pauseMs: 5,
    origin: cluster.origin,
    sink: records,
  });
  await sleep(o.beforeMs ?? 1_500);
  const incidentAt = performance.now() - cluster.origin;
  await incident();
  await sleep(o.afterMs ?? 4_000);
  stop.abort();
  await load;
  loopDelay.disable();
  clearInterval(progress);

  const recoveredAt =
    [...cluster.events].reverse().find((e) => e.name === 'new primary accepts connections' || e.name === 'primary back')?.at ?? incidentAt;
  const acked = records.filter((r) => r.op === 'write' && r.code === Status.OK);
  // Counted on the writer as it is now (the service's own way of finding it).
  const writer = await writerUrl(DatabaseEndpoint.parse(cluster.url()));
  const counts = await withClient(
    writer,
    async (c) =>
      (
        await c.query<{ code: string; n: number }>(
          'SELECT item_code AS code, count(*)::int AS n FROM item WHERE item_code = ANY($1) GROUP BY item_code',
          [acked.map((r) => r.itemCode)],
        )
      ).rows,
  );
  const requests = await withClient(
    writer,
    async (c) =>
      (
        await c.query<{ n: number }>('SELECT count(*)::int AS n FROM upsert_request WHERE request_id = ANY($1)', [
          acked.map((r) => r.requestId),
        ])
      ).rows[0]?.n ?? 0,
  );
  const firstWrite = acked.find((r) => r.start + r.latencyMs >= recoveredAt);
  const rebuilds = (pool: string) => t.logs.filter((l) => l.event === 'pool_rebuild' && l.pool === pool).length;
  return {
    records,
    events: cluster.events,
    incidentAt,
    recoveredAt,
    logs: t.logs,
    rebuilds: { read: rebuilds('read'), write: rebuilds('write') },
    failedReads: records.filter((r) => r.op === 'read' && r.code !== Status.OK).length,
    failedWrites: records.filter((r) => r.op === 'write' && r.code !== Status.OK).length,
    ackedWrites: acked.length,
    lostWrites: acked.length - counts.length,
    duplicatedWrites: counts.filter((c) => c.n > 1).length + Math.max(0, requests - acked.length),
    firstWriteAfterRecoveryMs: firstWrite ? firstWrite.start + firstWrite.latencyMs - recoveredAt : Number.POSITIVE_INFINITY,
    maxLatencyMs: Math.max(...records.map((r) => r.latencyMs)),
    maxLoopDelayMs: loopDelay.max / 1e6,
  };
}
