// npm run bench:throughput — item lookups at the machine's limit. Prints numbers, asserts nothing.
// Every server runs in a process of its own and every load comes from another process: the
// Node load client (bench/throughput/loadClient.ts: 10,000 seeded items, uniform or Zipf codes)
// and h2load (one fixed item, for comparison with the transport's limit). Rows: bare grpc-js, the
// naive peer (grpc-js + one global PrismaClient), this service with DB_RESILIENCE=off, with the
// item cache off, with its defaults (cache on), and a 20-code batch; every server first reads every
// item once; two interleaved rounds, the second in reverse order.
//   npm run bench:throughput -- --seconds 5 --rounds 2
// With --single, only the 1 × 1 column, for more rounds of it in the same time:
//   npm run bench:throughput -- --single --seconds 3 --rounds 6
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { GetItemDetailRequest } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { ServiceProcess } from './overload/ServiceProcess.ts';
import { fmt, table } from './stats.ts';
import type { ThroughputPlan, ThroughputResult } from './throughput/loadClient.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    single: { type: 'boolean', default: false },
  },
});
const durationMs = Number(values.seconds) * 1000;
const ITEMS = 10_000;

interface Row {
  readonly name: string;
  readonly target: string;
  readonly batch: number;
  readonly h2load: boolean;
}

/** bench/throughput/*Server.ts in a process group of its own; resolves with its address. */
async function serverProcess(script: string, env: Record<string, string>): Promise<{ target: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const target = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+) /.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`${script} exited with ${String(c)}`)));
  });
  return { target, proc };
}

async function load(plan: ThroughputPlan): Promise<ThroughputResult> {
  const { stdout } = await run(process.execPath, ['bench/throughput/loadClient.ts', JSON.stringify(plan)], {
    maxBuffer: 1 << 20,
    timeout: plan.warmupMs + plan.durationMs + 60_000,
  });
  return JSON.parse(stdout) as ThroughputResult;
}

/** h2load is optional (Debian's nghttp2-client): without it the column says so instead of failing the run. */
const hasH2load = await run('h2load', ['--version']).then(
  () => true,
  () => false,
);
if (!hasH2load) console.error('h2load not found (apt-get install nghttp2-client): its column is left empty');

async function h2load(target: string, body: string): Promise<number> {
  if (!hasH2load) return Number.NaN;
  const { stdout } = await run(
    'h2load',
    [
      '-c',
      '4',
      '-m',
      '16',
      '-D',
      String(durationMs / 1000),
      '--warm-up-time=1',
      '-d',
      body,
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
      `http://${target}/masterdata.v1.ItemService/GetItemDetail`,
    ],
    { timeout: durationMs + 60_000 },
  );
  return Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? Number.NaN);
}

await using db = await TestDatabase.create();
await db.query(`INSERT INTO item (tenant_id, store_code, item_code, barcode, description, short_description, unit_price, tax_code, category_code)
  SELECT 'demo', 'S001', 'T' || lpad(n::text, 5, '0'), lpad(n::text, 13, '4'), 'Bench item ' || n, 'BENCH ' || n, 1 + (n % 500) / 100.0, 'STD', 'bench'
  FROM generate_series(1, ${ITEMS}) AS n`);
await db.query('ANALYZE item');

const dir = mkdtempSync(join(tmpdir(), 'throughput-'));
const message = Buffer.from(GetItemDetailRequest.encode({ tenantId: 'demo', storeCode: 'S001', itemCode: 'T00001' }).finish());
const frame = Buffer.alloc(5 + message.length);
frame.writeUInt32BE(message.length, 1);
message.copy(frame, 5);
const body = join(dir, 'get-item.grpc');
writeFileSync(body, frame);

const serviceEnv = { DATABASE_URL: db.url(), LOG_LEVEL: 'warn', METRICS_PORT: '0', PAGE_TOKEN_SECRET: 'bench-secret-0123456789' };
const bare = await serverProcess('bench/throughput/bareServer.ts', {});
const naive = await serverProcess('bench/throughput/naiveServer.ts', { DATABASE_URL: db.url() });
await using off = await ServiceProcess.start({ ...serviceEnv, DB_RESILIENCE: 'off', ITEM_CACHE: 'off' });
await using uncached = await ServiceProcess.start({ ...serviceEnv, ITEM_CACHE: 'off' });
await using cached = await ServiceProcess.start(serviceEnv);
const rows: Row[] = [
  { name: "bare grpc-js, a fixed ItemDetail (the transport's limit)", target: bare.target, batch: 0, h2load: true },
  { name: 'naive peer: grpc-js + one global PrismaClient', target: naive.target, batch: 0, h2load: true },
  { name: 'this service, DB_RESILIENCE=off ITEM_CACHE=off', target: off.target, batch: 0, h2load: true },
  { name: 'this service, ITEM_CACHE=off', target: uncached.target, batch: 0, h2load: true },
  { name: 'this service, defaults (item cache on)', target: cached.target, batch: 0, h2load: true },
  { name: 'this service, defaults: BatchGetItemDetails of 20 codes (calls/s)', target: cached.target, batch: 20, h2load: false },
];

const results = new Map<Row, { uniform: ThroughputResult[]; zipf: ThroughputResult[]; single: ThroughputResult[]; h2: number[] }>();
for (const row of rows) results.set(row, { uniform: [], zipf: [], single: [], h2: [] });
const base = { warmupMs: 1_000, durationMs, items: ITEMS };
try {
  // Every server reads every item once before the first round: the cache row measures a warm
  // cache (a till's steady state), and the database rows a warm buffer cache.
  for (const row of rows)
    await load({
      ...base,
      warmupMs: 0,
      durationMs: 0,
      target: row.target,
      connections: 1,
      streams: 1,
      codes: 'uniform',
      batch: 0,
      prime: true,
    });
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
      const r = results.get(row);
      if (!r) continue;
      console.error(`round ${round + 1}: ${row.name}`);
      if (!values.single) {
        r.uniform.push(await load({ ...base, target: row.target, connections: 4, streams: 16, codes: 'uniform', batch: row.batch }));
        r.zipf.push(await load({ ...base, target: row.target, connections: 4, streams: 16, codes: 'zipf', batch: row.batch }));
      }
      r.single.push(await load({ ...base, target: row.target, connections: 1, streams: 1, codes: 'uniform', batch: row.batch }));
      if (row.h2load && !values.single) r.h2.push(await h2load(row.target, body));
    }
  }
} finally {
  for (const p of [bare.proc, naive.proc]) if (p.pid !== undefined) process.kill(-p.pid, 'SIGTERM');
}

const each = (xs: ThroughputResult[], f: (x: ThroughputResult) => string) => xs.map(f).join('; ');
const perSecond = (x: ThroughputResult) => `${Math.round(x.perSecond)}${x.errors > 0 ? ` (${x.errors} errors)` : ''}`;
const text = table(
  [
    'server',
    '4×16 uniform, req/s',
    '4×16 Zipf, req/s',
    '4×16 uniform p50 / p99 (ms)',
    '1×1 p50 / p99 (ms)',
    'h2load 4×16, one item, req/s',
  ],
  rows.map((row) => {
    const r = results.get(row);
    if (!r) return [row.name];
    return [
      row.name,
      each(r.uniform, perSecond),
      each(r.zipf, perSecond),
      each(r.uniform, (x) => `${fmt(x.p50)} / ${fmt(x.p99)}`),
      each(r.single, (x) => `${fmt(x.p50)} / ${fmt(x.p99)}`),
      row.h2load ? r.h2.map((x) => String(Math.round(x))).join('; ') : '–',
    ];
  }),
);
console.log(
  `Item lookups, ${values.rounds} interleaved rounds of ${values.seconds} s per cell (one number per round, in order); ${ITEMS} seeded items; ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}); node ${process.version}; ${new Date().toISOString()}\n`,
);
console.log(text);
