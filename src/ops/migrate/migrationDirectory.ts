import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MigrationScript {
  readonly name: string;
  readonly script: string;
  /** sha256 of the script bytes, hex: the value Prisma stores in `_prisma_migrations.checksum`. */
  readonly checksum: string;
}

export function checksumOf(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** Reads `prisma/migrations/<name>/migration.sql` in name order, as Prisma Migrate does. */
export async function readMigrationDirectory(dir: string): Promise<MigrationScript[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const scripts: MigrationScript[] = [];
  for (const name of names) {
    const script = await readFile(join(dir, name, 'migration.sql'), 'utf8');
    scripts.push({ name, script, checksum: checksumOf(script) });
  }
  return scripts;
}
