// npm run bench:cache-outage — the database stopped for 30 s under steady GetItemDetail load:
// the service with the item cache (stale-if-error) and without it, side by side. Service and
// load in processes of their own; PostgreSQL 15 of the bench's own. Prints, asserts nothing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { sleep } from '../harness/runLoad.ts';
import type { CallResult, LoadPlan } from './overload/loadClient.ts';
import { ServiceProcess } from './overload/ServiceProcess.ts';
import { fmt, percentiles, table } from './stats.ts';

const run = promisify(execFile);
const DOWN_MS = Number(process.env.DOWN_MS ?? 30_000);

await using cluster = await PostgresCluster.start();
await migrateDatabase(cluster.url());
await seedDemoData(cluster.url());
const rows: (string | number)[][] = [];
for (const cache of ['on', 'off'] as const) {
  await using service = await ServiceProcess.start({ DATABASE_URL: cluster.url(), ITEM_CACHE: cache, DB_POOL_MAX: '4' });
  const plan: LoadPlan = {
    kind: 'steady',
    target: service.target,
    readers: 8,
    writers: 0,
    deadlineMs: 3_000,
    durationMs: DOWN_MS + 8_000,
    pauseMs: 5,
  };
  const t0 = performance.now();
  const load = run(process.execPath, ['bench/overload/loadClient.ts', JSON.stringify(plan)], { maxBuffer: 256 * 1024 * 1024 });
  await sleep(4_000);
  const stoppedAt = performance.now() - t0;
  await cluster.stop('fast');
  await sleep(DOWN_MS);
  await cluster.start();
  const backAt = performance.now() - t0;
  const calls = JSON.parse((await load).stdout) as CallResult[];
  const down = calls.filter((c) => c.start >= stoppedAt && c.start < backAt);
  const failed = down.filter((c) => c.code !== 'OK');
  const { p50, p99 } = percentiles(down.map((c) => c.ms));
  rows.push([
    `cache ${cache}`,
    calls.length,
    down.length,
    failed.length,
    Object.entries(Object.groupBy(failed, (c) => c.code))
      .map(([k, v]) => `${k} ${v?.length ?? 0}`)
      .join(', ') || 'none',
    `${fmt(p50)} / ${fmt(p99)}`,
    await service.counter('masterdata_item_cache_stale_answers_total'),
  ]);
}
console.log(
  `Database stopped for ${DOWN_MS / 1000} s under 8 readers of the 8 demo items (3 s deadlines), read before the stop; node ${process.version}; ${new Date().toISOString()}\n`,
);
console.log(
  table(['service', 'calls', 'calls while down', 'failed while down', 'failures', 'p50 / p99 while down (ms)', 'stale answers'], rows),
);
