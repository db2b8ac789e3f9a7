import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricTotal } from '../harness/metricTotal.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { itemFields } from '../harness/itemFields.ts';

// upsert_request must not grow forever: records older than UPSERT_REQUEST_RETENTION are deleted
// in the background, in batches, counted and logged; a request id older than that is new again.
let db: TestDatabase;
beforeAll(async () => {
  db = await TestDatabase.create();
});
afterAll(async () => {
  await db[Symbol.asyncDispose]();
});

const DAY = 86_400_000;
const item = itemFields({ description: 'Kept', shortDescription: 'KEPT' });

describe('upsert_request retention', () => {
  it('deletes records older than the retention in batches, keeps the younger ones, and counts and logs it', async () => {
    await db.query(`INSERT INTO upsert_request (tenant_id, request_id, fingerprint, item_id, response, created_at)
      SELECT 'demo', 'old-' || n, repeat('0', 64), NULL, '{}'::jsonb, now() - interval '8 days' - n * interval '1 second' FROM generate_series(1, 1200) AS n`);
    await db.query(`INSERT INTO upsert_request (tenant_id, request_id, fingerprint, item_id, response, created_at)
      SELECT 'demo', 'young-' || n, repeat('0', 64), NULL, '{}'::jsonb, now() - interval '6 days' FROM generate_series(1, 10) AS n`);
    await using t = await startTestServer(db.url(), {
      UPSERT_REQUEST_RETENTION: 7 * DAY,
      UPSERT_REQUEST_RETENTION_CHECK_MS: 1_000,
      LOG_LEVEL: 'info',
    });
    const metrics = async () => (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text();
    const end = performance.now() + 10_000;
    while (metricTotal(await metrics(), 'masterdata_upsert_requests_deleted_total') < 1_200 && performance.now() < end) await sleep(50);
    expect(metricTotal(await metrics(), 'masterdata_upsert_requests_deleted_total')).toBe(1_200);
    const left = await db.query<{ request_id: string }>(
      `SELECT request_id FROM upsert_request WHERE request_id LIKE 'old-%' OR request_id LIKE 'young-%'`,
    );
    expect(left.map((r) => r.request_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `young-${String(i + 1)}`).sort());
    const line = t.logs.find((l) => l.event === 'upsert_request_retention');
    expect(line).toMatchObject({ deleted: 1_200 });
  });

  it('applies a request id older than the retention anew: it is no longer known', async () => {
    await using t = await startTestServer(db.url(), { UPSERT_REQUEST_RETENTION: 7 * DAY, UPSERT_REQUEST_RETENTION_CHECK_MS: 1_000 });
    const request = {
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: `RET-${randomUUID().slice(0, 8)}`,
      requestId: randomUUID(),
      expectedVersion: 0,
      item,
    };
    expect(await t.api.upsertItem(request)).toMatchObject({ created: true, replayed: false });
    expect(await t.api.upsertItem(request)).toMatchObject({ replayed: true });
    await db.query(`UPDATE upsert_request SET created_at = now() - interval '8 days' WHERE request_id = $1`, [request.requestId]);
    const end = performance.now() + 5_000;
    while (
      (await db.query('SELECT 1 FROM upsert_request WHERE request_id = $1', [request.requestId])).length > 0 &&
      performance.now() < end
    )
      await sleep(50);
    const again = await t.api.upsertItem(request);
    expect(again).toMatchObject({ created: false, replayed: false, item: { version: 2 } });
  });

  it('keeps everything with UPSERT_REQUEST_RETENTION=off', async () => {
    await db.query(
      `INSERT INTO upsert_request (tenant_id, request_id, fingerprint, item_id, response, created_at) VALUES ('demo', 'ancient-1', repeat('0', 64), NULL, '{}', now() - interval '400 days')`,
    );
    await using t = await startTestServer(db.url(), { UPSERT_REQUEST_RETENTION: 0, UPSERT_REQUEST_RETENTION_CHECK_MS: 1_000 });
    await sleep(1_500);
    expect(await db.query(`SELECT 1 FROM upsert_request WHERE request_id = 'ancient-1'`)).toHaveLength(1);
    expect(
      metricTotal(
        await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text(),
        'masterdata_upsert_request_sweeps_total',
      ),
    ).toBe(0);
  });
});
