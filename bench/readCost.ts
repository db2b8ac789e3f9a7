// npm run bench:read-cost — what one item read costs this process in each form Prisma offers, and
// in bare pg for comparison (the floor). Sequential queries on one connection, so the numbers are
// the client's CPU and round trip per query, not throughput. Prints, asserts nothing.
//   npm run bench:read-cost -- --queries 3000
import { parseArgs } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { ItemRepository } from '../src/items/ItemRepository.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { table } from './stats.ts';

const { values } = parseArgs({ options: { queries: { type: 'string', default: '3000' } } });
const QUERIES = Number(values.queries);
const ITEMS = 10_000;

await using db = await TestDatabase.create();
await db.query(`INSERT INTO item (tenant_id, store_code, item_code, description, short_description, unit_price, tax_code)
  SELECT 'demo', 'S001', 'T' || lpad(n::text, 5, '0'), 'Bench item ' || n, 'BENCH ' || n, 1 + (n % 500) / 100.0, 'STD' FROM generate_series(1, ${ITEMS}) AS n`);
await db.query('ANALYZE item');

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url(), max: 1 }) });
// As the service's Database builds its clients: no call site captured per query.
const minimal = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url(), max: 1 }), errorFormat: 'minimal' });
const minimalRepo = new ItemRepository({ db: () => minimal });
const pool = new pg.Pool({ connectionString: db.url(), max: 1 });
const repo = new ItemRepository({ db: () => prisma });
const key = { tenantId: 'demo', storeCode: 'S001' };
const codes = (n: number, i: number) =>
  Array.from({ length: n }, (_, k) => `T${String(1 + ((i * 37 + k * 101) % ITEMS)).padStart(5, '0')}`);
const SQL = 'SELECT * FROM item WHERE tenant_id = $1 AND store_code = $2 AND item_code = ANY($3::text[])';

const forms: [string, number, (i: number) => Promise<unknown>][] = [];
for (const n of [1, 17]) {
  if (n === 1)
    forms.push([
      'Prisma findUnique (the naive peer)',
      n,
      (i) => prisma.item.findUnique({ where: { tenantId_storeCode_itemCode: { ...key, itemCode: codes(1, i)[0] as string } } }),
    ]);
  forms.push(
    ['Prisma findMany, item_code IN (…)', n, (i) => repo.findMany(key, codes(n, i))],
    [
      'Prisma $queryRaw tagged template',
      n,
      (i) =>
        prisma.$queryRaw`SELECT * FROM item WHERE tenant_id = ${key.tenantId} AND store_code = ${key.storeCode} AND item_code = ANY(${codes(n, i)}::text[])`,
    ],
    ['Prisma $queryRawUnsafe, constant SQL (findByCodes)', n, (i) => repo.findByCodes(key, codes(n, i))],
    ["the same, errorFormat 'minimal' (this service)", n, (i) => minimalRepo.findByCodes(key, codes(n, i))],
    ['bare pg, unnamed statement (the floor)', n, (i) => pool.query(SQL, [key.tenantId, key.storeCode, codes(n, i)])],
  );
}

// Two rounds, forms interleaved: the JIT keeps warming up well past the first few hundred queries,
// and whichever form ran first would otherwise pay for it.
const measured = new Map<string, { wall: number[]; cpu: number[] }>();
try {
  for (let round = 0; round < 2; round += 1) {
    for (const [name, n, run] of forms) {
      for (let i = 0; i < 300; i += 1) await run(i);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < QUERIES; i += 1) await run(i);
      const cpu = process.cpuUsage(cpu0);
      const m = measured.get(`${name}\u0000${String(n)}`) ?? { wall: [], cpu: [] };
      m.wall.push(Math.round((1000 * (performance.now() - t0)) / QUERIES));
      m.cpu.push(Math.round((cpu.user + cpu.system) / QUERIES));
      measured.set(`${name}\u0000${String(n)}`, m);
    }
  }
} finally {
  await prisma.$disconnect();
  await minimal.$disconnect();
  await pool.end();
}
const rows = [...measured].map(([id, m]) => [...id.split('\u0000'), m.wall.join('; '), m.cpu.join('; ')]);
console.log(
  `One item read, ${QUERIES} sequential queries per form on one connection, two interleaved rounds (round 1; round 2); node ${process.version}; ${new Date().toISOString()}\n`,
);
console.log(table(['form', 'codes', 'wall µs / query', 'CPU µs / query (this process)'], rows));
