import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clusterPerFile } from '../harness/clusterPerFile.ts';
import { itemFields } from '../harness/itemFields.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { withClient } from '../harness/TestDatabase.ts';

// Two cached instances, many writers of every kind, and the database mistreated meanwhile: after
// it all quiets down, both instances answer exactly what the database holds.
const CODES = ['4011', '4131', '4664', '1001', '1002', '1003', '1004', '2001', '2002', '3001'];
const WHERE = "tenant_id = 'demo' AND store_code = 'S001' AND item_code = $1";

const file = clusterPerFile();

/** Runs `step` over and over until `stop` aborts; failures are counted (the database is being mistreated). */
async function loop(stop: AbortSignal, step: (i: number) => Promise<unknown>): Promise<number> {
  let failures = 0;
  for (let i = 0; !stop.aborted; i++) {
    await step(i).catch(() => (failures += 1));
    await sleep(3);
  }
  return failures;
}

/** A SQL writer as another tool would be: plain UPDATEs that leave version alone, some rolled back. */
async function sqlWrite(i: number): Promise<void> {
  const code = CODES[i % CODES.length] ?? '4011';
  await withClient(file.cluster.url(), async (c) => {
    await c.query('BEGIN');
    await c.query(`UPDATE item SET description = $2 WHERE ${WHERE}`, [code, `sql ${randomUUID().slice(0, 8)}`]);
    await c.query(i % 3 === 0 ? 'ROLLBACK' : 'COMMIT');
  });
}

describe('the item cache under many writers and a mistreated database', () => {
  it('gRPC and SQL writers, rollbacks, listener kills, terminate-all, a restart and a frozen server: 0 mismatches after quiescence on both instances', async () => {
    const settings = { ITEM_CACHE: true, DB_CONNECT_TIMEOUT_MS: 500, DB_QUERY_TIMEOUT_MS: 1_000, LOG_LEVEL: 'info' as const };
    await using a = await startTestServer(file.cluster.url(), settings);
    await using b = await startTestServer(file.cluster.url(), settings);
    const stop = new AbortController();
    const read = (t: TestServer, i: number) =>
      t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: CODES[i % CODES.length] ?? '4011' }, { timeoutMs: 1_000 });
    const grpcWrite = (t: TestServer, i: number) =>
      t.api.upsertItem(
        {
          tenantId: 'demo',
          storeCode: 'S001',
          itemCode: CODES[(i * 7) % CODES.length] ?? '4011',
          requestId: randomUUID(),
          expectedVersion: 0,
          item: itemFields({ description: `grpc ${randomUUID().slice(0, 8)}`, shortDescription: 'CHAOS' }),
        },
        { timeoutMs: 2_000 },
      );
    const workers = [
      ...Array.from({ length: 8 }, (_, n) => loop(stop.signal, (i) => read(n % 2 === 0 ? a : b, i + n))),
      loop(stop.signal, (i) => grpcWrite(a, i)),
      loop(stop.signal, (i) => grpcWrite(b, i + 1)),
      loop(stop.signal, sqlWrite),
      loop(stop.signal, (i) => sqlWrite(i + 5)),
    ];

    const kill = (filter: string) =>
      withClient(file.cluster.url(), (c) =>
        c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${filter} AND pid <> pg_backend_pid()`),
      );
    await sleep(1_000);
    await kill("application_name = 'masterdata-listen'");
    await sleep(1_000);
    await kill("backend_type = 'client backend'");
    await sleep(1_000);
    await file.cluster.restart('immediate');
    await sleep(1_500);
    await file.cluster.freeze();
    await sleep(2_000);
    await file.cluster.thaw();
    await sleep(1_500);
    await kill("application_name = 'masterdata-listen'");
    await sleep(1_000);
    stop.abort();
    const failures = await Promise.all(workers);

    // Quiescence: no writer left; the listeners are back (each flushes on reconnect).
    const listening = (t: TestServer) => t.logs.filter((l) => l.event === 'item_cache' && l.state === 'listening').length;
    const deadline = performance.now() + 10_000;
    while ((listening(a) < 3 || listening(b) < 3) && performance.now() < deadline) await sleep(50);
    await sleep(500);

    const rows = await withClient(file.cluster.url(), async (c) =>
      Promise.all(
        CODES.map(
          async (code) =>
            (await c.query<{ description: string; version: number }>(`SELECT description, version FROM item WHERE ${WHERE}`, [code]))
              .rows[0],
        ),
      ),
    );
    const mismatches: string[] = [];
    for (const [t, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      for (const [i, code] of CODES.entries()) {
        const answer = await t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: code }, { timeoutMs: 2_000 });
        const row = rows[i];
        if (answer.description !== row?.description || answer.version !== row.version)
          mismatches.push(
            `${name} ${code}: answered v${answer.version} "${answer.description}", stored v${String(row?.version)} "${String(row?.description)}"`,
          );
      }
    }
    console.log(
      `cache chaos: failures during the mistreatment per worker ${failures.join(',')}; listener reconnects a=${listening(a)} b=${listening(b)}; mismatches ${mismatches.length}`,
    );
    expect(mismatches).toEqual([]);
  }, 120_000);
});
