import { EventEmitter } from 'node:events';
import { classifyDbError, servesReadAfter } from '@pos-masterdata/resilient-prisma';
import type { CallBudget } from '@pos-masterdata/resilient-prisma';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import type { ItemCache } from './ItemCache.ts';
import { toItemDetail } from './itemDetail.ts';
import type { ItemRepository, StoreKey } from './ItemRepository.ts';
import { LookupBatcher } from './LookupBatcher.ts';

export interface LookupResult {
  readonly found: ReadonlyMap<string, ItemDetail>;
  /** Set when the answer came from the cache while the database could not be reached: the oldest entry's age. */
  readonly staleAgeMs?: number;
}

export interface ItemLookupEvents {
  /** Codes answered from the cache (fresh) and codes read from the database. */
  served: [{ hits: number; misses: number }];
  /** A call answered from the cache while the database was unreachable. */
  stale: [{ ageMs: number }];
}

export interface ItemLookupOptions {
  /** Runs database work for plain reads (Database.run('read', …) in the service), where `readAfter` is visible. */
  readonly read: <T>(budget: CallBudget, work: () => Promise<T>, readAfter?: bigint) => Promise<T>;
  readonly items: ItemRepository;
  /** None: every lookup reads the database (ITEM_CACHE=off). */
  readonly cache?: ItemCache;
  readonly staleIfErrorMs: number;
  /** Whether the database takes new calls now (see LookupBatcherOptions.admitting). */
  readonly admitting?: () => boolean;
}

/**
 * Item details by natural key, for GetItemDetail and BatchGetItemDetails. Fresh cache entries
 * answer without the database; the codes left are read through the LookupBatcher, one query
 * shared by every concurrent call for the store. While the database cannot be reached (the classifier's `staleIfError`), a lookup
 * whose every code is cached is answered from the cache, flagged stale, for up to `staleIfErrorMs`.
 */
export class ItemLookup {
  readonly events = new EventEmitter<ItemLookupEvents>();
  readonly batcher: LookupBatcher;
  readonly #options: ItemLookupOptions;

  constructor(options: ItemLookupOptions) {
    this.#options = options;
    this.batcher = new LookupBatcher((key, codes, budget, readAfter) => this.#load(key, codes, budget, readAfter), {
      admitting: options.admitting,
    });
  }

  /** With `readAfter` (a read-your-writes position) only what was read after it answers. */
  async details(key: StoreKey, codes: readonly string[], budget: CallBudget, readAfter?: bigint): Promise<LookupResult> {
    const { cache } = this.#options;
    const found = new Map<string, ItemDetail>();
    const misses: string[] = [];
    for (const code of new Set(codes)) {
      const hit = cache?.fresh(key, code, readAfter);
      if (hit) found.set(code, hit);
      else misses.push(code);
    }
    this.events.emit('served', { hits: found.size, misses: misses.length });
    if (misses.length === 0) return { found };
    try {
      for (const [code, detail] of await this.batcher.load(key, misses, budget, readAfter)) found.set(code, detail);
      return { found };
    } catch (error) {
      const stale = this.#stale(key, codes, error, readAfter);
      if (!stale) throw error;
      return stale;
    }
  }

  /** Whether the store exists (NOT_FOUND says which of store and item is unknown). */
  storeExists(key: StoreKey, budget: CallBudget, readAfter?: bigint): Promise<boolean> {
    return this.#options.read(budget, () => this.#options.items.storeExists(key), readAfter);
  }

  /** The cache's epoch now: take it before a write, and hand it to `remember` after its commit. */
  get epoch(): number {
    return this.#options.cache?.epoch ?? 0;
  }

  /**
   * Read-your-writes on this instance: a committed write's result, newer than anything cached.
   * `epoch` is the one taken before the write: had the listener been lost (and its notifications
   * with it) between the write and now, the result is kept but not trusted as fresh.
   */
  remember(detail: ItemDetail, epoch: number): void {
    this.#options.cache?.store(detail, epoch);
  }

  #stale(key: StoreKey, codes: readonly string[], error: unknown, readAfter: bigint | undefined): LookupResult | undefined {
    const { cache, staleIfErrorMs } = this.#options;
    if (!cache || staleIfErrorMs <= 0 || !classifyDbError(error).staleIfError) return undefined;
    const found = new Map<string, ItemDetail>();
    let oldest = 0;
    for (const code of codes) {
      const held = cache.any(key, code);
      if (!held || held.ageMs > staleIfErrorMs) return undefined;
      // Even a stale answer is not older than the caller's own write.
      if (readAfter !== undefined && !servesReadAfter(held.position, readAfter)) return undefined;
      found.set(code, held.detail);
      oldest = Math.max(oldest, held.ageMs);
    }
    this.events.emit('stale', { ageMs: oldest });
    return { found, staleAgeMs: oldest };
  }

  /** One query for the codes of every call in the batch (the budget is the batch's). */
  async #load(
    key: StoreKey,
    codes: readonly string[],
    budget: CallBudget,
    readAfter: bigint | undefined,
  ): Promise<Map<string, ItemDetail>> {
    const { read, items, cache } = this.#options;
    // Taken before the query: a flush while it runs makes its rows too old to keep.
    const epoch = cache?.epoch ?? 0;
    const { rows, position } = await read(
      budget,
      async () => {
        // Where the server stood before the query: which read-your-writes tokens the entries may
        // answer. One more round trip, so only for a query that carries a token: an entry read
        // without one answers none, and the first token read that misses it fills it with one.
        const before = cache && readAfter !== undefined ? await items.readPosition() : undefined;
        return { rows: await items.findByCodes(key, codes), position: before };
      },
      readAfter,
    );
    const found = new Map<string, ItemDetail>();
    for (const row of rows) {
      const detail = toItemDetail(row);
      cache?.store(detail, epoch, position);
      found.set(row.itemCode, detail);
    }
    return found;
  }
}
