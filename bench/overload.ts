// npm run bench:overload — the service under overload and outage, with resilience on and off,
// side by side in one run. The service runs in its own process, the load in another; the
// PostgreSQL server is one of the bench's own (so it can be stopped). Prints, asserts nothing.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { sleep } from '../harness/runLoad.ts';
import { holdTableLock, withClient } from '../harness/TestDatabase.ts';
import { ConnectionSampler } from '@pos-masterdata/failover-testkit';
import type { CallResult, LoadPlan } from './overload/loadClient.ts';
import { ServiceProcess } from './overload/ServiceProcess.ts';
import { fmt, percentiles, table } from './stats.ts';

const run = promisify(execFile);
const POOL_MAX = Number(process.env.BENCH_POOL_MAX ?? 10);
const ONLY = process.env.BENCH_SCENARIOS?.split(',');
const LOG_DIR = process.env.BENCH_LOG_DIR ?? 'reports';
mkdirSync(LOG_DIR, { recursive: true });

interface Outcome {
  readonly calls: CallResult[];
  readonly extra?: string;
}

interface Scenario {
  readonly name: string;
  readonly run: (service: ServiceProcess, cluster: PostgresCluster) => Promise<Outcome>;
}

async function load(plan: LoadPlan): Promise<CallResult[]> {
  const { stdout } = await run(process.execPath, ['bench/overload/loadClient.ts', JSON.stringify(plan)], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as CallResult[];
}

const scenarios: Scenario[] = [
  {
    name: '5,000-call read burst (10 s deadlines)',
    run: async (s) => ({ calls: await load({ kind: 'burst', target: s.target, op: 'read', count: 5_000, deadlineMs: 10_000 }) }),
  },
  {
    name: '1,000-write burst (10 s deadlines)',
    run: async (s) => ({ calls: await load({ kind: 'burst', target: s.target, op: 'write', count: 1_000, deadlineMs: 10_000 }) }),
  },
  {
    name: '12 s ACCESS EXCLUSIVE lock on item, 24 readers + 2 writers (3 s deadlines)',
    run: async (s, cluster) => {
      const calls = load({ kind: 'steady', target: s.target, readers: 24, writers: 2, deadlineMs: 3_000, durationMs: 18_000, pauseMs: 5 });
      await sleep(2_000);
      await holdTableLock(cluster.url(), 'item', 12_000);
      return { calls: await calls };
    },
  },
  {
    name: 'database stopped for 30 s under load, 8 readers + 2 writers (3 s deadlines)',
    run: async (s, cluster) => {
      const t0 = performance.now();
      const calls = load({ kind: 'steady', target: s.target, readers: 8, writers: 2, deadlineMs: 3_000, durationMs: 42_000, pauseMs: 5 });
      await sleep(4_000);
      const stoppedAt = performance.now() - t0;
      await cluster.stop('fast');
      await sleep(30_000);
      await cluster.start();
      const backAt = performance.now() - t0;
      const done = await calls;
      const down = done.filter((c) => c.start > stoppedAt + 3_500 && c.start + c.ms < backAt && c.code !== 'OK');
      const ok = (from: number, to: number) => done.filter((c) => c.code === 'OK' && c.start >= from && c.start < to).length;
      const firstOk = done
        .filter((c) => c.code === 'OK' && c.start + c.ms > backAt)
        .map((c) => c.start + c.ms - backAt)
        .sort((a, b) => a - b)[0];
      return {
        calls: done,
        extra: `OK before the stop ${ok(0, stoppedAt)}, after the return ${ok(backAt, Number.POSITIVE_INFINITY)}; while down: ${down.length} failed calls, p50 ${fmt(percentiles(down.map((c) => c.ms)).p50)} ms; first OK ${firstOk === undefined ? 'never' : `${Math.round(firstOk)} ms`} after the database was back`,
      };
    },
  },
  {
    name: '20,000 half-open streams on 4 connections',
    run: async (s) => {
      const before = s.rssMb();
      const watch = run(process.execPath, [
        'bench/overload/halfOpenStreams.ts',
        JSON.stringify({ target: s.target, streams: 20_000, connections: 4, holdMs: 13_000 }),
      ]);
      let peak = before;
      const timer = setInterval(() => {
        peak = Math.max(peak, s.rssMb());
      }, 200);
      const { stdout } = await watch;
      clearInterval(timer);
      const r = JSON.parse(stdout) as { outcome: Record<string, number>; stillOpen: number; medianAnswerMs: number | null };
      const answered = Object.entries(r.outcome)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      return {
        calls: [],
        extra: `answered: ${answered || 'none'}; still open after 13 s: ${r.stillOpen}; RSS +${(peak - before).toFixed(1)} MB`,
      };
    },
  },
];

const cluster = await PostgresCluster.start();
try {
  await migrateDatabase(cluster.url());
  await seedDemoData(cluster.url());
  const { stdout: cores } = await run('nproc');
  console.log(
    `Service logs: ${LOG_DIR}/overload-*.log. Overload bench: service in its own process (DB_POOL_MAX=${POOL_MAX}, two pools, ceiling ${2 * POOL_MAX}), load from another process, PostgreSQL 15 of the bench's own; ${cores.trim()} cores; node ${process.version}; ${new Date().toISOString()}\n`,
  );
  {
    // Warm the server's caches first, so the column measured first is not the one that pays for them.
    await using warm = await ServiceProcess.start({ DATABASE_URL: cluster.url(), DB_RESILIENCE: 'off', ITEM_CACHE: 'off' });
    await load({ kind: 'steady', target: warm.target, readers: 8, writers: 2, deadlineMs: 3_000, durationMs: 3_000, pauseMs: 1 });
  }
  for (const scenario of scenarios.filter((_, i) => !ONLY || ONLY.includes(String(i + 1)))) {
    const rows: (string | number)[][] = [];
    const extras: string[] = [];
    // Alternating which column runs first keeps order effects (warmer caches, CPU state) out of the comparison.
    const order = scenarios.indexOf(scenario) % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const resilience of order) {
      // Each run starts from a settled server: no autovacuum or dirty buffers left by the last one.
      await withClient(cluster.url(), async (c) => {
        await c.query('VACUUM ANALYZE');
        await c.query('CHECKPOINT');
      });
      await sleep(1_000);
      // Every service's warnings and errors are kept, so any INTERNAL in a table can be traced.
      const logFile = `${LOG_DIR}/overload-${scenarios.indexOf(scenario) + 1}-${resilience}.log`;
      // The item cache is off: this bench measures the data layer (bench:cache-outage runs it with the cache).
      await using service = await ServiceProcess.start(
        { DATABASE_URL: cluster.url(), DB_RESILIENCE: resilience, DB_POOL_MAX: String(POOL_MAX), ITEM_CACHE: 'off' },
        logFile,
      );
      await using sampler = new ConnectionSampler(cluster.url(), 'masterdata');
      const outcome = await scenario.run(service, cluster);
      await sleep(300);
      const byStatus: Record<string, number> = {};
      for (const c of outcome.calls) byStatus[c.code] = (byStatus[c.code] ?? 0) + 1;
      const { p50, p99 } = percentiles(outcome.calls.map((c) => c.ms));
      const errors = Object.entries(byStatus)
        .filter(([k]) => k !== 'OK')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      rows[resilience === 'on' ? 0 : 1] = [
        resilience,
        outcome.calls.length,
        byStatus.OK ?? 0,
        errors || 'none',
        outcome.calls.length ? `${fmt(p50)} / ${fmt(p99)}` : '-',
        `${sampler.peakApplication} (r ${sampler.peak['masterdata-read'] ?? 0}, w ${sampler.peak['masterdata-write'] ?? 0})`,
        await service.counter('masterdata_db_pool_rebuilds_total'),
        await service.counter('masterdata_db_retries_total'),
        await service.counter('masterdata_db_breaker_openings_total'),
      ];
      if (outcome.extra) extras[resilience === 'on' ? 0 : 1] = `resilience ${resilience}: ${outcome.extra}`;
    }
    console.log(`### ${scenario.name}\n`);
    console.log(
      table(
        [
          'resilience',
          'calls',
          'OK',
          'errors by status',
          'p50 / p99 ms',
          'peak app connections',
          'rebuilds',
          'retries',
          'breaker openings',
        ],
        rows,
      ),
    );
    if (extras.length) console.log(`\n${extras.filter(Boolean).join('\n')}`);
    console.log('');
  }
} finally {
  await cluster[Symbol.asyncDispose]();
}
