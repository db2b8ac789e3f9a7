import { randomUUID } from 'node:crypto';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemServiceClient, type ItemDetail } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { STALE_AGE_KEY, STALE_KEY } from '../src/grpc/createItemService.ts';
import { metricTotal } from '../harness/metricTotal.ts';
import type { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { startSeededCluster } from '../harness/clusterPerFile.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { withClient } from '../harness/TestDatabase.ts';
import { itemFields } from '../harness/itemFields.ts';

// The item cache on a real PostgreSQL server of the test's own (it is stopped in one test):
// LISTEN/NOTIFY invalidation across instances, listener loss, read-your-writes, stale-if-error.
let pg: PostgresCluster;
beforeAll(async () => {
  pg = await startSeededCluster();
});
afterAll(async () => {
  await pg[Symbol.asyncDispose]();
});

const CACHE = { ITEM_CACHE: true, LOG_LEVEL: 'info' as const };
const item = (description: string) => itemFields({ description, shortDescription: 'CACHE' });
const get = (t: TestServer, itemCode: string) =>
  t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode }, { timeoutMs: 2_000 });
const metric = async (t: TestServer, name: string) =>
  metricTotal(await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text(), name);
const until = async (check: () => Promise<boolean> | boolean, ms: number) => {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
};

/** GetItemDetail with its trailing metadata. */
function getWithTrailers(t: TestServer, itemCode: string): Promise<{ detail?: ItemDetail; error?: ServiceError; trailers: Metadata }> {
  const client = new ItemServiceClient(t.address, credentials.createInsecure());
  return new Promise((resolve) => {
    let trailers = new Metadata();
    let result: { detail?: ItemDetail; error?: ServiceError } = {};
    let pending = 2;
    const done = () => {
      pending -= 1;
      if (pending === 0) {
        client.close();
        resolve({ ...result, trailers });
      }
    };
    const call = client.getItemDetail(
      { tenantId: 'demo', storeCode: 'S001', itemCode },
      new Metadata(),
      { deadline: Date.now() + 3_000 },
      (error, detail) => {
        result = error ? { error } : { detail };
        done();
      },
    );
    call.on('status', (s) => {
      trailers = s.metadata;
      done();
    });
  });
}

describe('the item cache', () => {
  it('an UpsertItem on one instance is visible on the other within 100 ms (LISTEN/NOTIFY), and on the writer at once', async () => {
    await using a = await startTestServer(pg.url(), CACHE);
    await using b = await startTestServer(pg.url(), CACHE);
    const code = `C-${randomUUID().slice(0, 8)}`;
    const created = await b.api.upsertItem({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: code,
      requestId: randomUUID(),
      expectedVersion: 0,
      item: item('first'),
    });
    expect((await get(a, code)).description).toBe('first');
    expect((await get(a, code)).description).toBe('first'); // now from a's cache
    expect(await metric(a, 'masterdata_item_cache_lookups_total')).toBeGreaterThanOrEqual(2);
    await b.api.upsertItem({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: code,
      requestId: randomUUID(),
      expectedVersion: created.item?.version ?? 1,
      item: item('second'),
    });
    // Read-your-writes on the instance that wrote, with no wait at all.
    expect((await get(b, code)).description).toBe('second');
    const t0 = performance.now();
    expect(await until(async () => (await get(a, code)).description === 'second', 100)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('a change made with plain SQL (another tool) reaches the cache too: the trigger announces every item write', async () => {
    await using a = await startTestServer(pg.url(), CACHE);
    expect((await get(a, '4011')).version).toBeGreaterThan(0);
    await withClient(pg.url(), (c) =>
      c.query(
        "UPDATE item SET description = 'Bananas (SQL)', version = version + 1 WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011'",
      ),
    );
    expect(await until(async () => (await get(a, '4011')).description === 'Bananas (SQL)', 100)).toBe(true);
  });

  it('an UPDATE by SQL that leaves version alone still raises it (a trigger), and both instances see it within 100 ms', async () => {
    await using a = await startTestServer(pg.url(), CACHE);
    await using b = await startTestServer(pg.url(), CACHE);
    const before = await get(a, '4011');
    expect((await get(b, '4011')).version).toBe(before.version);
    const description = `Bananas (tool ${randomUUID().slice(0, 6)})`;
    await withClient(pg.url(), (c) =>
      c.query("UPDATE item SET description = $1 WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011'", [description]),
    );
    const t0 = performance.now();
    for (const t of [a, b]) expect(await until(async () => (await get(t, '4011')).description === description, 100)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
    expect((await get(a, '4011')).version).toBe(before.version + 1);
    // An UPDATE that changes nothing keeps the version; one that sends an old version is raised anyway.
    await withClient(pg.url(), (c) =>
      c.query(
        "UPDATE item SET description = description, version = 1 WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011'",
      ),
    );
    const [row] = await withClient(
      pg.url(),
      async (c) =>
        (
          await c.query<{ version: number }>(
            "SELECT version FROM item WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011'",
          )
        ).rows,
    );
    expect(row?.version).toBe(before.version + 1);
  });

  it('expected_version answers ABORTED as before: the trigger gives a service write exactly the version it asked for', async () => {
    await using a = await startTestServer(pg.url(), CACHE);
    const code = `V-${randomUUID().slice(0, 8)}`;
    const upsert = (expectedVersion: number, description: string) =>
      a.api.upsertItem({
        tenantId: 'demo',
        storeCode: 'S001',
        itemCode: code,
        requestId: randomUUID(),
        expectedVersion,
        item: item(description),
      });
    expect((await upsert(0, 'one')).item?.version).toBe(1);
    expect((await upsert(1, 'two')).item?.version).toBe(2);
    await expect(upsert(1, 'stale')).rejects.toMatchObject({ code: Status.ABORTED });
    expect((await upsert(2, 'three')).item?.version).toBe(3);
  });

  it('a listener connection killed with pg_terminate_backend flushes the cache and reconnects', async () => {
    await using a = await startTestServer(pg.url(), CACHE);
    const code = `K-${randomUUID().slice(0, 8)}`;
    await a.api.upsertItem({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: code,
      requestId: randomUUID(),
      expectedVersion: 0,
      item: item('before'),
    });
    await get(a, code);
    const killed = await withClient(
      pg.url(),
      async (c) =>
        (await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'masterdata-listen'")).rowCount,
    );
    expect(killed).toBeGreaterThanOrEqual(1);
    expect(await until(() => a.logs.some((l) => l.event === 'item_cache' && l.state === 'lost'), 2_000)).toBe(true);
    // While nobody listens, a change is not heard: the cache is paused, so reads go to the database.
    await withClient(pg.url(), (c) =>
      c.query("UPDATE item SET description = 'during', version = version + 1 WHERE item_code = $1", [code]),
    );
    expect((await get(a, code)).description).toBe('during');
    expect(await until(() => a.server.lookups.listener?.listening === true, 3_000)).toBe(true);
    expect(a.logs.filter((l) => l.event === 'item_cache' && l.state === 'listening').length).toBeGreaterThanOrEqual(2);
    await withClient(pg.url(), (c) => c.query("UPDATE item SET description = 'after', version = version + 1 WHERE item_code = $1", [code]));
    expect(await until(async () => (await get(a, code)).description === 'after', 200)).toBe(true);
  });

  it('while the database is down, cached items are answered flagged stale (trailers and a metric); writes fail as they should', async () => {
    await using a = await startTestServer(pg.url(), { ...CACHE, DB_BREAKER_OPEN_AFTER_MS: 300, HEALTH_PROBE_INTERVAL_MS: 100 });
    await get(a, '1001');
    const fresh = await getWithTrailers(a, '1001');
    expect(fresh.trailers.get(STALE_KEY)).toEqual([]);
    await pg.stop('fast');
    try {
      const answers = [];
      for (let i = 0; i < 10; i++) {
        answers.push(await getWithTrailers(a, '1001'));
        await sleep(100);
      }
      expect(answers.map((x) => x.error?.code)).toEqual(Array(10).fill(undefined));
      expect(answers.every((x) => x.detail?.itemCode === '1001' && x.trailers.get(STALE_KEY)[0] === 'true')).toBe(true);
      expect(Number(answers.at(-1)?.trailers.get(STALE_AGE_KEY)[0])).toBeGreaterThan(0);
      expect(await metric(a, 'masterdata_item_cache_stale_answers_total')).toBeGreaterThanOrEqual(10);
      // Never read before the stop: nothing to answer with.
      expect((await getWithTrailers(a, '2001')).error?.code).toBe(Status.UNAVAILABLE);
      const write = await a.api
        .upsertItem({
          tenantId: 'demo',
          storeCode: 'S001',
          itemCode: 'X1',
          requestId: randomUUID(),
          expectedVersion: 0,
          item: item('down'),
        })
        .catch((e: unknown) => e as ServiceError);
      expect(write).toMatchObject({ code: Status.UNAVAILABLE });
    } finally {
      await pg.start();
    }
    expect(await until(async () => (await getWithTrailers(a, '1001')).trailers.get(STALE_KEY).length === 0, 5_000)).toBe(true);
  });

  it('ITEM_CACHE=off reads the database every time', async () => {
    await using a = await startTestServer(pg.url(), { ITEM_CACHE: false });
    await get(a, '4011');
    await get(a, '4011');
    expect(a.server.lookups.cache).toBeUndefined();
    expect(await metric(a, 'masterdata_item_cache_lookups_total')).toBe(2);
  });
});
