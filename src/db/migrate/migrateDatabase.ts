import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readMigrationDirectory } from './migrationDirectory.ts';
import { migrateDeploy, type MigrateResult } from './migrateDeploy.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

/** Applies the project's pending migrations to `url`, like `prisma migrate deploy`. */
export async function migrateDatabase(url: string, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await migrateDeploy(client, await readMigrationDirectory(dir));
  } finally {
    await client.end().catch(() => undefined);
  }
}
