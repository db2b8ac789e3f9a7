import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createServiceDatabase } from '../src/db/serviceDatabase.ts';
import { ItemRepository } from '../src/items/ItemRepository.ts';
import { databaseSettings } from '../harness/databaseSettings.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';

// A Prisma query is a lazy thenable: it runs when then() is called. Work that returns it without
// awaiting (`() => repo.find(…)`) must still run inside the call's scope, or the pool never sees
// the call's deadline and a stuck statement holds the call for the static query timeout.
describe('the call scope', () => {
  it('gives work that returns a Prisma query unawaited the deadline-derived query timeout', async () => {
    await using db = await TestDatabase.create();
    const database = createServiceDatabase(databaseSettings(db.url(), { queryTimeoutMs: 5_000, statementTimeoutMs: 0 }));
    const items = new ItemRepository(database.scope);
    const locker = new pg.Client({ connectionString: db.url() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE item IN ACCESS EXCLUSIVE MODE');
      const works: (() => Promise<unknown>)[] = [
        () => items.find({ tenantId: 'demo', storeCode: 'S001' }, '4011'),
        () => items.findMany({ tenantId: 'demo', storeCode: 'S001' }, ['4011', '1001']),
      ];
      for (const work of works) {
        const t0 = performance.now();
        const outcome = await database
          .run('read', { deadline: performance.now() + 1_000, signal: new AbortController().signal }, work)
          .catch((e: unknown) => e);
        // Half the deadline, a cancel, the retry with the rest: about 1 s, never the 5 s static timeout.
        expect(performance.now() - t0).toBeLessThan(2_000);
        expect(outcome).toMatchObject({ classification: { kind: 'timeout' } });
      }
    } finally {
      await locker.end();
      await database.close();
    }
  });
});
