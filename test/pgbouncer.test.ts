import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase } from '../src/db/serviceDatabase.ts';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { databaseSettings } from '../harness/databaseSettings.ts';
import { PgBouncer, pgbouncerAvailable } from '@pos-masterdata/failover-testkit';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { runLoad, sleep, type CallRecord } from '../harness/runLoad.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { withClient } from '../harness/TestDatabase.ts';

// The service behind a stock PgBouncer (Debian's package, transaction mode, every other setting
// its default): no startup parameter it would refuse, server-side limits that hold per
// transaction and never leak onto the next client's transaction on a shared server connection.
const available = await pgbouncerAvailable();
if (!available && process.env.CI === 'true')
  it('runs the PgBouncer tests (pgbouncer is required in CI)', () => {
    throw new Error('apt-get install pgbouncer');
  });

describe.runIf(available || process.env.CI === 'true')('behind a stock PgBouncer in transaction mode', () => {
  let pg: PostgresCluster;
  let bouncer: PgBouncer;
  const url = () => `postgresql://postgres@127.0.0.1:${bouncer.port}/postgres`;
  beforeAll(async () => {
    pg = await PostgresCluster.start();
    bouncer = await PgBouncer.start({ port: pg.port, user: 'postgres', password: '', database: 'postgres' });
    await migrateDatabase(url());
    await seedDemoData(url());
  });
  afterAll(async () => {
    await bouncer[Symbol.asyncDispose]();
    await pg[Symbol.asyncDispose]();
  });

  it('serves reads and idempotent writes under concurrent load, health SERVING, no misconfiguration reported', async () => {
    await using t = await startTestServer(url(), { LOG_LEVEL: 'info' });
    expect(t.server.health.serving).toBe(true);
    const stop = new AbortController();
    const records: CallRecord[] = [];
    const load = runLoad({ api: t.api, concurrency: 8, writeEvery: 3, deadlineMs: 3_000, signal: stop.signal, pauseMs: 2, sink: records });
    // A number of calls, not a time: on a loaded machine 1.5 s may hold few of them.
    for (let waited = 0; records.length < 150 && waited < 30_000; waited += 50) await sleep(50);
    stop.abort();
    await load;
    expect(records.length).toBeGreaterThanOrEqual(150);
    expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
    expect(t.logs.filter((l) => l.event === 'db_misconfigured')).toEqual([]);
  });

  it("cancels statements past their deadline through PgBouncer without crashing it (a cancel's client leaving first kills 1.18)", async () => {
    const db = createServiceDatabase(databaseSettings(url()));
    const slowRead = () =>
      db
        .run('read', { deadline: performance.now() + 300, signal: new AbortController().signal }, () =>
          db.scope.db().$queryRawUnsafe('SELECT pg_sleep(2)'),
        )
        .catch((e: unknown) => e);
    try {
      for (let i = 0; i < 25; i += 1) expect(await slowRead()).toBeInstanceOf(Error);
    } finally {
      await db.close();
    }
    const cancels = bouncer.log.split('\n').filter((l) => l.includes('successfully sent cancel request'));
    expect(cancels.length).toBeGreaterThanOrEqual(25);
    expect(bouncer.log).not.toMatch(/FATAL/);
    // PgBouncer still serves: every service behind it would have lost its connections.
    expect((await withClient(url(), (c) => c.query<{ one: number }>('SELECT 1 AS one'))).rows).toEqual([{ one: 1 }]);
  });

  it('sets statement_timeout and idle_in_transaction_session_timeout inside each transaction, and they end with it', async () => {
    const db = createServiceDatabase(databaseSettings(url(), { statementTimeoutMs: 1_500, queryTimeoutMs: 7_000 }));
    const budget = () => ({ deadline: performance.now() + 5_000, signal: new AbortController().signal });
    const show = () =>
      db.scope
        .db()
        .$queryRawUnsafe<{ statement: string; idle: string }[]>(
          "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
        );
    try {
      const inside = await db.run('write', budget(), show, { idempotent: true });
      expect(inside[0]).toEqual({ statement: '1500ms', idle: '14s' });
      // The server connections are shared: whatever runs next on them sees the server's defaults.
      for (let i = 0; i < 5; i++) expect((await db.run('read', budget(), show))[0]).toEqual({ statement: '0', idle: '0' });
      // And a statement past the limit inside a transaction is stopped by the server itself.
      const slow = await db
        .run('write', budget(), () => db.scope.db().$queryRawUnsafe('SELECT pg_sleep(3)'), { idempotent: true })
        .catch((e: unknown) => e);
      expect(slow).toMatchObject({ classification: { kind: 'statement_timeout' } });
    } finally {
      await db.close();
    }
    // Nothing was left open on the server.
    const open = await withClient(
      pg.url(),
      async (c) =>
        (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")).rows[0]
          ?.n,
    );
    expect(open).toBe(0);
  });
});
