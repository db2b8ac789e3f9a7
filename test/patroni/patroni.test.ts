import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { expectFailoverHeld, reportDrill } from '../../harness/failover/drillAssertions.ts';
import { DRILL_SERVER, runDrill, type DrillResult } from '../../harness/failover/runDrill.ts';
import { ConnectionSampler } from '@pos-masterdata/failover-testkit';
import { sleep } from '../../harness/runLoad.ts';
import { patroniAvailable } from '@pos-masterdata/failover-testkit';
import { PatroniCluster } from '@pos-masterdata/failover-testkit';

// A real 3-node Patroni cluster (etcd, synchronous mode) and the service listing its three hosts
// in DATABASE_URL and DATABASE_READ_URL, with no proxy and no DNS name in front: the service finds
// the writer itself and reads from the standbys. Steady gRPC load, an incident in the middle.
const available = await patroniAvailable();
const DEADLINE_MS = 3_000;
const POOL_MAX = DRILL_SERVER.DB_POOL_MAX ?? 10;

if (!available) {
  const why = 'patroni and etcd are not installed (apt-get install patroni etcd-server; .ci/run does it)';
  if (process.env.CI === 'true')
    it('runs the Patroni suite (patroni and etcd are required in CI)', () => {
      throw new Error(why);
    });
  else it.skip(`Patroni suite skipped: ${why}`, () => undefined);
}

const server = (cluster: PatroniCluster) => {
  const { DATABASE_READ_URL } = loadConfig({ DATABASE_READ_URL: cluster.readUrl() });
  return { ...(DATABASE_READ_URL ? { DATABASE_READ_URL } : {}), DB_REPLICA_CHECK_INTERVAL_MS: 250, DB_MAX_REPLICA_LAG_MS: 1_000 };
};

/** Plain reads served by standbys, per host, from the service's routing log lines. */
const replicaHosts = (r: DrillResult) =>
  new Set(r.logs.filter((l) => l.event === 'db_replica' && l.exclusion === undefined).map((l) => l.host));

describe.runIf(available)('Patroni cluster under load: the service lists three hosts, no proxy', () => {
  const scenarios = [
    ['planned switchover (patronictl)', (c: PatroniCluster) => c.switchover()],
    ['the leader killed (kill -9 of Patroni and PostgreSQL)', (c: PatroniCluster) => c.killLeader()],
    ['the leader black-holed (SIGSTOP: sockets open, no answers)', (c: PatroniCluster) => c.blackholeLeader()],
    ['a replica killed: reads continue on the other standby or the leader', (c: PatroniCluster) => c.killReplica()],
  ] as const;

  it.each(scenarios)(
    '%s: no failed read, every acknowledged write exactly once, writes back within 1 s of the new leader, no call past its deadline, connections per host within the pools',
    async (name, incident) => {
      await using cluster = await PatroniCluster.start();
      // Counted where they count: pg_stat_activity on each host, every 50 ms, through the incident.
      const samplers = cluster.hostUrls().map((url) => new ConnectionSampler(url, 'masterdata'));
      try {
        const r = await runDrill(cluster, () => incident(cluster), {
          resilient: true,
          deadlineMs: DEADLINE_MS,
          afterMs: 5_000,
          server: server(cluster),
        });
        reportDrill(`patroni ${name}`, r);
        expectFailoverHeld(r, DEADLINE_MS);
        expect(replicaHosts(r).size).toBeGreaterThan(0);
        const peaks = samplers.map((s) => s.peak);
        console.log(`patroni ${name}: peak connections per host ${JSON.stringify(peaks)}`);
        expect(Math.max(...peaks.map((p) => p['masterdata-read'] ?? 0))).toBeGreaterThan(0);
        // Per host: the write pool, and for reads the pool that follows the writer plus that host's standby pool.
        for (const p of peaks) {
          expect(p['masterdata-write'] ?? 0).toBeLessThanOrEqual(POOL_MAX);
          expect(p['masterdata-read'] ?? 0).toBeLessThanOrEqual(2 * POOL_MAX);
        }
      } finally {
        await Promise.all(samplers.map((s) => s[Symbol.asyncDispose]()));
      }
    },
    180_000,
  );

  it('a standby whose replay is paused is excluded once over the lag bound, and readmitted after it catches up', async () => {
    await using cluster = await PatroniCluster.start();
    let paused = '';
    const r = await runDrill(
      cluster,
      async () => {
        paused = await cluster.pauseReplay();
        await sleep(3_000);
        await cluster.resumeReplay();
      },
      { resilient: true, deadlineMs: DEADLINE_MS, afterMs: 2_000, server: server(cluster) },
    );
    reportDrill('patroni replay paused', r);
    expectFailoverHeld(r, DEADLINE_MS);
    const changes = r.logs.filter((l) => l.event === 'db_replica' && l.host === paused).map((l) => l.exclusion ?? 'serving');
    expect(changes).toContain('lagging');
    expect(changes.at(-1)).toBe('serving');
    // While excluded, its reads went elsewhere: the lag it was excluded at is over the bound.
    const excludedAt = r.logs.find((l) => l.event === 'db_replica' && l.host === paused && l.exclusion === 'lagging');
    expect(Number(excludedAt?.lagMs)).toBeGreaterThan(1_000);
  }, 180_000);
});

describe.runIf(available)('the baseline: the same service given one host (a DNS name nobody moves) shows the incident', () => {
  it('after a switchover its writes keep failing to the end of the run', async () => {
    await using cluster = await PatroniCluster.start();
    const single = await cluster.leaderUrl();
    const r = await runDrill({ url: () => single, origin: cluster.origin, events: cluster.events }, () => cluster.switchover(), {
      resilient: true,
      deadlineMs: DEADLINE_MS,
      afterMs: 4_000,
    });
    reportDrill('patroni single endpoint, switchover', r);
    const end = Math.max(...r.records.map((x) => x.start));
    expect(r.records.filter((x) => x.op === 'write' && x.code !== Status.OK && x.start > end - 1_000).length).toBeGreaterThan(0);
  }, 180_000);
});
