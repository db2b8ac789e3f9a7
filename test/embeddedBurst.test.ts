import { spawn } from 'node:child_process';
import { credentials, status as Status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { itemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { loadConfig } from '../src/config/config.ts';
import { createServiceDatabase } from '../src/db/serviceDatabase.ts';
import { embeddedDatabaseConfig, startEmbeddedDatabase } from '../src/ops/startEmbeddedDatabase.ts';
import { databaseSettings } from '../harness/databaseSettings.ts';
import { ItemServiceClient } from '../src/generated/proto/masterdata/v1/item_service.ts';

// What `npm start` runs with no DATABASE_URL: PGlite in the service's own process, one query at a
// time, cancel requests not honoured. A burst far above its pool, from another process, with a
// third process spinning on the other core, is busy: it must never be read as a dead connection
// (no rebuild, no INTERNAL, the cache kept).
describe('a burst on the embedded database (npm start with no DATABASE_URL)', () => {
  it('2 × 300 concurrent ListItems with 0.5 s deadlines while another process loads the CPU: no rebuild, no INTERNAL, the cache stays fresh', async () => {
    const env: Record<string, string | undefined> = { ...process.env, GRPC_PORT: '0', METRICS_PORT: 'off', LOG_LEVEL: 'debug' };
    delete env.DATABASE_URL;
    const service = spawn(process.execPath, ['src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: Record<string, unknown>[] = [];
    let pending = '';
    const address = new Promise<string>((resolve, reject) => {
      service.stdout.on('data', (d: Buffer) => {
        const lines = (pending + d.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.startsWith('{'))) {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.event === 'listening') resolve(String(entry.address));
        }
      });
      service.once('exit', (code) => reject(new Error(`the service exited (${String(code)})`)));
    });
    const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 30_000; while (Date.now() < end);'], { stdio: 'ignore' });
    const client = new ItemServiceClient(await address, credentials.createInsecure());
    try {
      const api = itemServiceApi(client);
      await api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }, { timeoutMs: 5_000 }); // cached now
      const codes: Status[] = [];
      const details = new Set<string>();
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all(
          Array.from({ length: 300 }, () =>
            api.listItems({ tenantId: 'demo', storeCode: 'S001', pageSize: 20, pageToken: '' }, { timeoutMs: 500 }).then(
              () => Status.OK,
              (e: unknown) => {
                if ((e as ServiceError).code === Status.INTERNAL) details.add((e as ServiceError).details);
                return (e as ServiceError).code;
              },
            ),
          ),
        );
        codes.push(...results);
      }
      const count = (code: Status) => codes.filter((c) => c === code).length;
      console.log(
        `embedded burst: ${codes.length} calls, OK ${count(Status.OK)}, DEADLINE_EXCEEDED ${count(Status.DEADLINE_EXCEEDED)}, ` +
          `RESOURCE_EXHAUSTED ${count(Status.RESOURCE_EXHAUSTED)}, UNAVAILABLE ${count(Status.UNAVAILABLE)}, INTERNAL ${count(Status.INTERNAL)} ${[...details].join('; ')}`,
      );
      // Busy answers only: come back later, never "broken".
      expect(
        codes.filter((c) => ![Status.OK, Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED, Status.UNAVAILABLE].includes(c)),
      ).toEqual([]);
      expect(logs.filter((l) => l.event === 'pool_rebuild')).toEqual([]);
      expect(logs.filter((l) => l.event === 'db_error' && l.kind === 'connection_lost')).toEqual([]);
      // The cache was never flushed or paused: the item read before the burst is a hit.
      expect(logs.filter((l) => l.event === 'item_cache' && l.state !== 'listening')).toEqual([]);
      expect((await api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }, { timeoutMs: 5_000 })).itemCode).toBe(
        '4011',
      );
    } finally {
      client.close();
      burner.kill('SIGKILL');
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
  }, 120_000);

  // The embedded server does not stop a statement on a cancel request: the 2 s pg_sleep below,
  // past its 150 ms timeout and cancelled, is answered when it ends (printed). That late answer
  // must read as busy (a timeout), never as a dead connection and a new pool.
  it('a statement past its timeout on the embedded server, with the embedded settings: a timeout, no lost connection, no rebuild', async () => {
    const embedded = await startEmbeddedDatabase();
    const { DB_CANCEL_GRACE_MS, DB_POOL_MAX } = embeddedDatabaseConfig(loadConfig({}));
    const db = createServiceDatabase(
      databaseSettings(embedded.url, { max: DB_POOL_MAX, cancelGraceMs: DB_CANCEL_GRACE_MS, minRebuildIntervalMs: 0 }),
    );
    const events: string[] = [];
    db.events.on('dbError', (e) => events.push(`error:${e.kind}`));
    db.events.on('rebuild', () => events.push('rebuild'));
    try {
      const budget = { deadline: performance.now() + 300, signal: new AbortController().signal };
      const t0 = performance.now();
      await expect(db.run('read', budget, () => db.scope.db().$queryRawUnsafe('SELECT pg_sleep(2)'))).rejects.toThrow();
      console.log(`a 2 s statement cancelled after ~150 ms answered after ${Math.round(performance.now() - t0)} ms`);
      expect(events).toEqual(['error:timeout']);
    } finally {
      await db.close();
      await embedded.close();
    }
  }, 60_000);
});
