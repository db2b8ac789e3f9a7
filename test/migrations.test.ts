import { mkdtempSync, cpSync, mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { MigrationError } from '../src/ops/migrate/MigrationError.ts';
import { describeSchema } from '../harness/describeSchema.ts';
import { TestDatabase, withClient } from '../harness/TestDatabase.ts';

// Every migration in the folder, in order: a new one needs no edit here.
const ALL = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  type: string;
  nativeType: [string, string[]] | null;
  isRequired: boolean;
  isList: boolean;
  hasDefaultValue: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}

const dmmf = JSON.parse(
  get_dmmf(JSON.stringify({ prismaSchema: readFileSync(new URL('../prisma/schema.prisma', import.meta.url), 'utf8') })),
) as {
  datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
};

/** The PostgreSQL type Prisma Migrate creates for a field (format_type spelling). */
function expectedType(f: DmmfField): string {
  const [native, args = []] = f.nativeType ?? [undefined, []];
  switch (native) {
    case 'VarChar':
      return `character varying(${args[0]})`;
    case 'Char':
      return `character(${args[0]})`;
    case 'SmallInt':
      return 'smallint';
    case 'Timestamptz':
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'Decimal':
      return `numeric(${args[0]},${args[1]})`;
    case undefined:
      break;
    default:
      throw new Error(`add a mapping for native type ${native}`);
  }
  const defaults: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Boolean: 'boolean',
    DateTime: 'timestamp(3) without time zone',
    Decimal: 'numeric(65,30)',
    Json: 'jsonb',
    Float: 'double precision',
  };
  const t = defaults[f.type];
  if (!t) throw new Error(`add a mapping for ${f.type}`);
  return t;
}

const column = (model: DmmfModel, field: string) => {
  const f = model.fields.find((x) => x.name === field);
  return f?.dbName ?? field;
};

describe('migrations match schema.prisma (drift test)', () => {
  it('a freshly migrated database has exactly the models, fields, types, nullability, uniques, indexes and foreign keys of the schema', async () => {
    await using db = await TestDatabase.create({ seed: false });
    const actual = await withClient(db.url(), describeSchema);
    const models = dmmf.datamodel.models;
    expect([...actual.tables.keys()].sort()).toEqual([...models.map((m) => m.dbName ?? m.name), '_prisma_migrations'].sort());
    for (const model of models) {
      const table = actual.tables.get(model.dbName ?? model.name);
      const scalars = model.fields.filter((f) => f.kind === 'scalar');
      expect([...(table?.keys() ?? [])].sort(), model.name).toEqual(scalars.map((f) => f.dbName ?? f.name).sort());
      for (const f of scalars) {
        const col = table?.get(f.dbName ?? f.name);
        expect({ field: `${model.name}.${f.name}`, ...col }).toEqual({
          field: `${model.name}.${f.name}`,
          type: expectedType(f),
          nullable: !f.isRequired,
          hasDefault: f.hasDefaultValue,
        });
      }
    }
    const expectedIndexes = dmmf.datamodel.indexes.map((i) => {
      const model = models.find((m) => m.name === i.model);
      if (!model) throw new Error(i.model);
      return {
        table: model.dbName ?? model.name,
        columns: i.fields.map((f) => column(model, f.name)),
        unique: i.type !== 'normal',
        primary: i.type === 'id',
      };
    });
    const key = (i: { table: string; columns: string[]; unique: boolean; primary: boolean }) =>
      `${i.table}(${i.columns.join(',')}) unique=${i.unique} primary=${i.primary}`;
    expect(
      actual.indexes
        .filter((i) => i.table !== '_prisma_migrations')
        .map(key)
        .sort(),
    ).toEqual(expectedIndexes.map(key).sort());
    const actions: Record<string, string> = { Restrict: 'r', Cascade: 'c', SetNull: 'n', NoAction: 'a', SetDefault: 'd' };
    const expectedFks = models.flatMap((m) =>
      m.fields
        .filter((f) => f.relationFromFields && f.relationFromFields.length > 0)
        .map((f) => {
          const target = models.find((x) => x.name === f.type);
          if (!target) throw new Error(f.type);
          return {
            table: m.dbName ?? m.name,
            columns: (f.relationFromFields ?? []).map((n) => column(m, n)),
            refTable: target.dbName ?? target.name,
            refColumns: (f.relationToFields ?? []).map((n) => column(target, n)),
            onDelete: actions[f.relationOnDelete ?? 'Restrict'],
            onUpdate: 'c',
          };
        }),
    );
    expect(actual.foreignKeys).toEqual(expectedFks);
  });
});

describe('npm run db:migrate behaves like prisma migrate deploy', () => {
  it('records each migration in _prisma_migrations with its sha256 checksum, and a second run applies nothing', async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    expect((await migrateDatabase(db.url())).applied).toEqual(ALL);
    expect((await migrateDatabase(db.url())).applied).toEqual([]);
    const rows = await db.query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
    }>('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    const script = readFileSync(join(MIGRATIONS_DIR, '20261122000000_init', 'migration.sql'));
    expect(rows).toHaveLength(ALL.length);
    expect(rows[0]).toMatchObject({
      migration_name: '20261122000000_init',
      checksum: createHash('sha256').update(script).digest('hex'),
      applied_steps_count: 1,
      logs: null,
    });
    expect(rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);
  });

  it('refuses a non-empty database that has no migration history (P3005)', async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    await db.query('CREATE TABLE legacy (id int)');
    await expect(migrateDatabase(db.url())).rejects.toMatchObject({ code: 'P3005' });
  });

  it('rolls a failed migration back, records it, and refuses to go on until it is resolved (P3018, then P3009)', async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    mkdirSync(join(dir, '20261123000000_broken'));
    writeFileSync(
      join(dir, '20261123000000_broken', 'migration.sql'),
      'ALTER TABLE "item" ADD COLUMN "half" INTEGER;\nSELECT * FROM no_such_table;\n',
    );
    const first = await migrateDatabase(db.url(), dir).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(MigrationError);
    expect(first).toMatchObject({ code: 'P3018' });
    const failed = await db.query<{ finished_at: Date | null; logs: string }>(
      "SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '20261123000000_broken'",
    );
    expect(failed[0]?.finished_at).toBeNull();
    expect(failed[0]?.logs).toMatch(/no_such_table/);
    expect(await db.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'item' AND column_name = 'half'")).toEqual([]);
    await expect(migrateDatabase(db.url(), dir)).rejects.toMatchObject({ code: 'P3009' });
  });

  it("serialises concurrent deploys with Prisma's advisory lock: each migration is applied once", async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    const results = await Promise.all([migrateDatabase(db.url()), migrateDatabase(db.url()), migrateDatabase(db.url())]);
    expect(results.flatMap((r) => r.applied)).toEqual(ALL);
    expect(await db.query('SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: ALL.length }]);
  });
});
