import { readPosition } from '@pos-masterdata/resilient-prisma';
import type { ScopedClientSource } from '@pos-masterdata/resilient-prisma';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Item, Prisma } from '../generated/prisma/client.ts';

export interface StoreKey {
  readonly tenantId: string;
  readonly storeCode: string;
}

export type ItemFieldsData = Omit<
  Prisma.ItemUncheckedCreateInput,
  'id' | 'tenantId' | 'storeCode' | 'itemCode' | 'version' | 'createdAt' | 'updatedAt'
>;

/**
 * The hot read (coalesced lookups): a constant SQL text with bound parameters, run through Prisma's
 * raw query, which skips the query compiler and the model's result mapping. `npm run
 * bench:read-cost` on this machine (warm round): 17 codes cost this process 283–322 µs of CPU per
 * query this way against 364 µs with `findMany`, one code 175 µs against 249 µs with `findUnique`
 * (bare pg: 144 and 97 µs). The aliases give the rows the shape of the
 * `Item` model; a test compares them with `findMany`'s, field by field, so the two cannot drift.
 */
const ITEMS_BY_CODE_SQL = `SELECT id, tenant_id AS "tenantId", store_code AS "storeCode", item_code AS "itemCode", barcode, description,
  short_description AS "shortDescription", unit_price AS "unitPrice", unit_cost AS "unitCost", tax_code AS "taxCode",
  category_code AS "categoryCode", active, discountable, sold_by_weight AS "soldByWeight", minimum_age AS "minimumAge",
  version, created_at AS "createdAt", updated_at AS "updatedAt"
  FROM item WHERE tenant_id = $1 AND store_code = $2 AND item_code = ANY($3::text[])`;

/** Item queries. It owns no client: every method runs on the client of the current call scope. */
export class ItemRepository {
  readonly #scope: ScopedClientSource<PrismaClient>;

  constructor(scope: ScopedClientSource<PrismaClient>) {
    this.#scope = scope;
  }

  /** Where the database this call reads stands now (read-your-writes): take it before the read. */
  readPosition(): Promise<bigint> {
    return readPosition(this.#scope.db());
  }

  storeExists(key: StoreKey): Promise<boolean> {
    return this.#scope
      .db()
      .store.findUnique({ where: { tenantId_storeCode: key }, select: { tenantId: true } })
      .then((s) => s !== null);
  }

  find(key: StoreKey, itemCode: string): Promise<Item | null> {
    return this.#scope.db().item.findUnique({ where: { tenantId_storeCode_itemCode: { ...key, itemCode } } });
  }

  /** One round trip for the whole batch. */
  findMany(key: StoreKey, itemCodes: readonly string[]): Promise<Item[]> {
    return this.#scope.db().item.findMany({ where: { ...key, itemCode: { in: [...itemCodes] } } });
  }

  /** The same rows as `findMany`, by the cheaper prepared raw query: for the lookups, read all day long. */
  findByCodes(key: StoreKey, itemCodes: readonly string[]): Promise<Item[]> {
    return this.#scope.db().$queryRawUnsafe<Item[]>(ITEMS_BY_CODE_SQL, key.tenantId, key.storeCode, itemCodes);
  }

  /** Keyset page ordered by item code: stable under inserts, no OFFSET scans. */
  page(key: StoreKey, afterItemCode: string | undefined, take: number): Promise<Item[]> {
    return this.#scope.db().item.findMany({
      where: { ...key, ...(afterItemCode === undefined ? {} : { itemCode: { gt: afterItemCode } }) },
      orderBy: { itemCode: 'asc' },
      take,
    });
  }

  create(key: StoreKey, itemCode: string, data: ItemFieldsData): Promise<Item> {
    return this.#scope.db().item.create({ data: { ...key, itemCode, ...data } });
  }

  /** Updates only if the stored version is still `version`; null when somebody else changed it first. */
  async updateIfVersion(id: bigint, version: number, data: ItemFieldsData): Promise<Item | null> {
    const db = this.#scope.db();
    const { count } = await db.item.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
    return count === 0 ? null : db.item.findUnique({ where: { id } });
  }
}
