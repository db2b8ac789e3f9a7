import type { ScopedClientSource } from '@pos-masterdata/resilient-prisma';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Store } from '../generated/prisma/client.ts';
import type { StoreKey } from './ItemRepository.ts';

export interface StoreFieldsData {
  readonly name: string;
  readonly currency: string;
}

/** Store queries. Like ItemRepository it owns no client: every method runs in the current call scope. */
export class StoreRepository {
  readonly #scope: ScopedClientSource<PrismaClient>;

  constructor(scope: ScopedClientSource<PrismaClient>) {
    this.#scope = scope;
  }

  find(key: StoreKey): Promise<Store | null> {
    return this.#scope.db().store.findUnique({ where: { tenantId_storeCode: key } });
  }

  /** Keyset page of one tenant's stores ordered by store code. */
  page(tenantId: string, afterStoreCode: string | undefined, take: number): Promise<Store[]> {
    return this.#scope.db().store.findMany({
      where: { tenantId, ...(afterStoreCode === undefined ? {} : { storeCode: { gt: afterStoreCode } }) },
      orderBy: { storeCode: 'asc' },
      take,
    });
  }

  async hasItems(key: StoreKey): Promise<boolean> {
    return (await this.#scope.db().item.findFirst({ where: key, select: { id: true } })) !== null;
  }

  create(key: StoreKey, data: StoreFieldsData): Promise<Store> {
    return this.#scope.db().store.create({ data: { ...key, ...data } });
  }

  update(key: StoreKey, data: StoreFieldsData): Promise<Store> {
    return this.#scope.db().store.update({ where: { tenantId_storeCode: key }, data });
  }
}
