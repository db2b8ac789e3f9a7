import { attachLogger, Database } from '@pos-masterdata/resilient-prisma';
import { attachPrometheus } from '@pos-masterdata/resilient-prisma/prometheus';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PrismaClient } from './generated/prisma/client.js';

const db = new Database({
  endpoint: 'postgresql://app@db1:5432,db2:5432/orders?target_session_attrs=read-write',
  readEndpoint: process.env.DATABASE_READ_URL, // optional: standbys for plain reads
  createClient: (adapter) => new PrismaClient({ adapter, errorFormat: 'minimal' }),
  applicationName: 'orders', // pg_stat_activity: orders-read, orders-write, orders-health
});
attachLogger(db, pino()); // or any logger with debug, info, warn and error(fields, message)
attachPrometheus(db, new Registry(), { prefix: 'orders' });
await db.start();

// One call: its own deadline, its work in one scope, retried once when that is safe.
const budget = { deadline: performance.now() + 2_000, signal: AbortSignal.timeout(2_000) };
const open = await db.run('read', budget, () => db.scope.db().order.count());
const placed = await db.run('write', budget, () => db.scope.db().order.create({ data: { id: 'o-1', requestId: 'r-1', customer: 'acme' } }));
console.log(open, placed.id);
await db.close();
