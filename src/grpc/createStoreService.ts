import { DomainError } from '../items/DomainError.ts';
import { STORE_METHODS } from './serviceMethods.ts';
import type { StoreServiceServer, UpsertStoreResponse } from '../generated/proto/masterdata/v1/store_service.ts';
import type { CallChain, CallContext } from '@pos-masterdata/grpc-chain';
import type { ScopeContext } from '@pos-masterdata/grpc-chain';
import { pageSizeOf, storeKeyOf, storeNotFound } from '../items/itemRequests.ts';
import type { PageTokenCodec } from '../items/PageTokenCodec.ts';
import type { StoreRepository } from '../items/StoreRepository.ts';
import { storeFieldsOf, storeFromJson, storeToJson, tenantOf, toStore } from '../items/storeRequests.ts';
import type { UpsertRequestRepository } from '../items/UpsertRequestRepository.ts';
import { checkPattern, Violations } from '../items/validation.ts';

export interface StoreServiceDeps {
  readonly stores: StoreRepository;
  readonly upserts: UpsertRequestRepository;
  readonly pageTokens: PageTokenCodec;
  /** The server's chain with the call scope: each handler's database work runs in one scope. */
  readonly scoped: CallChain<CallContext & ScopeContext>;
}

/** Store tokens are bound to the tenant alone: an empty store code, which no item listing can have. */
const TENANT_WIDE = '';

export function createStoreService({ stores, upserts, pageTokens, scoped }: StoreServiceDeps): StoreServiceServer {
  return {
    getStore: scoped.unary(STORE_METHODS.getStore, async (req) => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      v.throwIfAny();
      const row = await stores.find(key);
      if (!row) throw storeNotFound(key);
      return toStore(row);
    }),

    listStores: scoped.unary(STORE_METHODS.listStores, async (req) => {
      const v = new Violations();
      const tenantId = tenantOf(v, req.tenantId);
      const pageSize = pageSizeOf(v, req.pageSize);
      v.throwIfAny();
      const scope = { tenantId, storeCode: TENANT_WIDE };
      const rows = await stores.page(tenantId, pageTokens.after(req.pageToken, scope), pageSize + 1);
      const page = pageTokens.page(rows, pageSize, scope, (row) => row.storeCode);
      return { stores: page.rows.map(toStore), nextPageToken: page.nextPageToken };
    }),

    upsertStore: scoped.unary(STORE_METHODS.upsertStore, async (req): Promise<UpsertStoreResponse> => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      const data = storeFieldsOf(v, req);
      checkPattern(v, 'request_id', req.requestId, 'request', true);
      v.throwIfAny();
      // The method is part of the content: request ids are shared with UpsertItem. Its name from
      // the descriptor ("UpsertStore"), the value fingerprints have always held.
      const { fingerprint, response } = await upserts.previous(key.tenantId, req.requestId, [
        STORE_METHODS.upsertStore.name,
        req.storeCode,
        req.name,
        req.currency,
      ]);
      if (response !== undefined) {
        const stored = response as { store: unknown; created: boolean };
        return { store: storeFromJson(stored.store), created: stored.created, replayed: true };
      }
      const existing = await stores.find(key);
      if (existing && existing.currency !== data.currency && (await stores.hasItems(key))) {
        throw new DomainError(
          'precondition',
          `store "${key.storeCode}" has items priced in ${existing.currency}; its currency cannot change to ${data.currency} (open a new store for the new currency)`,
        );
      }
      const saved = existing ? await stores.update(key, data) : await stores.create(key, data);
      const store = toStore(saved);
      await upserts.record(key.tenantId, req.requestId, fingerprint, null, { store: storeToJson(store) as never, created: !existing });
      return { store, created: !existing, replayed: false };
    }),
  };
}
