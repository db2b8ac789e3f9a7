import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '@pos-masterdata/resilient-prisma';
import { createServiceDatabase } from '../src/db/serviceDatabase.ts';
import { ResilientPool } from '@pos-masterdata/resilient-prisma';
import { databaseSettings } from '../harness/databaseSettings.ts';
import { sleep } from '../harness/runLoad.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';

let db: TestDatabase;
beforeAll(async () => {
  db = await TestDatabase.create();
});
afterAll(async () => {
  await db[Symbol.asyncDispose]();
});

const settings = (over: Partial<Parameters<typeof createPgPool>[0]> = {}) => ({
  endpoint: DatabaseEndpoint.parse(db.url()),
  max: 2,
  connectTimeoutMs: 1_000,
  queryTimeoutMs: 2_000,
  statementTimeoutMs: 2_000,
  idleTimeoutMs: 10_000,
  requireWritable: false,
  resilient: true,
  applicationName: 'masterdata-pooltest',
  ...over,
});
const pool = (minRebuildIntervalMs = 0, over: Partial<Parameters<typeof createPgPool>[0]> = {}) =>
  new ResilientPool({ createInner: () => createPgPool(settings(over)), minRebuildIntervalMs, keepConnectionOnSqlError: true });

describe('ResilientPool', () => {
  it('is a pg.Pool, so adapter-pg accepts it', () => {
    expect(pool()).toBeInstanceOf(pg.Pool);
  });

  it('concurrent failures of one generation share one rebuild; failures of a replaced generation trigger none', async () => {
    const p = pool(0);
    await p.query('SELECT 1');
    const results = Array.from({ length: 10 }, () => p.replace(1, 'connection_lost'));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(p.generation).toBe(2);
    expect(p.replace(1, 'connection_lost')).toBe(false);
    await p.end();
  });

  it('rate-limits rebuilds during an outage (a failure every 10 ms for 300 ms makes one)', async () => {
    const p = pool(1_000);
    let made = 0;
    for (let i = 0; i < 30; i++) {
      await p.query('SELECT 1');
      if (p.replace(p.generation, 'connection_lost')) made += 1;
      await sleep(10);
    }
    expect(made).toBe(1);
    await p.end();
  });

  it('does not replace a generation that holds no connection (every connect failed)', async () => {
    const p = new ResilientPool({
      createInner: () => createPgPool(settings({ endpoint: DatabaseEndpoint.parse('postgresql://postgres@127.0.0.1:1/x') })),
      minRebuildIntervalMs: 0,
    });
    await expect(p.query('SELECT 1')).rejects.toThrow();
    expect(p.replace(1, 'connection_lost')).toBe(false);
    await p.end();
  });

  it('keeps a healthy connection after an SQL error outside a transaction', async () => {
    const p = pool(0, { max: 1 });
    const before = (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await expect(
      p.query("INSERT INTO store (tenant_id, store_code, name, currency) VALUES ('demo', 'S001', 'dup', 'EUR')"),
    ).rejects.toMatchObject({ code: '23505' });
    const after = (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    expect(after).toBe(before);
    await p.end();
  });

  it('survives errors on idle and checked-out connections without crashing the process', async () => {
    const p = pool(0);
    const errors: string[] = [];
    p.events.on('clientError', (e) => errors.push(e.error.message));
    await Promise.all([p.query('SELECT 1'), p.query('SELECT 1')]);
    const held = await p.connect();
    await db.terminateBackends('masterdata-pooltest');
    await sleep(200);
    held.release(true);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    await expect(p.query('SELECT 1')).resolves.toBeDefined();
    await p.end();
  });

  it('refuses connections to a read-only server when the pool is for writes', async () => {
    await db.admin(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`);
    try {
      const p = pool(0, { requireWritable: true });
      await expect(p.query('SELECT 1')).rejects.toMatchObject({ code: 'READ_ONLY_SERVER' });
      await p.end();
    } finally {
      await db.admin(`ALTER DATABASE "${db.name}" RESET default_transaction_read_only`);
    }
  });

  it('a connection handed back inside an aborted transaction is dropped, not given to the next caller', async () => {
    const p = pool(0, { max: 1 });
    const client = await p.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await client.query('BEGIN');
    await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    client.release(); // as a transaction manager might, without ROLLBACK
    const next = (await p.query<{ pid: number; one: number }>('SELECT pg_backend_pid() AS pid, 1 AS one')).rows[0];
    expect(next?.one).toBe(1);
    expect(next?.pid).not.toBe(pid);
    await p.end();
  });

  it('a retired generation cancels its statements still running, and its sockets count against the ceiling until they close', async () => {
    const p = new ResilientPool({
      createInner: () =>
        createPgPool(settings({ max: 2, queryTimeoutMs: 30_000, statementTimeoutMs: 0, applicationName: 'masterdata-retire' })),
      minRebuildIntervalMs: 0,
      retireCancelAfterMs: 300,
    });
    await p.query('SELECT 1');
    const stuck = await p.connect();
    const running = stuck.query('SELECT pg_sleep(20)').then(
      () => 'finished',
      (e: unknown) => (e as { code?: string }).code,
    );
    await sleep(100);
    expect(p.replace(p.generation, 'test')).toBe(true);
    // The old generation still holds the stuck socket: the new one may open only what is left.
    const both = await Promise.all([p.query('SELECT 1'), p.query('SELECT 1')]);
    expect(both).toHaveLength(2);
    expect(p.openSockets).toBeLessThanOrEqual(2);
    expect(await db.connectionCount('masterdata-retire')).toBeLessThanOrEqual(2);
    expect(await running).toBe('57014'); // cancelled on the server about 300 ms after retirement
    stuck.release();
    await sleep(200);
    expect(p.retiringCount).toBe(0);
    await p.end();
  });

  it('runs reads without a transaction, consistent reads in one REPEATABLE READ transaction, writes in a transaction', async () => {
    const database = createServiceDatabase(databaseSettings(db.url(), { retryMinRemainingMs: 0 }));
    const budget = () => ({ deadline: performance.now() + 5_000, signal: new AbortController().signal });
    const probe = () =>
      database.scope
        .db()
        .$queryRawUnsafe<{ iso: string; tx: string | null }[]>(
          "SELECT current_setting('transaction_isolation') AS iso, pg_current_xact_id_if_assigned()::text AS tx",
        );
    const inTransaction = () => database.scope.db().$queryRawUnsafe<{ same: boolean }[]>('SELECT now() = statement_timestamp() AS same');
    expect((await database.run('read', budget(), inTransaction))[0]?.same).toBe(true);
    expect(
      (
        await database.run('consistent-read', budget(), async () => {
          await sleep(5);
          return inTransaction();
        })
      )[0]?.same,
    ).toBe(false);
    expect((await database.run('consistent-read', budget(), probe))[0]?.iso).toBe('repeatable read');
    expect((await database.run('write', budget(), probe))[0]?.tx).not.toBeNull();
    expect(() => database.scope.db()).toThrow(/No database scope/);
    await database.close();
  });

  it('100 rebuilds in a row under queries leave open connections and memory bounded', async () => {
    const database = createServiceDatabase(databaseSettings(db.url(), { max: 4, retryMinRemainingMs: 0 }));
    const budget = () => ({ deadline: performance.now() + 5_000, signal: new AbortController().signal });
    const work = () => database.scope.db().item.findFirst({ where: { itemCode: '4011' } });
    await database.run('read', budget(), work);
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    for (let i = 0; i < 100; i++) {
      database.rebuild('read', 'test');
      await Promise.all(Array.from({ length: 4 }, () => database.run('read', budget(), work)));
      if (i % 10 === 0) peak = Math.max(peak, await db.connectionCount('masterdata-read'));
    }
    expect(database.generation('read')).toBe(101);
    await sleep(300);
    expect(database.pool('read').retiringCount).toBe(0);
    expect(await db.connectionCount('masterdata-read')).toBeLessThanOrEqual(4);
    // The ceiling counts retiring generations' sockets too: never more than max, even mid-rebuild.
    expect(peak).toBeLessThanOrEqual(4);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    await database.close();
  });
});
