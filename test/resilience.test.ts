import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { runLoad, sleep, summarise, type CallRecord } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { TcpProxy } from '@pos-masterdata/failover-testkit';
import { withClient } from '../harness/TestDatabase.ts';
import { itemFields } from '../harness/itemFields.ts';

// Real PostgreSQL servers of the test's own behind a TCP proxy: the proxy is the stable
// endpoint (the "same DNS name") the service connects to.
let a: PostgresCluster;
let b: PostgresCluster;
let proxy: TcpProxy;

const OVERRIDES = {
  DB_POOL_MAX: 4,
  DB_CONNECT_TIMEOUT_MS: 500,
  DB_QUERY_TIMEOUT_MS: 1_000,
  DB_STATEMENT_TIMEOUT_MS: 1_000,
  DB_REBUILD_MIN_INTERVAL_MS: 1_000,
  HEALTH_PROBE_INTERVAL_MS: 200,
  LOG_LEVEL: 'debug' as const,
};
const viaProxy = () => `postgresql://postgres@127.0.0.1:${proxy.port}/postgres`;

beforeAll(async () => {
  [a, b] = await Promise.all([PostgresCluster.start(), PostgresCluster.start()]);
  for (const c of [a, b]) {
    await migrateDatabase(c.url());
    await seedDemoData(c.url());
  }
  proxy = await TcpProxy.start(a.endpoint);
});
afterAll(async () => {
  await proxy[Symbol.asyncDispose]();
  await Promise.all([a[Symbol.asyncDispose](), b[Symbol.asyncDispose]()]);
});
beforeEach(() => {
  proxy.heal();
  proxy.pointTo(a.endpoint);
});

async function underLoad(
  t: TestServer,
  incident: () => Promise<void> | void,
  o: { writeEvery?: number; deadlineMs?: number; afterMs?: number } = {},
): Promise<{ records: CallRecord[]; incidentAt: number; incidentEnd: number }> {
  const stop = new AbortController();
  const t0 = performance.now();
  const load = runLoad({
    api: t.api,
    concurrency: 6,
    writeEvery: o.writeEvery ?? 5,
    deadlineMs: o.deadlineMs ?? 2_000,
    signal: stop.signal,
    pauseMs: 2,
  });
  await sleep(400);
  const incidentAt = performance.now() - t0;
  await incident();
  const incidentEnd = performance.now() - t0;
  await sleep(o.afterMs ?? 1_500);
  stop.abort();
  return { records: await load, incidentAt, incidentEnd };
}

const sql = (c: PostgresCluster, text: string) => withClient(c.url(), (client) => client.query(text));
const rebuilds = (t: TestServer, pool: string) => t.logs.filter((l) => l.event === 'pool_rebuild' && l.pool === pool).length;

describe('resilience under steady concurrent load', () => {
  it('terminating every app backend fails no read and no write', async () => {
    await using t = await startTestServer(viaProxy(), OVERRIDES);
    const { records } = await underLoad(t, async () => {
      await sql(a, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'masterdata%'");
    });
    expect(summarise(records)).not.toHaveProperty(['read:UNAVAILABLE']);
    expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
    expect(records.length).toBeGreaterThan(100);
  });

  it('after an immediate restart the calls succeed again, and health goes NOT_SERVING then SERVING', async () => {
    await using t = await startTestServer(viaProxy(), OVERRIDES);
    const states: boolean[] = [];
    const { records, incidentEnd } = await underLoad(
      t,
      async () => {
        await a.restart('immediate');
        states.push(t.server.health.serving);
      },
      { afterMs: 2_000 },
    );
    const after = records.filter((r) => r.start > incidentEnd + 200);
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((r) => r.code !== Status.OK)).toEqual([]);
    expect(records.filter((r) => r.code !== Status.OK && r.code !== Status.UNAVAILABLE)).toEqual([]);
    expect(t.server.health.serving).toBe(true);
    expect(t.logs.some((l) => l.event === 'health' && l.status === 'NOT_SERVING')).toBe(true);
  });

  it('a server turned read-only under the pool fails writes only until the one rebuild, then they succeed on the new primary', async () => {
    await using t = await startTestServer(viaProxy(), OVERRIDES);
    try {
      const { records, incidentAt } = await underLoad(
        t,
        async () => {
          proxy.pointTo(b.endpoint); // new connections reach the new primary; pooled ones stay on the old
          await sql(a, 'ALTER SYSTEM SET default_transaction_read_only = on');
          await sql(a, 'SELECT pg_reload_conf()');
        },
        { writeEvery: 2 },
      );
      const writes = records.filter((r) => r.op === 'write' && r.start >= incidentAt);
      const firstOk = writes.findIndex((r) => r.code === Status.OK && r.start > incidentAt + 100);
      expect(firstOk).toBeGreaterThanOrEqual(0);
      expect(writes.slice(firstOk).filter((r) => r.code !== Status.OK)).toEqual([]);
      expect(records.filter((r) => r.op === 'read' && r.code !== Status.OK)).toEqual([]);
      expect(rebuilds(t, 'write')).toBeLessThanOrEqual(1);
      const metrics = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/masterdata_db_pool_rebuilds_total\{pool="write",reason="read_only"\} 1/);
      expect(metrics).toMatch(/masterdata_db_errors_total\{pool="write",kind="read_only"\} [1-9]/);
      const acked = records.filter((r) => r.op === 'write' && r.code === Status.OK).map((r) => r.itemCode);
      const onB = await withClient(b.url(), (c) =>
        c.query<{ item_code: string }>('SELECT item_code FROM item WHERE item_code = ANY($1)', [acked]),
      );
      const onA = await withClient(a.url(), (c) =>
        c.query<{ item_code: string }>('SELECT item_code FROM item WHERE item_code = ANY($1)', [acked]),
      );
      expect(onA.rows.length + onB.rows.length).toBe(acked.length);
    } finally {
      await sql(a, 'ALTER SYSTEM RESET default_transaction_read_only');
      await sql(a, 'SELECT pg_reload_conf()');
    }
  });

  it.each([
    ['before-commit', false],
    ['after-commit', true],
  ] as const)(
    'an UpsertItem whose connection is lost at COMMIT (%s) is answered truthfully (replayed=%s) and the row exists exactly once',
    async (when, replayed) => {
      await using t = await startTestServer(viaProxy(), OVERRIDES);
      const itemCode = `TXEND-${when}`;
      const requestId = `req-${when}-0001`;
      proxy.trapNextCommit(when);
      const res = await t.api.upsertItem(
        {
          tenantId: 'demo',
          storeCode: 'S002',
          itemCode,
          requestId,
          expectedVersion: 0,
          item: itemFields({ description: 'COMMIT in the data is not a COMMIT', shortDescription: 'COMMIT' }),
        },
        { timeoutMs: 5_000 },
      );
      expect(proxy.commitsTrapped).toBeGreaterThan(0);
      // The retry finds the request_id if the first COMMIT landed and answers with the stored result.
      expect(res).toMatchObject({ created: true, replayed, item: { itemCode, version: 1 } });
      expect(t.logs.find((l) => l.event === 'commit_outcome')).toMatchObject({ outcome: 'idempotent-retry' });
      const rows = await withClient(a.url(), (c) => c.query('SELECT 1 FROM item WHERE item_code = $1', [itemCode]));
      const ids = await withClient(a.url(), (c) => c.query('SELECT 1 FROM upsert_request WHERE request_id = $1', [requestId]));
      expect([rows.rowCount, ids.rowCount]).toEqual([1, 1]);
    },
  );

  it('a failover that black-holes the old primary fails no read: the first attempt times out at half the deadline, the retry lands on the new primary', async () => {
    // The static read timeout (5 s) is longer than the call deadline (2 s): only the
    // deadline-derived timeout can leave room for the retry.
    await using t = await startTestServer(viaProxy(), { ...OVERRIDES, DB_QUERY_TIMEOUT_MS: 5_000, DB_STATEMENT_TIMEOUT_MS: 5_000 });
    const { records } = await underLoad(
      t,
      () => {
        proxy.pointTo(b.endpoint);
        proxy.blackholeExisting();
      },
      { writeEvery: 0, deadlineMs: 2_000, afterMs: 2_500 },
    );
    expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
    expect(Math.max(...records.map((r) => r.latencyMs))).toBeLessThan(2_000);
    expect(rebuilds(t, 'read')).toBe(1);
  });

  it('a black-holed connection never holds a call past its deadline, and the service recovers when the network heals', async () => {
    await using t = await startTestServer(viaProxy(), OVERRIDES);
    const deadlineMs = 400;
    const { records, incidentEnd } = await underLoad(
      t,
      async () => {
        proxy.blackhole();
        await sleep(2_500);
        proxy.heal();
      },
      { deadlineMs, afterMs: 3_000 },
    );
    const late = records.filter((r) => r.latencyMs > deadlineMs + 150);
    expect(late).toEqual([]);
    expect(records.some((r) => r.code === Status.DEADLINE_EXCEEDED || r.code === Status.UNAVAILABLE)).toBe(true);
    const tail = records.filter((r) => r.start > incidentEnd + 2_000);
    expect(tail.length).toBeGreaterThan(20);
    expect(tail.filter((r) => r.code !== Status.OK)).toEqual([]);
  });
});
