import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CallBudget } from '@pos-masterdata/resilient-prisma';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import type { StoreKey } from './ItemRepository.ts';
import { LookupBatcher } from './LookupBatcher.ts';

const S1: StoreKey = { tenantId: 't', storeCode: 'S1' };
const S2: StoreKey = { tenantId: 't', storeCode: 'S2' };
const KNOWN = new Set(['a', 'b', 'c']);

function budget(ms = 1_000, controller = new AbortController()): CallBudget & { controller: AbortController } {
  return { deadline: performance.now() + ms, signal: controller.signal, controller };
}

/** A loader that records each query and answers after `delayMs`, or never when the budget aborts. */
function fakeLoader(delayMs = 5) {
  const queries: { key: StoreKey; codes: string[]; sentWith: number; deadline: () => number; signal: AbortSignal }[] = [];
  const load = async (key: StoreKey, codes: readonly string[], b: CallBudget) => {
    queries.push({ key, codes: [...codes].sort(), sentWith: b.deadline, deadline: () => b.deadline, signal: b.signal });
    await sleep(delayMs, undefined, { signal: b.signal });
    return new Map(codes.filter((c) => KNOWN.has(c)).map((c) => [c, { itemCode: c, storeCode: key.storeCode } as ItemDetail]));
  };
  return { queries, load };
}

/** A query in flight for another store: the batcher is busy, so calls wait for the tick. */
const busy = (batcher: LookupBatcher) => batcher.load(S2, ['z'], budget()).catch(() => undefined);

describe('LookupBatcher', () => {
  it('sends a lone call on an idle batcher at once, without waiting for the tick', () => {
    const { queries, load } = fakeLoader();
    const batcher = new LookupBatcher(load);
    const mine = budget();
    void batcher.load(S1, ['a', 'b'], mine);
    expect(queries.map((q) => q.codes)).toEqual([['a', 'b']]);
    expect(queries[0]?.sentWith).toBe(mine.deadline);
  });

  it('answers the calls of one tick for one store with one query while busy, each with exactly its own codes', async () => {
    const { queries, load } = fakeLoader();
    const batcher = new LookupBatcher(load);
    const first = batcher.load(S1, ['z'], budget());
    const asks = [['a'], ['b', 'x'], ['a', 'c'], ['y'], ['c']];
    const answers = await Promise.all(asks.map((codes) => batcher.load(S1, codes, budget())));
    await first;
    expect(queries.map((q) => q.codes)).toEqual([['z'], ['a', 'b', 'c', 'x', 'y']]);
    expect(answers.map((m) => [...m.keys()].sort())).toEqual([['a'], ['b'], ['a', 'c'], [], ['c']]);
  });

  it('keeps stores apart', async () => {
    const { queries, load } = fakeLoader();
    const batcher = new LookupBatcher(load);
    const [one, two] = await Promise.all([batcher.load(S1, ['a'], budget()), batcher.load(S2, ['a'], budget())]);
    expect(queries.map((q) => q.key.storeCode).sort()).toEqual(['S1', 'S2']);
    expect(one.get('a')?.storeCode).toBe('S1');
    expect(two.get('a')?.storeCode).toBe('S2');
  });

  it('lets a call for a code already being read join that query, and asks for the rest anew', async () => {
    const { queries, load } = fakeLoader(30);
    const batcher = new LookupBatcher(load);
    const first = batcher.load(S1, ['a'], budget());
    await sleep(10);
    const second = await batcher.load(S1, ['a', 'b'], budget());
    expect((await first).has('a')).toBe(true);
    expect([...second.keys()].sort()).toEqual(['a', 'b']);
    expect(queries.map((q) => q.codes)).toEqual([['a'], ['b']]);
  });

  it('while the database turns new calls away, sends a call for a code already being read a query of its own', async () => {
    const { queries, load } = fakeLoader(30);
    let admitting = true;
    const batcher = new LookupBatcher(load, { admitting: () => admitting });
    const first = batcher.load(S1, ['a'], budget());
    admitting = false;
    await sleep(10);
    await batcher.load(S1, ['a'], budget());
    await first;
    expect(queries.map((q) => q.codes)).toEqual([['a'], ['a']]);
  });

  it('gives the shared query the latest deadline of its callers', async () => {
    const { queries, load } = fakeLoader();
    const batcher = new LookupBatcher(load);
    const short = budget(100);
    const long = budget(900);
    await Promise.all([batcher.load(S1, ['z'], budget()), batcher.load(S1, ['a'], short), batcher.load(S1, ['b'], long)]);
    expect(queries[1]?.sentWith).toBe(long.deadline);
  });

  it('lets a caller leave at its own abort while the others get their answer, and aborts the query once all have gone', async () => {
    const { queries, load } = fakeLoader(50);
    const batcher = new LookupBatcher(load);
    const leaving = budget();
    const staying = budget();
    void busy(batcher);
    const left = batcher.load(S1, ['a'], leaving);
    const stays = batcher.load(S1, ['b'], staying);
    await sleep(10);
    leaving.controller.abort(new Error('deadline'));
    await expect(left).rejects.toThrow('deadline');
    expect(queries[1]?.codes).toEqual(['a', 'b']);
    expect(queries[1]?.signal.aborted).toBe(false);
    expect((await stays).has('b')).toBe(true);

    const alone = budget();
    const gone = batcher.load(S1, ['c'], alone);
    await sleep(10);
    alone.controller.abort(new Error('cancelled'));
    await expect(gone).rejects.toThrow('cancelled');
    expect(queries[2]?.signal.aborted).toBe(true);
  });

  it('never sends a batch whose callers all left before the tick ended, and starts a fresh one for newcomers', async () => {
    const { queries, load } = fakeLoader();
    const batcher = new LookupBatcher(load);
    const gone = budget();
    void busy(batcher);
    const left = batcher.load(S1, ['a'], gone);
    gone.controller.abort(new Error('cancelled'));
    const later = batcher.load(S1, ['b'], budget());
    await expect(left).rejects.toThrow('cancelled');
    expect([...(await later).keys()]).toEqual(['b']);
    expect(queries.map((q) => q.codes)).toEqual([['z'], ['b']]);
  });

  it('fails every caller of a failed query with its error, and reports the query', async () => {
    const batcher = new LookupBatcher(() => Promise.reject(new Error('connection lost')));
    const reports: { callers: number; ok: boolean }[] = [];
    batcher.events.on('query', (q) => reports.push(q));
    void busy(batcher);
    const results = await Promise.allSettled([batcher.load(S1, ['a'], budget()), batcher.load(S1, ['b'], budget())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(reports).toEqual([
      { callers: 1, codes: 1, ok: false },
      { callers: 2, codes: 2, ok: false },
    ]);
  });
});
