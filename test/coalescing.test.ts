import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricTotal } from '../harness/metricTotal.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { TestDatabase, withClient } from '../harness/TestDatabase.ts';

// Coalesced lookups against a real server and PostgreSQL, with the item cache off so that every
// lookup reaches the database: many concurrent callers share queries, and each still gets its
// own items, its own missing codes and its own deadline.
let db: TestDatabase;
let t: TestServer;
let codes: string[];

beforeAll(async () => {
  db = await TestDatabase.create();
  t = await startTestServer(db.url());
  codes = (
    await db.query<{ item_code: string }>(`SELECT item_code FROM item WHERE tenant_id = 'demo' AND store_code = 'S001' ORDER BY item_code`)
  ).map((r) => r.item_code);
});
afterAll(async () => {
  await t[Symbol.asyncDispose]();
  await db[Symbol.asyncDispose]();
});

const KEY = { tenantId: 'demo', storeCode: 'S001' };
const metric = async (name: string) =>
  metricTotal(await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text(), name);
const outcome = <T>(call: Promise<T>) =>
  call.then(
    (value) => ({ value, code: Status.OK }),
    (e: unknown) => ({ value: undefined, code: (e as ServiceError).code }),
  );

describe('coalesced item lookups', () => {
  it('answer each of many concurrent callers with exactly its own items and its own missing codes, in fewer queries than calls', async () => {
    const queriesBefore = await metric('masterdata_item_lookup_calls_per_query_count');
    const callsBefore = await metric('masterdata_item_lookup_calls_per_query_sum');
    const asks = Array.from({ length: 80 }, (_, i) => [
      codes[i % codes.length] as string,
      codes[(i * 7) % codes.length] as string,
      `missing-${String(i)}`,
    ]);
    const singles = asks.filter((_, i) => i % 2 === 0).map((mine, i) => mine[i % 3] as string);
    const batches = asks.filter((_, i) => i % 2 === 1);
    const [singleAnswers, batchAnswers] = await Promise.all([
      Promise.all(singles.map((itemCode) => outcome(t.api.getItemDetail({ ...KEY, itemCode })))),
      Promise.all(batches.map((itemCodes) => outcome(t.api.batchGetItemDetails({ ...KEY, itemCodes })))),
    ]);
    for (const [i, code] of singles.entries()) {
      if (code.startsWith('missing-')) expect(singleAnswers[i]?.code).toBe(Status.NOT_FOUND);
      else expect(singleAnswers[i]?.value?.itemCode).toBe(code);
    }
    for (const [i, asked] of batches.entries()) {
      const known = [...new Set(asked.filter((c) => !c.startsWith('missing-')))];
      expect(batchAnswers[i]?.value?.items.map((item) => item.itemCode)).toEqual(known);
      expect(batchAnswers[i]?.value?.missingItemCodes).toEqual(asked.filter((c) => c.startsWith('missing-')));
    }
    const queries = (await metric('masterdata_item_lookup_calls_per_query_count')) - queriesBefore;
    const calls = (await metric('masterdata_item_lookup_calls_per_query_sum')) - callsBefore;
    expect(calls).toBe(80);
    expect(queries).toBeLessThan(calls);
  });

  it('let a caller with a short deadline leave at its deadline while callers with longer ones get their answer from the same query', async () => {
    await withClient(db.url(), async (lock) => {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE item IN ACCESS EXCLUSIVE MODE');
      const start = performance.now();
      const timed = <T>(call: Promise<T>) => outcome(call).then((r) => ({ ...r, ms: performance.now() - start }));
      const short = codes.slice(0, 5).map((itemCode) => timed(t.api.getItemDetail({ ...KEY, itemCode }, { timeoutMs: 300 })));
      const long = codes.slice(2, 8).map((itemCode) => timed(t.api.getItemDetail({ ...KEY, itemCode }, { timeoutMs: 4_000 })));
      await sleep(1_000);
      await lock.query('COMMIT');
      const shortAnswers = await Promise.all(short);
      const longAnswers = await Promise.all(long);
      for (const a of shortAnswers) {
        expect(a.code).toBe(Status.DEADLINE_EXCEEDED);
        expect(a.ms).toBeLessThan(800);
      }
      for (const [i, a] of longAnswers.entries()) {
        expect(a.code).toBe(Status.OK);
        expect(a.value?.itemCode).toBe(codes[i + 2]);
        expect(a.ms).toBeGreaterThanOrEqual(1_000);
      }
    });
  });
});
