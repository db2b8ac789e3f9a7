import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './migrateDatabase.ts';
import { checksumOf, readMigrationDirectory } from './migrationDirectory.ts';

describe('readMigrationDirectory', () => {
  it("reads Prisma's layout in name order with sha256 checksums", async () => {
    const migrations = await readMigrationDirectory(MIGRATIONS_DIR);
    expect(migrations.map((m) => m.name).slice(0, 2)).toEqual(['20261122000000_init', '20261123230000_item_change_notify']);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('checksums the exact bytes (known sha256 vector)', () => {
    expect(checksumOf('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
