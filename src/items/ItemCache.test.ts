import { describe, expect, it } from 'vitest';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import { itemFields } from '../../harness/itemFields.ts';
import { ItemCache } from './ItemCache.ts';

const KEY = { tenantId: 't', storeCode: 's' };
const detail = (version: number, description = `v${version}`): ItemDetail => ({
  tenantId: 't',
  storeCode: 's',
  itemCode: 'i',
  ...itemFields({ description, shortDescription: 'X' }),
  version,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const live = () => {
  const cache = new ItemCache({ maxEntries: 100, maxBytes: 1_000_000 });
  cache.resume();
  return cache;
};

describe('ItemCache', () => {
  it('answers nothing fresh until changes are heard (resume), and nothing after they stop being heard (pause)', () => {
    const cache = new ItemCache({ maxEntries: 100, maxBytes: 1_000_000 });
    cache.store(detail(1), cache.epoch);
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    cache.resume();
    cache.store(detail(1), cache.epoch);
    expect(cache.fresh(KEY, 'i')?.version).toBe(1);
    cache.pause();
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    expect(cache.any(KEY, 'i')?.detail.version).toBe(1); // still there for stale answers
  });

  it("a write's own result, stored with the epoch taken before the write, is not fresh when the listener was lost meanwhile", () => {
    const cache = live();
    const before = cache.epoch; // the write starts
    cache.pause(); // the listener is lost: changes by others may be missed from here on…
    cache.resume(); // …and it is back, in a new epoch
    cache.store(detail(5), before); // the write commits and remembers its result
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    expect(cache.any(KEY, 'i')?.detail.version).toBe(5); // kept for stale answers only
  });

  it('a late notification never removes a newer entry, and a late read never brings an old version back', () => {
    const cache = live();
    cache.store(detail(3), cache.epoch);
    cache.invalidate(KEY, 'i', 2); // late: the cache already has version 3
    expect(cache.fresh(KEY, 'i')?.version).toBe(3);
    cache.invalidate(KEY, 'i', 4); // the row moved on: a tombstone for version 4
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    cache.store(detail(3), cache.epoch); // a read that started before the write (or a lagging standby)
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    cache.store(detail(4), cache.epoch);
    expect(cache.fresh(KEY, 'i')?.version).toBe(4);
  });

  it('flush: what was read before is no longer fresh, and a read that started before the flush is stored but not fresh', () => {
    const cache = live();
    const before = cache.epoch;
    cache.store(detail(1), before);
    cache.flush();
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    cache.store(detail(1), before);
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    cache.store(detail(1), cache.epoch);
    expect(cache.fresh(KEY, 'i')?.version).toBe(1);
  });

  it('answers a read-your-writes position only with an entry read strictly after it; a later read of the same version raises its position', () => {
    const cache = live();
    cache.store(detail(3), cache.epoch); // a write's own result: read at no known position
    expect(cache.fresh(KEY, 'i')?.version).toBe(3);
    expect(cache.fresh(KEY, 'i', 100n)).toBeUndefined();
    cache.store(detail(3), cache.epoch, 100n);
    expect(cache.fresh(KEY, 'i', 99n)?.version).toBe(3);
    expect(cache.fresh(KEY, 'i', 100n)).toBeUndefined(); // read at exactly the position: may predate it
    cache.store(detail(3), cache.epoch, 150n);
    expect(cache.fresh(KEY, 'i', 100n)?.version).toBe(3);
    cache.store(detail(3), cache.epoch, 120n); // an older read of the same version lowers nothing
    expect(cache.fresh(KEY, 'i', 140n)?.version).toBe(3);
    expect(cache.any(KEY, 'i')?.position).toBe(150n);
  });

  it('a deletion (version 0) removes the entry', () => {
    const cache = live();
    cache.store(detail(2), cache.epoch);
    cache.invalidate(KEY, 'i', 0);
    expect(cache.fresh(KEY, 'i')).toBeUndefined();
    expect(cache.any(KEY, 'i')).toBeUndefined();
  });

  it('is bounded in entries and bytes', () => {
    const cache = new ItemCache({ maxEntries: 10, maxBytes: 5_000 });
    cache.resume();
    for (let v = 1; v <= 100; v++) cache.store({ ...detail(1, 'x'.repeat(200)), itemCode: `i${v}` }, cache.epoch);
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.bytes).toBeLessThanOrEqual(5_000);
  });
});
