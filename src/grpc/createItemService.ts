import { DomainError } from '../items/DomainError.ts';
import type { CallChain, CallContext } from '@pos-masterdata/grpc-chain';
import type { ReadAfterContext, ScopeContext } from '@pos-masterdata/grpc-chain';
import { ITEM_METHODS } from './serviceMethods.ts';
import type { ItemServiceServer, UpsertItemResponse } from '../generated/proto/masterdata/v1/item_service.ts';
import { itemDetailFromJson, itemDetailToJson, toItemDetail } from '../items/itemDetail.ts';
import { itemCodesOf, itemFieldsOf, itemNotFound, pageSizeOf, storeKeyOf, storeNotFound } from '../items/itemRequests.ts';
import type { ItemLookup, LookupResult } from '../items/ItemLookup.ts';
import type { ItemRepository } from '../items/ItemRepository.ts';
import type { PageTokenCodec } from '../items/PageTokenCodec.ts';
import type { UpsertRequestRepository } from '../items/UpsertRequestRepository.ts';
import { checkCode, checkPattern, Violations } from '../items/validation.ts';

export interface ItemServiceDeps {
  readonly items: ItemRepository;
  readonly upserts: UpsertRequestRepository;
  readonly pageTokens: PageTokenCodec;
  readonly lookup: ItemLookup;
  /** The server's chain: for the lookups, which run their database work themselves (cached, coalesced). */
  readonly calls: CallChain<CallContext & Partial<ReadAfterContext>>;
  /** The same chain with the call scope: the handler's database work runs in one scope, as its policy says. */
  readonly scoped: CallChain<CallContext & Partial<ReadAfterContext> & ScopeContext>;
}

export const STALE_KEY = 'x-masterdata-stale';
export const STALE_AGE_KEY = 'x-masterdata-stale-age-ms';

/** A stale answer says so in trailing metadata, with the age of its oldest entry. */
function flagStale(ctx: CallContext, result: LookupResult): void {
  if (result.staleAgeMs === undefined) return;
  ctx.trailers.set(STALE_KEY, 'true');
  ctx.trailers.set(STALE_AGE_KEY, String(Math.round(result.staleAgeMs)));
}

export function createItemService({ items, upserts, pageTokens, lookup, calls, scoped }: ItemServiceDeps): ItemServiceServer {
  return {
    getItemDetail: calls.unary(ITEM_METHODS.getItemDetail, async (req, ctx) => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      checkCode(v, 'item_code', req.itemCode);
      v.throwIfAny();
      const result = await lookup.details(key, [req.itemCode], ctx, ctx.readAfter);
      flagStale(ctx, result);
      const detail = result.found.get(req.itemCode);
      if (detail) return detail;
      throw (await lookup.storeExists(key, ctx, ctx.readAfter)) ? itemNotFound(key, req.itemCode) : storeNotFound(key);
    }),

    batchGetItemDetails: calls.unary(ITEM_METHODS.batchGetItemDetails, async (req, ctx) => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      const codes = itemCodesOf(v, req.itemCodes);
      v.throwIfAny();
      const result = await lookup.details(key, codes, ctx, ctx.readAfter);
      flagStale(ctx, result);
      if (result.found.size === 0 && !(await lookup.storeExists(key, ctx, ctx.readAfter))) throw storeNotFound(key);
      return {
        items: codes.flatMap((code) => {
          const detail = result.found.get(code);
          return detail ? [detail] : [];
        }),
        missingItemCodes: codes.filter((code) => !result.found.has(code)),
      };
    }),

    listItems: scoped.unary(ITEM_METHODS.listItems, async (req) => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      const pageSize = pageSizeOf(v, req.pageSize);
      v.throwIfAny();
      const after = pageTokens.after(req.pageToken, key);
      const rows = await items.page(key, after, pageSize + 1);
      if (rows.length === 0 && after === undefined && !(await items.storeExists(key))) throw storeNotFound(key);
      const page = pageTokens.page(rows, pageSize, key, (row) => row.itemCode);
      return { items: page.rows.map(toItemDetail), nextPageToken: page.nextPageToken };
    }),

    upsertItem: scoped.unary(ITEM_METHODS.upsertItem, async (req, ctx): Promise<UpsertItemResponse> => {
      const v = new Violations();
      const key = storeKeyOf(v, req);
      checkCode(v, 'item_code', req.itemCode);
      checkPattern(v, 'request_id', req.requestId, 'request', true);
      const data = itemFieldsOf(v, req.item);
      v.throwIfAny();
      // Before the write: what it remembers after the commit is fresh only if no change was missed meanwhile.
      const epoch = lookup.epoch;
      const { fingerprint, response } = await upserts.previous(key.tenantId, req.requestId, [
        req.storeCode,
        req.itemCode,
        req.item,
        req.expectedVersion,
      ]);
      if (response !== undefined) {
        const stored = response as { item: unknown; created: boolean };
        return { item: itemDetailFromJson(stored.item), created: stored.created, replayed: true };
      }
      if (!(await items.storeExists(key))) throw storeNotFound(key);
      const existing = await items.find(key, req.itemCode);
      if (req.expectedVersion !== 0 && existing?.version !== req.expectedVersion) {
        throw new DomainError(
          'stale_version',
          existing
            ? `item "${req.itemCode}" is at version ${existing.version}, not ${req.expectedVersion}: read it again, then retry`
            : `item "${req.itemCode}" does not exist yet; send expected_version 0 to create it`,
        );
      }
      const saved = existing
        ? await items.updateIfVersion(existing.id, existing.version, data)
        : await items.create(key, req.itemCode, data);
      if (!saved) throw new DomainError('stale_version', `item "${req.itemCode}" was changed by another request at the same time; retry`);
      const detail = toItemDetail(saved);
      ctx.onCommit(() => lookup.remember(detail, epoch));
      await upserts.record(key.tenantId, req.requestId, fingerprint, saved.id, {
        item: itemDetailToJson(detail) as never,
        created: !existing,
      });
      return { item: detail, created: !existing, replayed: false };
    }),
  };
}
