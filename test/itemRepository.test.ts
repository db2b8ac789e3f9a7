import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { ItemRepository } from '../src/items/ItemRepository.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';

// The lookups' raw query must return exactly what the Prisma model query does, field by field
// and type by type (Decimal, BigInt, Date, null), or a schema change would slip past it.
let db: TestDatabase;
let prisma: PrismaClient;
let items: ItemRepository;

beforeAll(async () => {
  db = await TestDatabase.create();
  await db.query(
    `UPDATE item SET unit_cost = 0.1234, minimum_age = 18, barcode = NULL WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011'`,
  );
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url(), max: 1 }) });
  items = new ItemRepository({ db: () => prisma });
});
afterAll(async () => {
  await prisma.$disconnect();
  await db[Symbol.asyncDispose]();
});

describe('ItemRepository.findByCodes', () => {
  it('returns the same rows as findMany, with the same field types, and nothing for unknown codes or other stores', async () => {
    const key = { tenantId: 'demo', storeCode: 'S001' };
    const codes = (await prisma.item.findMany({ where: key, select: { itemCode: true } })).map((i) => i.itemCode);
    const byRaw = await items.findByCodes(key, [...codes, 'unknown']);
    const byModel = await items.findMany(key, codes);
    const sorted = <T extends { itemCode: string }>(rows: T[]) => [...rows].sort((a, b) => a.itemCode.localeCompare(b.itemCode));
    expect(byRaw.length).toBe(codes.length);
    expect(sorted(byRaw)).toEqual(sorted(byModel));
    for (const [i, row] of sorted(byRaw).entries()) {
      const model = sorted(byModel)[i] as Record<string, unknown>;
      for (const [field, value] of Object.entries(row)) expect([field, value?.constructor]).toEqual([field, model[field]?.constructor]);
    }
    expect(await items.findByCodes({ tenantId: 'demo', storeCode: 'NOPE' }, codes)).toEqual([]);
  });
});
