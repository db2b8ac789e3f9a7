// Captures real error objects from pg, pg.Pool and Prisma 7 + adapter-pg (as they arrive at
// the caller) into src/db/fixtures/errorShapes.json, for the classifier's unit tests.
// Run: node scripts/captureErrorShapes.ts   (needs the local PostgreSQL; see README)
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { createPgPool } from '@pos-masterdata/resilient-prisma';
import { ResilientPool } from '@pos-masterdata/resilient-prisma';
import { freePort } from '@pos-masterdata/failover-testkit';
import { TcpProxy } from '@pos-masterdata/failover-testkit';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';

type Shape = {
  name?: string;
  message?: string;
  code?: string;
  kind?: string;
  severity?: string;
  meta?: unknown;
  cause?: Shape;
  originalError?: Shape;
};

function shape(value: unknown, depth = 0): Shape | undefined {
  if (depth > 6 || value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const out: Shape = {};
  if (typeof v.name === 'string') out.name = v.name;
  if (typeof v.message === 'string')
    out.message = v.message
      .replace(/test_[0-9a-f]+/g, 'test_db')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .slice(0, 400);
  for (const key of ['code', 'kind', 'severity'] as const) if (typeof v[key] === 'string') out[key] = v[key];
  if (v.meta && typeof v.meta === 'object') {
    const meta = v.meta as Record<string, unknown>;
    out.meta = {
      ...(typeof meta.modelName === 'string' ? { modelName: meta.modelName } : {}),
      ...(meta.driverAdapterError ? { driverAdapterError: shape(meta.driverAdapterError, depth + 1) } : {}),
    };
  }
  const cause = shape(v.cause, depth + 1);
  if (cause) out.cause = cause;
  else if (v.cause && typeof v.cause === 'object') out.cause = plain(v.cause);
  return out;
}

function plain(v: object): Shape {
  const r = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(r)
      .filter(([, x]) => typeof x === 'string' || typeof x === 'number')
      .map(([k, x]) => [k, typeof x === 'string' ? x.slice(0, 200) : x]),
  );
}

const captured: Record<string, { expect: string; error: Shape | undefined }> = {};
async function capture(name: string, expectKind: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
    console.log(`${name}: no error!`);
  } catch (error) {
    captured[name] = { expect: expectKind, error: shape(error) };
    console.log(`${name}: ${(error as Error).message.trim().split('\n')[0]?.slice(0, 120)}`);
  }
}

await using db = await TestDatabase.create();
await using proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
const viaProxy = new URL(db.url());
viaProxy.port = String(proxy.port);
const makePrisma = (url: string, extra: pg.PoolConfig = {}) => {
  const pool = new pg.Pool({ connectionString: url, application_name: 'masterdata-capture', ...extra });
  pool.on('error', () => undefined);
  return { pool, prisma: new PrismaClient({ adapter: new PrismaPg(pool) }) };
};
const later = (ms: number, fn: () => unknown) => setTimeout(fn, ms);

{
  const { prisma, pool } = makePrisma(db.url());
  await prisma.item.count();
  later(150, () => void db.terminateBackends('masterdata-capture'));
  await capture('prisma raw query, backend terminated', 'connection_lost', () => prisma.$queryRaw`SELECT pg_sleep(2)`);
  later(150, () => void db.terminateBackends('masterdata-capture'));
  await capture('prisma interactive tx, backend terminated', 'connection_lost', () =>
    prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_sleep(2)`;
    }),
  );
  await capture('prisma unique violation', 'constraint', () =>
    prisma.store.create({ data: { tenantId: 'demo', storeCode: 'S001', name: 'dup', currency: 'EUR' } }),
  );
  await capture('prisma update of a missing record', 'not_found', () =>
    prisma.item.update({ where: { id: 999_999n }, data: { active: false } }),
  );
  await db.admin(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`);
  const ro = makePrisma(db.url());
  await capture('prisma write on read-only server', 'read_only', () =>
    ro.prisma.store.create({ data: { tenantId: 'x', storeCode: 'y', name: 'z', currency: 'EUR' } }),
  );
  await capture(
    'prisma raw write on read-only server',
    'read_only',
    () => ro.prisma.$executeRaw`INSERT INTO store (tenant_id, store_code, name, currency) VALUES ('a','b','c','EUR')`,
  );
  await ro.prisma.$disconnect();
  await ro.pool.end();
  await db.admin(`ALTER DATABASE "${db.name}" RESET default_transaction_read_only`);
  await prisma.$disconnect();
  await pool.end();
}
{
  const { prisma, pool } = makePrisma(viaProxy.toString());
  await prisma.item.count();
  later(150, () => proxy.resetAll());
  await capture('prisma model query, socket reset (RST)', 'connection_lost', () =>
    prisma.item.findMany({ where: { description: { contains: 'a' } }, take: 1, skip: 0 }).then(() => prisma.$queryRaw`SELECT pg_sleep(2)`),
  );
  later(150, () => proxy.closeAll());
  await capture('prisma raw query, socket closed (FIN)', 'connection_lost', () => prisma.$queryRaw`SELECT pg_sleep(2)`);
  await prisma.$disconnect();
  await pool.end();
}
{
  const pool = new pg.Pool({ connectionString: viaProxy.toString(), query_timeout: 300, connectionTimeoutMillis: 300 });
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  proxy.blackhole();
  await capture('pg query on a black-holed socket (query_timeout)', 'timeout', () => pool.query('SELECT 1'));
  const fresh = new pg.Pool({ connectionString: viaProxy.toString(), connectionTimeoutMillis: 300 });
  fresh.on('error', () => undefined);
  await capture('pg connect through a black hole (connectionTimeoutMillis)', 'unavailable', () => fresh.query('SELECT 1'));
  proxy.heal();
  await fresh.end();
  await pool.end().catch(() => undefined);
}
{
  const port = await freePort();
  const { prisma, pool } = makePrisma(`postgresql://postgres@127.0.0.1:${port}/postgres`);
  await capture('prisma connect refused', 'unavailable', () => prisma.item.count());
  await prisma.$disconnect();
  await pool.end();
  const client = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await capture('pg client connect refused', 'unavailable', () => client.connect());
}
{
  const pool = new pg.Pool({ connectionString: db.url(), statement_timeout: 100 });
  await capture('pg statement_timeout', 'statement_timeout', () => pool.query('SELECT pg_sleep(1)'));
  await pool.end();
  const client = new pg.Client({ connectionString: db.url(), application_name: 'masterdata-capture' });
  client.on('error', () => undefined);
  await client.connect();
  await db.terminateBackends('masterdata-capture');
  await new Promise((r) => setTimeout(r, 100));
  await capture('pg client used after its connection died', 'connection_lost', () => client.query('SELECT 1'));
}
{
  await db.admin(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`);
  const pool = createPgPool({
    endpoint: DatabaseEndpoint.parse(db.url()),
    max: 1,
    connectTimeoutMs: 1000,
    queryTimeoutMs: 1000,
    statementTimeoutMs: 1000,
    idleTimeoutMs: 1000,
    requireWritable: true,
    resilient: true,
    applicationName: 'x',
  });
  await capture('write pool reaching a read-only server (onConnect check)', 'read_only', () => pool.query('SELECT 1'));
  await pool.end();
  await db.admin(`ALTER DATABASE "${db.name}" RESET default_transaction_read_only`);
}

// Saturation, server-side limits and permanent refusals: what load and misconfiguration throw.
{
  const { prisma, pool } = makePrisma(db.url(), { max: 1 });
  const holding = prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_sleep(0.5)`;
  });
  await capture('prisma transaction start timed out, pool saturated (P2028)', 'saturated', () =>
    prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`, { maxWait: 100 }),
  );
  await holding;
  await capture('prisma interactive transaction expired (P2028)', 'statement_timeout', () =>
    prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_sleep(0.3)`;
        await tx.$queryRaw`SELECT 1`;
      },
      { timeout: 100 },
    ),
  );
  await prisma.$disconnect();
  await pool.end();
  const small = new pg.Pool({ connectionString: db.url(), max: 1, connectionTimeoutMillis: 100 });
  const held = await small.connect();
  await capture('pg pool checkout timed out, pool saturated', 'saturated', () => small.connect());
  held.release();
  await small.end();
}
{
  const locker = new pg.Client({ connectionString: db.url() });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE item IN ACCESS EXCLUSIVE MODE');
  const waiter = new pg.Pool({ connectionString: db.url(), options: '-c lock_timeout=100' });
  await capture('pg lock_timeout behind a held lock (55P03)', 'statement_timeout', () => waiter.query('SELECT count(*) FROM item'));
  await waiter.end();
  // The layer's own read timeout on a statement stuck behind the lock: cancelled, connection kept.
  const guarded = new ResilientPool({
    createInner: () => new pg.Pool({ connectionString: db.url(), max: 1 }),
    minRebuildIntervalMs: 0,
    queryTimeout: () => 100,
  });
  const viaPrisma = new PrismaClient({ adapter: new PrismaPg(guarded) });
  await capture('prisma read behind a held lock, read timeout, statement cancelled', 'timeout', () => viaPrisma.item.count());
  await viaPrisma.$disconnect();
  await guarded.end();
  await locker.query('ROLLBACK');
  await locker.end();
}
{
  const missing = new URL(db.url());
  missing.pathname = '/no_such_database';
  const { prisma, pool } = makePrisma(missing.toString());
  await capture('prisma connect to a database that does not exist (3D000)', 'misconfigured', () => prisma.item.count());
  await prisma.$disconnect();
  await pool.end();
  await db.admin('DROP ROLE IF EXISTS capture_limited');
  await db.admin('CREATE ROLE capture_limited LOGIN CONNECTION LIMIT 0');
  const limited = new URL(db.url());
  limited.username = 'capture_limited';
  const full = makePrisma(limited.toString());
  await capture('prisma connect beyond a connection limit (53300)', 'saturated', () => full.prisma.item.count());
  await full.prisma.$disconnect();
  await full.pool.end();
  await db.admin('DROP ROLE capture_limited');
}
{
  // A stock PgBouncer (transaction pooling, default ignore_startup_parameters) in front of the
  // server, reached exactly as the service's pools connect: it refuses statement_timeout.
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    `[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nauth_type = trust\nauth_file = ${join(dir, 'userlist.txt')}\npool_mode = transaction\nunix_socket_dir =\n`,
  );
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  chownSync(dir, uid, Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const bouncer = spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = new URL(db.url());
  url.port = String(port);
  const pool = createPgPool({
    endpoint: DatabaseEndpoint.parse(url.toString()),
    max: 1,
    connectTimeoutMs: 1000,
    queryTimeoutMs: 1000,
    statementTimeoutMs: 1000,
    idleTimeoutMs: 1000,
    requireWritable: false,
    resilient: true,
    applicationName: 'masterdata-capture',
  });
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  await capture('prisma through a stock PgBouncer: startup parameter refused (08P01)', 'misconfigured', () => prisma.item.count());
  await prisma.$disconnect();
  await pool.end();
  bouncer.kill();
}

writeFileSync(new URL('../src/db/fixtures/errorShapes.json', import.meta.url), `${JSON.stringify(captured, null, 2)}\n`);
console.log(`captured ${Object.keys(captured).length} error shapes`);
