import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MigrationError } from './MigrationError.ts';
import type { MigrationScript } from './migrationDirectory.ts';

// Mirrors `prisma migrate deploy` (schema-engine, PostgreSQL flavour) so either tool can
// run against the same database: same table, same checksum, same advisory lock id and
// timeout, same refusal to continue past a failed migration.
const PRISMA_MIGRATE_LOCK_ID = 72707369;
const LOCK_TIMEOUT_MS = 10_000;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrateResult {
  readonly applied: string[];
  /** Applied migrations whose file changed since; deploy warns, as Prisma does, and goes on. */
  readonly modified: string[];
}

export async function migrateDeploy(client: pg.Client, migrations: readonly MigrationScript[]): Promise<MigrateResult> {
  await acquireLock(client);
  try {
    await ensureMigrationsTable(client);
    const rows = (
      await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
      )
    ).rows;
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        'P3009',
        `migrate found failed migrations in the target database, new migrations will not be applied. ` +
          `The failed migrations: ${failed.map((r) => r.migration_name).join(', ')}. ` +
          'Fix the database, then mark them with `prisma migrate resolve --rolled-back <name>` or `--applied <name>`.',
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const modified = migrations.filter((m) => done.has(m.name) && done.get(m.name)?.checksum !== m.checksum).map((m) => m.name);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await applyOne(client, migration);
      applied.push(migration.name);
    }
    return { applied, modified };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_ID]).catch(() => undefined);
  }
}

async function acquireLock(client: pg.Client): Promise<void> {
  await client.query(`SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
  } catch (error) {
    throw new MigrationError(
      'P1002',
      `timed out after ${LOCK_TIMEOUT_MS} ms trying to acquire the migration advisory lock ` +
        `(SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_ID})): another migration is running`,
      { cause: error },
    );
  } finally {
    await client.query('SET lock_timeout = 0');
  }
}

async function ensureMigrationsTable(client: pg.Client): Promise<void> {
  const tables = (
    await client.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
    )
  ).rows.map((r) => r.relname);
  if (tables.includes('_prisma_migrations')) return;
  if (tables.length > 0) {
    throw new MigrationError(
      'P3005',
      `the database schema is not empty (${tables.length} tables) and has no migration history. ` +
        'Baseline it first: https://pris.ly/d/migrate-baseline',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
}

async function applyOne(client: pg.Client, migration: MigrationScript): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, migration.checksum, migration.name],
  );
  try {
    // Simple-query protocol: a multi-statement script runs as one implicit transaction,
    // so a failing migration leaves no half-applied schema behind.
    await client.query(migration.script);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, detail]);
    throw new MigrationError(
      'P3018',
      `migration ${migration.name} failed to apply: ${detail}. New migrations cannot be applied before the error is recovered from.`,
      { cause: error },
    );
  }
  await client.query('UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
}
