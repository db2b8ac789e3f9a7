import { LRUCache } from 'lru-cache';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import type { StoreKey } from './ItemRepository.ts';
import { servesReadAfter } from '@pos-masterdata/resilient-prisma';

export interface ItemCacheSettings {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** A cached item, and what is known of its freshness. */
interface Entry {
  /** undefined: a tombstone, the item changed to `version` and nobody has read it since. */
  readonly detail: ItemDetail | undefined;
  readonly version: number;
  /** performance.now() when it was read from the database. */
  readonly storedAt: number;
  /** The invalidation epoch it was read in; an entry of an older epoch may have missed a change. */
  readonly epoch: number;
  /** Where the database stood before it was read (read-your-writes); undefined: not known. */
  readonly position: bigint | undefined;
}

export interface CachedItem {
  readonly detail: ItemDetail;
  readonly ageMs: number;
  readonly position: bigint | undefined;
}

const later = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined || a > b ? a : b);

export const cacheKey = (key: StoreKey, itemCode: string): string => `${key.tenantId}\u0000${key.storeCode}\u0000${itemCode}`;

/**
 * Item details by natural key, bounded in entries and bytes (lru-cache). Every entry carries
 * its row version: an invalidation for version v removes only older versions and leaves a
 * tombstone, so neither a late notification nor a late read (a lagging standby, a read that
 * started before the write) can bring old data back. `flush()` is for when notifications may
 * have been lost (listener reconnected, pool rebuilt): entries stop being fresh but are kept,
 * so they can still answer, flagged stale, while the database is unreachable.
 */
export class ItemCache {
  readonly #lru: LRUCache<string, Entry>;
  #epoch = 0;
  /** Only while changes are heard (the listener is connected) can an entry be fresh. */
  #live = false;

  constructor(settings: ItemCacheSettings) {
    this.#lru = new LRUCache<string, Entry>({
      max: settings.maxEntries,
      maxSize: settings.maxBytes,
      // Strings dominate an ItemDetail; two bytes per UTF-16 unit plus fixed overhead.
      sizeCalculation: (entry, key) =>
        2 * key.length +
        (entry.detail
          ? 2 * (entry.detail.description.length + entry.detail.shortDescription.length + entry.detail.itemCode.length + 64) + 200
          : 64),
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /**
   * A detail no change notification has been missed for; with `readAfter` (a read-your-writes
   * position) only one read after that position (see servesReadAfter).
   */
  fresh(key: StoreKey, itemCode: string, readAfter?: bigint): ItemDetail | undefined {
    const entry = this.#lru.get(cacheKey(key, itemCode));
    if (!this.#live || entry?.detail === undefined || entry.epoch !== this.#epoch) return undefined;
    return readAfter === undefined || servesReadAfter(entry.position, readAfter) ? entry.detail : undefined;
  }

  /** Whatever detail is held, fresh or not, with its age: for answering while the database is unreachable. */
  any(key: StoreKey, itemCode: string, now = performance.now()): CachedItem | undefined {
    const entry = this.#lru.get(cacheKey(key, itemCode));
    return entry?.detail === undefined ? undefined : { detail: entry.detail, ageMs: now - entry.storedAt, position: entry.position };
  }

  /**
   * Stores what the database answered, read in epoch `epoch` at `position` (both taken before
   * the read started): not if a newer version is known, nor if notifications may have been
   * missed since.
   */
  store(detail: ItemDetail, epoch: number, position?: bigint): void {
    const k = cacheKey(detail, detail.itemCode);
    const known = this.#lru.get(k, { updateAgeOnGet: false });
    if (known && known.version > detail.version) return;
    if (known?.detail !== undefined && known.version === detail.version) {
      // The same version: the same data, so what is known of its freshness adds up.
      const merged = { epoch: Math.max(known.epoch, epoch), position: later(known.position, position) };
      if (merged.epoch === known.epoch && merged.position === known.position) return; // nothing to learn
      this.#lru.set(k, { ...known, ...merged, storedAt: performance.now() });
      return;
    }
    // Read in an older epoch, it is kept (for stale answers) but never fresh.
    this.#lru.set(k, { detail, version: detail.version, storedAt: performance.now(), epoch, position });
  }

  /** A change notification: the row is at `version` now (0: deleted). */
  invalidate(key: StoreKey, itemCode: string, version: number): void {
    const k = cacheKey(key, itemCode);
    const known = this.#lru.get(k, { updateAgeOnGet: false });
    if (known && known.version >= version && version !== 0) return; // a late notification
    this.#lru.set(k, {
      detail: undefined,
      version: version === 0 ? (known?.version ?? 0) + 1 : version,
      storedAt: performance.now(),
      epoch: this.#epoch,
      position: undefined,
    });
  }

  /** Notifications may have been lost: nothing held is fresh any more. */
  flush(): void {
    this.#epoch += 1;
  }

  /** Changes are heard (again) from now on: what is read from now on may be fresh. */
  resume(): void {
    this.flush();
    this.#live = true;
  }

  /** Changes are not heard (the listener lost its connection): nothing is fresh until `resume`. */
  pause(): void {
    this.flush();
    this.#live = false;
  }

  /** The epoch to pass to `store` for a read that starts now. */
  get epoch(): number {
    return this.#epoch;
  }
}
