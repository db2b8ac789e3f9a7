import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { writerUrl } from '@pos-masterdata/resilient-prisma';
import { readMigrationDirectory } from './migrationDirectory.ts';
import { migrateDeploy, type MigrateResult } from './migrateDeploy.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

/** Applies the project's pending migrations to the writer, like `prisma migrate deploy`. */
export async function migrateDatabase(database: DatabaseEndpoint | string, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const endpoint = typeof database === 'string' ? DatabaseEndpoint.parse(database) : database;
  const client = new pg.Client({ connectionString: await writerUrl(endpoint) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await migrateDeploy(client, await readMigrationDirectory(dir));
  } finally {
    await client.end().catch(() => undefined);
  }
}
