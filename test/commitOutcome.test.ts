import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, type ServiceDatabase } from '../src/db/serviceDatabase.ts';
import type { DatabaseEvents } from '@pos-masterdata/resilient-prisma';
import { DbFailure } from '@pos-masterdata/resilient-prisma';
import { PgBouncer, pgbouncerAvailable } from '@pos-masterdata/failover-testkit';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { TcpProxy } from '@pos-masterdata/failover-testkit';
import { databaseSettings } from '../harness/databaseSettings.ts';
import { withClient } from '../harness/TestDatabase.ts';

// The pg_xact_status path, for writes that have no idempotency key of their own: straight to
// PostgreSQL, and through a stock PgBouncer in transaction mode (server connections shared).
const bouncer = await pgbouncerAvailable();
const topologies = bouncer || process.env.CI === 'true' ? (['direct', 'PgBouncer'] as const) : (['direct'] as const);

describe.each(topologies)('%s', (topology) => {
  let pg: PostgresCluster;
  let proxy: TcpProxy;
  let pooler: PgBouncer | undefined;
  beforeAll(async () => {
    pg = await PostgresCluster.start();
    await withClient(pg.url(), (c) => c.query('CREATE TABLE ledger (id text PRIMARY KEY)'));
    if (topology === 'PgBouncer') pooler = await PgBouncer.start({ port: pg.port, user: 'postgres', password: '', database: 'postgres' });
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: pooler?.port ?? pg.port });
  });
  afterAll(async () => {
    await proxy[Symbol.asyncDispose]();
    await pooler?.[Symbol.asyncDispose]();
    await pg[Symbol.asyncDispose]();
  });

  function database(): ServiceDatabase {
    return createServiceDatabase(databaseSettings(`postgresql://postgres@127.0.0.1:${proxy.port}/postgres`));
  }

  async function insertOnce(db: ServiceDatabase, id: string): Promise<{ result: unknown; outcomes: DatabaseEvents['commitOutcome'][0][] }> {
    const outcomes: DatabaseEvents['commitOutcome'][0][] = [];
    db.events.on('commitOutcome', (e) => outcomes.push(e));
    const budget = { deadline: performance.now() + 5_000, signal: new AbortController().signal };
    const result = await db
      .run('write', budget, async () => {
        await db.scope.db().$executeRawUnsafe('INSERT INTO ledger (id) VALUES ($1)', id);
        return id;
      })
      .catch((e: unknown) => e);
    return { result, outcomes };
  }

  const rows = async (id: string) => (await withClient(pg.url(), (c) => c.query('SELECT 1 FROM ledger WHERE id = $1', [id]))).rowCount;

  describe('a non-idempotent write whose connection is lost at COMMIT', () => {
    it('that landed is reported committed, from the server that ran it, and not run again', async () => {
      const db = database();
      proxy.trapNextCommit('after-commit');
      const { result, outcomes } = await insertOnce(db, 'after');
      expect(outcomes).toEqual([{ outcome: 'committed' }]);
      expect(result).toBe('after');
      expect(await rows('after')).toBe(1);
      await db.close();
    });

    it('that did not land is reported aborted and retried once', async () => {
      const db = database();
      proxy.trapNextCommit('before-commit');
      const { result, outcomes } = await insertOnce(db, 'before');
      expect(outcomes).toEqual([{ outcome: 'aborted' }]);
      expect(result).toBe('before');
      expect(await rows('before')).toBe(1);
      await db.close();
    });

    // Direct only: the restart is timed to land between COMMIT and its answer, which the pooler's extra hop moves.
    it.runIf(topology === 'direct')(
      'is reported unknown (never guessed) when another server instance answers, e.g. after a failover or restart',
      async () => {
        const db = database();
        // The restart starts when the COMMIT is caught: a timer started here raced the insert and,
        // on a loaded machine, cut the connection before COMMIT (no outcome to resolve at all).
        const restarted = new Promise<void>((resolve) => proxy.trapNextCommit('after-commit', () => void pg.restart('fast').then(resolve)));
        const { result, outcomes } = await insertOnce(db, 'other-server');
        await restarted;
        expect(outcomes).toEqual([{ outcome: 'unknown' }]);
        expect(result).toBeInstanceOf(DbFailure);
        expect(result).toMatchObject({ commitOutcomeUnknown: true, retryable: false });
        await db.close();
      },
    );
  });
});
