import { startPrismaDevServer } from '@prisma/dev';

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
