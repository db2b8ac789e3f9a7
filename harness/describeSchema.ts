import type pg from 'pg';

export interface ColumnInfo {
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

export interface IndexInfo {
  readonly table: string;
  readonly columns: string[];
  readonly unique: boolean;
  readonly primary: boolean;
}

export interface ForeignKeyInfo {
  readonly table: string;
  readonly columns: string[];
  readonly refTable: string;
  readonly refColumns: string[];
  readonly onDelete: string;
  readonly onUpdate: string;
}

/** What a PostgreSQL schema really contains, read from the catalog. */
export async function describeSchema(
  client: pg.Client,
): Promise<{ tables: Map<string, Map<string, ColumnInfo>>; indexes: IndexInfo[]; foreignKeys: ForeignKeyInfo[] }> {
  const cols = await client.query<{
    table_name: string;
    column_name: string;
    type: string;
    is_nullable: string;
    column_default: string | null;
  }>(`
    SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable, c.column_default
    FROM information_schema.columns c
    JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass AND a.attname = c.column_name
    WHERE c.table_schema = current_schema()`);
  const tables = new Map<string, Map<string, ColumnInfo>>();
  for (const r of cols.rows) {
    const table = tables.get(r.table_name) ?? new Map<string, ColumnInfo>();
    table.set(r.column_name, { type: r.type, nullable: r.is_nullable === 'YES', hasDefault: r.column_default !== null });
    tables.set(r.table_name, table);
  }
  const idx = await client.query<{ table: string; columns: string[]; unique: boolean; primary: boolean }>(`
    SELECT t.relname AS table, array_agg(a.attname ORDER BY k.ord)::text[] AS columns, i.indisunique AS unique, i.indisprimary AS primary
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    GROUP BY t.relname, i.indexrelid, i.indisunique, i.indisprimary`);
  const fks = await client.query<ForeignKeyInfo & { on_delete: string; on_update: string }>(`
    SELECT t.relname AS table, r.relname AS "refTable",
      (SELECT array_agg(attname ORDER BY ord)::text[] FROM unnest(c.conkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n) AS columns,
      (SELECT array_agg(attname ORDER BY ord)::text[] FROM unnest(c.confkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n) AS "refColumns",
      c.confdeltype AS on_delete, c.confupdtype AS on_update
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
    WHERE c.contype = 'f'`);
  return {
    tables,
    indexes: idx.rows,
    foreignKeys: fks.rows.map((f) => ({
      table: f.table,
      columns: f.columns,
      refTable: f.refTable,
      refColumns: f.refColumns,
      onDelete: f.on_delete,
      onUpdate: f.on_update,
    })),
  };
}
