import { startPrismaDevServer } from '@prisma/dev';
import type { Config } from '../config/config.ts';

export interface EmbeddedDatabase {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Prisma's local Prisma Postgres (PGlite behind a PostgreSQL wire-protocol socket), in this
 * process, on a free port. Stateless: the demo data is seeded again on every start.
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabase> {
  const server = await startPrismaDevServer({
    name: `masterdata-${process.pid}`,
    port: 0,
    databasePort: 0,
    shadowDatabasePort: 0,
    persistenceMode: 'stateless',
  });
  return { url: server.database.connectionString, close: () => server.close() };
}

/**
 * Settings that fit the embedded server. It runs PGlite in this very process and answers one
 * query at a time, and a cancel request does not stop a query it is running: a statement past its
 * timeout is answered once the queries before it are done, however long the service's own work
 * keeps the event loop. So one connection per pool (more would only queue inside PGlite, where
 * admission cannot see them), and a cancel grace long enough that a late answer is read as busy,
 * not as a dead connection that needs a new pool.
 */
export function embeddedDatabaseConfig(config: Config): Config {
  return { ...config, DB_POOL_MAX: 1, DB_CANCEL_GRACE_MS: Math.max(config.DB_CANCEL_GRACE_MS, 10_000) };
}
