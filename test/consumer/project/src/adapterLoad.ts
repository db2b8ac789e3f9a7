// The adapter alone under load: 8 callers (60 % reads, 40 % single-statement writes) for 8 s
// with `max` 6, every backend of the pool terminated at 2 s and again at 5 s, and
// pg_stat_activity sampled every 100 ms from another connection. Prints JSON: calls by outcome,
// the acknowledged writes, the most connections seen. `plain`: @prisma/adapter-pg as it comes.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { resilientPg } from '@pos-masterdata/resilient-prisma';
import { PrismaClient } from './generated/prisma/client.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const plain = process.argv[2] === 'plain';
const MAX = 6;
const name = plain ? 'loyalty-plain' : 'loyalty';
const resilient = plain ? undefined : resilientPg({ endpoint: url, applicationName: name, max: MAX });
const prisma = new PrismaClient({
  adapter: resilient ?? new PrismaPg({ connectionString: url, application_name: `${name}-write`, max: MAX }),
});
const admin = new pg.Client({ connectionString: url, application_name: 'consumer-test-admin' });
await admin.connect();

const calls = { reads: { ok: 0, failed: 0 }, writes: { ok: 0, failed: 0 } };
const acknowledged: string[] = [];
const errors: string[] = [];
let maxConnections = 0;
const started = performance.now();
const running = () => performance.now() - started < 8_000;

async function caller(): Promise<void> {
  while (running()) {
    const write = Math.random() < 0.4;
    const id = randomUUID();
    try {
      if (write) {
        await prisma.order.create({ data: { id, requestId: id, customer: 'loyalty' } });
        acknowledged.push(id);
      } else {
        await prisma.order.findFirst({ where: { customer: 'loyalty' } });
      }
      calls[write ? 'writes' : 'reads'].ok += 1;
    } catch (error) {
      calls[write ? 'writes' : 'reads'].failed += 1;
      if (errors.length < 20) errors.push(error instanceof Error ? error.message.slice(0, 160) : String(error));
    }
  }
}

async function sample(): Promise<void> {
  while (running()) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
      `${name}-write`,
    ]);
    maxConnections = Math.max(maxConnections, rows[0]?.n ?? 0);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function terminate(atMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, atMs - (performance.now() - started)));
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [`${name}-write`],
  );
  return rows[0]?.n ?? 0;
}

const [, , terminated] = await Promise.all([
  Promise.all(Array.from({ length: 8 }, () => caller())),
  sample(),
  Promise.all([terminate(2_000), terminate(5_000)]),
]);
console.log(JSON.stringify({ calls, acknowledged, maxConnections, max: MAX, terminated, errors }));
await prisma.$disconnect();
await resilient?.close();
await admin.end();
