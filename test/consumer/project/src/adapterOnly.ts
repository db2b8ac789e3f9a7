// The one-line change: `new PrismaClient({ adapter: resilientPg({ endpoint }) })`, no call scope.
// `node dist/adapterOnly.js [plain]`: terminates its own backends twice (as an operator or a
// failover would) and counts how the calls right after each termination fare; prints JSON.
// `plain`: the same with @prisma/adapter-pg as a user has it without us, for comparison.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { attachLogger, resilientPg } from '@pos-masterdata/resilient-prisma';
import { PrismaClient } from './generated/prisma/client.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const plain = process.argv[2] === 'plain';
const resilient = plain ? undefined : resilientPg({ endpoint: url, applicationName: 'orders-adapter', max: 4 });
const line = (fields: object, message: string) => console.error(JSON.stringify({ ...fields, message }));
if (resilient) attachLogger(resilient, { debug: () => undefined, info: line, warn: line, error: line });
const prisma = new PrismaClient({
  adapter: resilient ?? new PrismaPg({ connectionString: url, application_name: 'orders-adapter-write', max: 4 }),
});
const admin = new pg.Client({ connectionString: url, application_name: 'consumer-test-admin' });
await admin.connect();

const rounds: { terminated: number; ok: number; failed: number; errors: string[] }[] = [];
for (let round = 0; round < 2; round++) {
  // Every connection of the pool busy once, so there is something to terminate.
  await Promise.all(Array.from({ length: 4 }, () => prisma.$transaction(async (tx) => tx.order.count())));
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'orders-adapter-write'",
  );
  const result = { terminated: rows[0]?.n ?? 0, ok: 0, failed: 0, errors: [] as string[] };
  for (let i = 0; i < 20; i++) {
    try {
      await prisma.order.count();
      await prisma.$transaction(async (tx) => tx.order.findFirst());
      result.ok += 1;
    } catch (error) {
      result.failed += 1;
      result.errors.push(error instanceof Error ? error.message.slice(0, 120) : String(error));
    }
  }
  rounds.push(result);
}
console.log(JSON.stringify({ rounds }));
await prisma.$disconnect();
await resilient?.close();
await admin.end();
