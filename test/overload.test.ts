import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { RETRY_PUSHBACK_KEY } from '@pos-masterdata/grpc-chain';
import { ConnectionSampler } from '@pos-masterdata/failover-testkit';
import { metricTotal } from '../harness/metricTotal.ts';
import { runLoad, sleep, summarise } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { holdTableLock } from '../harness/TestDatabase.ts';
import { clusterPerFile } from '../harness/clusterPerFile.ts';
import { itemFields } from '../harness/itemFields.ts';

// Saturation is not an outage: a real PostgreSQL server of the test's own (so it can be stopped),
// the real service, and connections counted where they count, in pg_stat_activity.
const file = clusterPerFile();

const POOL_MAX = 4;
const BASE = { DB_POOL_MAX: POOL_MAX, LOG_LEVEL: 'warn' as const };
const metric = async (t: TestServer, name: string) =>
  metricTotal(await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text(), name);
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => Status.OK,
    (e: unknown) => (e as ServiceError).code,
  );
const item = itemFields({ description: 'burst', shortDescription: 'BURST' });

describe('overload is not an outage', () => {
  it('a burst far above the pool size gets no INTERNAL, causes no rebuild, no retry, and stays within the pool size', async () => {
    await using t = await startTestServer(file.cluster.url(), BASE);
    await using sampler = new ConnectionSampler(file.cluster.url('postgres'), 'masterdata');
    const reads = Array.from({ length: 1_500 }, (_, i) =>
      codeOf(t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: i % 2 ? '4011' : '1001' }, { timeoutMs: 10_000 })),
    );
    const writes = Array.from({ length: 300 }, (_, i) =>
      codeOf(
        t.api.upsertItem(
          {
            tenantId: 'demo',
            storeCode: 'S002',
            itemCode: `BURST-${String(i)}`,
            requestId: `burst-request-${String(i)}`,
            expectedVersion: 0,
            item,
          },
          { timeoutMs: 10_000 },
        ),
      ),
    );
    const codes = await Promise.all([...reads, ...writes]);
    await sleep(100);
    expect(codes.filter((c) => c === Status.INTERNAL)).toEqual([]);
    expect(codes.filter((c) => c !== Status.OK && c !== Status.RESOURCE_EXHAUSTED && c !== Status.DEADLINE_EXCEEDED)).toEqual([]);
    expect(codes.filter((c) => c === Status.OK).length).toBeGreaterThan(1_700);
    expect(await metric(t, 'masterdata_db_pool_rebuilds_total')).toBe(0);
    expect(await metric(t, 'masterdata_db_retries_total')).toBe(0);
    // The sampler did count (a bound on nothing proves nothing), and never above the pool size.
    expect(sampler.peak['masterdata-read'] ?? 0).toBeGreaterThan(0);
    expect(sampler.peak['masterdata-write'] ?? 0).toBeGreaterThan(0);
    expect(sampler.peak['masterdata-read'] ?? 0).toBeLessThanOrEqual(POOL_MAX);
    expect(sampler.peak['masterdata-write'] ?? 0).toBeLessThanOrEqual(POOL_MAX);
  });

  it('a lock held longer than the query timeout never takes connections above the pool size, rebuilds nothing, and calls succeed once it is gone', async () => {
    await using t = await startTestServer(file.cluster.url(), {
      ...BASE,
      DB_QUERY_TIMEOUT_MS: 500,
      DB_STATEMENT_TIMEOUT_MS: 5_000,
      LOG_LEVEL: 'info',
    });
    await using sampler = new ConnectionSampler(file.cluster.url('postgres'), 'masterdata');
    const stop = new AbortController();
    const t0 = performance.now();
    const load = runLoad({ api: t.api, concurrency: 14, writeEvery: 7, deadlineMs: 2_000, signal: stop.signal, pauseMs: 5, origin: t0 });
    await sleep(500);
    await holdTableLock(file.cluster.url(), 'item', 3_000);
    const released = performance.now() - t0;
    await sleep(1_500);
    stop.abort();
    const records = await load;
    expect(sampler.peak['masterdata-read'] ?? 0).toBeGreaterThan(0);
    expect(sampler.peak['masterdata-read'] ?? 0).toBeLessThanOrEqual(POOL_MAX);
    expect(sampler.peak['masterdata-write'] ?? 0).toBeLessThanOrEqual(POOL_MAX);
    expect(await metric(t, 'masterdata_db_pool_rebuilds_total')).toBe(0);
    expect(summarise(records)).not.toHaveProperty(['read:INTERNAL']);
    // The lock did bite, and every call it failed was told to come back later. Which of the three
    // depends on where the call waited: coalesced reads share a connection and end by the query
    // timeout (UNAVAILABLE), calls queued for a connection by the deadline or the gate.
    const failed = records.filter((r) => r.code !== Status.OK);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((r) => ![Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED, Status.UNAVAILABLE].includes(r.code))).toEqual([]);
    const after = records.filter((r) => r.start > released + 500);
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((r) => r.code !== Status.OK)).toEqual([]);
    // Health never confused a lock with an outage.
    expect(t.logs.some((l) => l.event === 'health' && l.status === 'NOT_SERVING')).toBe(false);
  });

  it('while the database refuses connections, calls fail within 100 ms once the breaker is open, with a retry hint, and succeed within 1 s of its return', async () => {
    await using t = await startTestServer(file.cluster.url(), {
      ...BASE,
      DB_BREAKER_OPEN_AFTER_MS: 500,
      DB_BREAKER_HALF_OPEN_MS: 300,
      HEALTH_PROBE_INTERVAL_MS: 200,
    });
    const stop = new AbortController();
    const t0 = performance.now();
    const load = runLoad({ api: t.api, concurrency: 4, writeEvery: 4, deadlineMs: 3_000, signal: stop.signal, pauseMs: 5, origin: t0 });
    await sleep(300);
    let window: [number, number] = [0, 0];
    await file.cluster.stop('fast');
    try {
      while (!t.server.db.breaker.isOpen) await sleep(20);
      const openedAt = performance.now() - t0;
      const hint = await t.api
        .getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }, { timeoutMs: 3_000 })
        .catch((e: unknown) => e as ServiceError);
      expect(hint).toMatchObject({ code: Status.UNAVAILABLE });
      expect(Number((hint as ServiceError).metadata.get(RETRY_PUSHBACK_KEY)[0])).toBeGreaterThan(0);
      // Calls already waiting for the database when it opened end at their deadline (3 s);
      // every call that starts after it opened must fail fast.
      await sleep(4_000);
      window = [openedAt + 20, performance.now() - t0];
    } finally {
      await file.cluster.start();
    }
    const backAt = performance.now() - t0;
    await sleep(1_500);
    stop.abort();
    const records = await load;
    const open = records.filter((r) => r.start > window[0] && r.start + r.latencyMs < window[1]);
    expect(open.length).toBeGreaterThan(20);
    // Fast against the 3 s deadline; 100 ms leaves room for a GC pause on a loaded 2-core runner (51 ms seen once).
    expect(open.filter((r) => r.latencyMs > 100)).toEqual([]);
    expect(open.filter((r) => r.code !== Status.UNAVAILABLE)).toEqual([]);
    const firstOk = records
      .filter((r) => r.code === Status.OK && r.start + r.latencyMs > backAt)
      .map((r) => r.start + r.latencyMs - backAt)
      .sort((a, b) => a - b)[0];
    expect(firstOk).toBeLessThan(1_000);
    expect(t.logs.some((l) => l.event === 'breaker' && l.state === 'open')).toBe(true);
    expect(await metric(t, 'masterdata_db_breaker_openings_total')).toBeGreaterThanOrEqual(1);
  });

  it('a permanent refusal (a database that does not exist) is not retried or rebuilt: fast UNAVAILABLE, NOT_SERVING, one line saying what to change', async () => {
    const missing = new URL(file.cluster.url());
    missing.pathname = '/no_such_database';
    await using t = await startTestServer(missing.toString(), {
      ...BASE,
      DB_BREAKER_OPEN_AFTER_MS: 300,
      HEALTH_PROBE_INTERVAL_MS: 100,
      LOG_LEVEL: 'info',
    });
    expect(t.server.health.serving).toBe(false);
    const codes: Status[] = [];
    for (let i = 0; i < 20; i++) {
      codes.push(await codeOf(t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }, { timeoutMs: 2_000 })));
      await sleep(30);
    }
    expect(new Set(codes)).toEqual(new Set([Status.UNAVAILABLE]));
    const misconfigured = t.logs.filter((l) => l.event === 'db_misconfigured' && l.pool === 'read');
    expect(misconfigured).toHaveLength(1);
    expect(misconfigured[0]?.hint).toMatch(/does not exist/);
    // The health probe (every 100 ms here) reports the same refusal once, not once per probe.
    expect(t.logs.filter((l) => l.event === 'db_misconfigured' && l.source === 'health-probe')).toHaveLength(1);
    expect(await metric(t, 'masterdata_db_pool_rebuilds_total')).toBe(0);
    expect(await metric(t, 'masterdata_db_retries_total')).toBe(0);
    expect(t.logs.some((l) => l.event === 'breaker' && l.state === 'open')).toBe(true);
  });
});
