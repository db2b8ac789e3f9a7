// npm run bench:throughput — item lookups at the machine's limit. Prints numbers, asserts nothing.
// Every server runs in a process of its own and every load comes from another process: the
// Node load client (bench/throughput/loadClient.ts: the first N of 10,000 seeded items, uniform or
// Zipf codes) and h2load (one fixed item, for comparison with the transport's limit). Rows: bare
// grpc-js (a static encoder), the naive peer (grpc-js + one global PrismaClient), this service
// with DB_RESILIENCE=off, with the item cache off, with its defaults (cache on); every server
// first reads every item once; interleaved rounds, every other one in reverse order. A matrix of
// callers (connections × streams), items and load generators, each a flag:
//   npm run bench:throughput -- --callers 2x16,4x16 --items 2000,10000 --generators node,h2load --seconds 3 --rounds 2
// With --single, only the 1 × 1 column (p50/p99), for more rounds of it in the same time:
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
    callers: { type: 'string', default: '2x16,4x16' },
    items: { type: 'string', default: '2000,10000' },
    generators: { type: 'string', default: 'node,h2load' },
    codes: { type: 'string', default: 'uniform' },
  },
});
const durationMs = Number(values.seconds) * 1000;
const CALLERS = values.callers.split(',').map((c) => {
  const [connections = 4, streams = 16] = c.split('x').map(Number);
  return { connections, streams };
});
const ITEM_COUNTS = values.items.split(',').map(Number);
const GENERATORS = new Set(values.generators.split(','));
const CODES = values.codes === 'zipf' ? 'zipf' : 'uniform';
const ITEMS = Math.max(10_000, ...ITEM_COUNTS);

interface Row {
  readonly name: string;
  readonly target: string;
  readonly batch: number;
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

async function h2load(target: string, body: string, connections: number, streams: number): Promise<number> {
  if (!hasH2load) return Number.NaN;
  const { stdout } = await run(
    'h2load',
    [
      '-c',
      String(connections),
      '-m',
      String(streams),
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
  { name: "bare grpc-js, a fixed ItemDetail, static encoder (the transport's limit)", target: bare.target, batch: 0 },
  { name: 'naive peer: grpc-js + one global PrismaClient', target: naive.target, batch: 0 },
  { name: 'this service, DB_RESILIENCE=off ITEM_CACHE=off', target: off.target, batch: 0 },
  { name: 'this service, ITEM_CACHE=off', target: uncached.target, batch: 0 },
  { name: 'this service, defaults (item cache on)', target: cached.target, batch: 0 },
];

/** One column of the matrix: a load generator, callers, and (for the Node client) how many items. */
interface Cell {
  readonly label: string;
  readonly generator: 'node' | 'h2load';
  readonly connections: number;
  readonly streams: number;
  readonly items: number;
}
const cells: Cell[] = values.single
  ? [{ label: '1×1', generator: 'node', connections: 1, streams: 1, items: ITEMS }]
  : CALLERS.flatMap(({ connections, streams }) => [
      ...(GENERATORS.has('node')
        ? ITEM_COUNTS.map((items) => ({
            label: `node ${connections}×${streams}, ${items} items`,
            generator: 'node' as const,
            connections,
            streams,
            items,
          }))
        : []),
      ...(GENERATORS.has('h2load')
        ? [{ label: `h2load ${connections}×${streams}, one item`, generator: 'h2load' as const, connections, streams, items: 1 }]
        : []),
    ]);

const results = new Map<Row, Map<Cell, ThroughputResult[]>>();
for (const row of rows) results.set(row, new Map(cells.map((cell) => [cell, []])));
const base = { warmupMs: 1_000, durationMs };
try {
  // Every server reads every item once before the first round: the cache row measures a warm
  // cache (a till's steady state), and the database rows a warm buffer cache.
  for (const row of rows)
    await load({
      ...base,
      warmupMs: 0,
      durationMs: 0,
      items: ITEMS,
      target: row.target,
      connections: 1,
      streams: 1,
      codes: 'uniform',
      batch: 0,
      prime: true,
    });
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
      console.error(`round ${round + 1}: ${row.name}`);
      for (const cell of cells) {
        const { connections, streams, items } = cell;
        const result =
          cell.generator === 'h2load'
            ? { calls: 0, perSecond: await h2load(row.target, body, connections, streams), p50: Number.NaN, p99: Number.NaN, errors: 0 }
            : await load({ ...base, target: row.target, connections, streams, codes: CODES, batch: row.batch, items });
        results.get(row)?.get(cell)?.push(result);
      }
    }
  }
} finally {
  for (const p of [bare.proc, naive.proc]) if (p.pid !== undefined) process.kill(-p.pid, 'SIGTERM');
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  // An even count: the mean of the middle two (two rounds: their mean, not the better one).
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
    : (sorted[Math.floor(mid)] ?? Number.NaN);
};
const perSecond = (x: ThroughputResult) => `${Math.round(x.perSecond)}${x.errors > 0 ? ` (${x.errors} errors)` : ''}`;
const of = (row: Row | undefined, cell: Cell) => (row ? (results.get(row)?.get(cell) ?? []) : []);
const text = table(
  ['server', ...cells.map((c) => (values.single ? '1×1 p50 / p99 (ms)' : `${c.label}, req/s`))],
  rows.map((row) => [
    row.name,
    ...cells.map((cell) =>
      of(row, cell)
        .map((x) => (values.single ? `${fmt(x.p50)} / ${fmt(x.p99)}` : perSecond(x)))
        .join('; '),
    ),
  ]),
);
console.log(
  `Item lookups (${CODES} codes), ${values.rounds} interleaved rounds of ${values.seconds} s per cell (one number per round, in order); ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}); node ${process.version}; ${new Date().toISOString()}\n`,
);
console.log(text);
if (!values.single) {
  // The goals, per cell, from the medians of the rounds: cache on against the transport's limit,
  // cache off against what a user writes without this layer.
  const [bareRow, naiveRow, , uncachedRow, cachedRow] = rows;
  const ratio = (a: Row | undefined, b: Row | undefined, cell: Cell) =>
    median(of(a, cell).map((x) => x.perSecond)) / median(of(b, cell).map((x) => x.perSecond));
  console.log('');
  console.log(
    table(
      ['ratio (medians)', ...cells.map((c) => c.label)],
      [
        ['cache on / bare grpc-js (goal ≥ 60 %)', ...cells.map((c) => `${Math.round(ratio(cachedRow, bareRow, c) * 100)} %`)],
        [
          'cache off / naive peer (goal ≥ 2× at 4×16, ≥ 1.5× at 2×16)',
          ...cells.map((c) => `${ratio(uncachedRow, naiveRow, c).toFixed(2)}×`),
        ],
      ],
    ),
  );
}
