import type { ScopedClientSource } from '../db/DbScope.ts';
import type { Item, Prisma } from '../generated/prisma/client.ts';

export interface StoreKey {
  readonly tenantId: string;
  readonly storeCode: string;
}

export type ItemFieldsData = Omit<Prisma.ItemUncheckedCreateInput, 'id' | 'tenantId' | 'storeCode' | 'itemCode' | 'version' | 'createdAt' | 'updatedAt'>;

/** Item queries. It owns no client: every method runs on the client of the current call scope. */
export class ItemRepository {
  readonly #scope: ScopedClientSource;

  constructor(scope: ScopedClientSource) {
    this.#scope = scope;
  }

  storeExists(key: StoreKey): Promise<boolean> {
    return this.#scope.db().store.findUnique({ where: { tenantId_storeCode: key }, select: { tenantId: true } }).then((s) => s !== null);
  }

  find(key: StoreKey, itemCode: string): Promise<Item | null> {
    return this.#scope.db().item.findUnique({ where: { tenantId_storeCode_itemCode: { ...key, itemCode } } });
  }

  /** One round trip for the whole batch. */
  findMany(key: StoreKey, itemCodes: readonly string[]): Promise<Item[]> {
    return this.#scope.db().item.findMany({ where: { ...key, itemCode: { in: [...itemCodes] } } });
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
