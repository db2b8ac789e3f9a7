import { randomBytes } from 'node:crypto';
import { withClient } from '@pos-masterdata/failover-testkit';
import type pg from 'pg';
import type { PostgresFixture } from '@pos-masterdata/failover-testkit';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';

/** Administrative connection to the machine's PostgreSQL; override with TEST_PG_URL. */
export const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database of its own for one test file, migrated and seeded; dropped on dispose. */
export class TestDatabase implements PostgresFixture {
  readonly name: string;
  readonly #url: string;
  readonly #adminUrl: string;

  private constructor(adminUrl: string, name: string) {
    this.#adminUrl = adminUrl;
    this.name = name;
    this.#url = databaseUrl(adminUrl, name);
  }

  /** This database, or another one on the same server. */
  url(database?: string): string {
    return database === undefined ? this.#url : databaseUrl(this.#adminUrl, database);
  }

  static async create(options: { migrate?: boolean; seed?: boolean; adminUrl?: string } = {}): Promise<TestDatabase> {
    const adminUrl = options.adminUrl ?? ADMIN_URL;
    const db = new TestDatabase(adminUrl, `test_${randomBytes(6).toString('hex')}`);
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${db.name}"`));
    if (options.migrate ?? true) await migrateDatabase(db.url());
    if (options.seed ?? true) await seedDemoData(db.url());
    return db;
  }

  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return withClient(this.url(), async (c) => (await c.query<R>(sql, params)).rows);
  }

  /** Runs SQL on the administrative database (e.g. ALTER DATABASE, which a read-only database refuses). */
  async admin(sql: string, params: unknown[] = []): Promise<void> {
    await withClient(this.#adminUrl, (c) => c.query(sql, params));
  }

  /** Kills every backend of this database whose application_name starts with `prefix`. */
  async terminateBackends(prefix = 'masterdata'): Promise<number> {
    const rows = await withClient(
      this.#adminUrl,
      async (c) =>
        (
          await c.query<{ ok: boolean }>(
            'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2 AND pid <> pg_backend_pid()',
            [this.name, `${prefix}%`],
          )
        ).rows,
    );
    return rows.length;
  }

  async connectionCount(prefix = 'masterdata'): Promise<number> {
    const rows = await withClient(
      this.#adminUrl,
      async (c) =>
        (
          await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2', [
            this.name,
            `${prefix}%`,
          ])
        ).rows,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await withClient(this.#adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`));
  }
}

export { withClient };

/** Holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` for `ms` in a transaction of its own, then commits. */
export async function holdTableLock(url: string, table: string, ms: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    await c.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
    await new Promise((r) => setTimeout(r, ms));
    await c.query('COMMIT');
  });
}
