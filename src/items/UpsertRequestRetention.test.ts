import { describe, expect, it } from 'vitest';
import type { CallBudget } from '@pos-masterdata/resilient-prisma';
import type { UpsertRequestRepository } from './UpsertRequestRepository.ts';
import { UpsertRequestRetention } from './UpsertRequestRetention.ts';

/** A repository holding `rows` old records, and a record of every DELETE it was asked for. */
function fakeUpserts(rows: number) {
  const deletes: { cutoff: Date; limit: number }[] = [];
  let left = rows;
  const upserts = {
    deleteOlderThan: (cutoff: Date, limit: number) => {
      deletes.push({ cutoff, limit });
      const n = Math.min(left, limit);
      left -= n;
      return Promise.resolve(n);
    },
  } as unknown as UpsertRequestRepository;
  return { upserts, deletes };
}

const write = <T>(_budget: CallBudget, work: () => Promise<T>) => work();

describe('UpsertRequestRetention', () => {
  it('deletes in batches of batchSize until one comes back short, with one cutoff for the sweep', async () => {
    const { upserts, deletes } = fakeUpserts(1_200);
    const retention = new UpsertRequestRetention({ retentionMs: 7 * 86_400_000, checkEveryMs: 60_000, upserts, write, batchSize: 500 });
    const before = Date.now();
    expect(await retention.sweep()).toBe(1_200);
    expect(deletes.map((d) => d.limit)).toEqual([500, 500, 500]);
    expect(new Set(deletes.map((d) => d.cutoff.getTime())).size).toBe(1);
    expect(deletes[0]?.cutoff.getTime()).toBeLessThanOrEqual(before - 7 * 86_400_000 + 1_000);
  });

  it('reports a sweep the database stopped, with what it deleted so far', async () => {
    let calls = 0;
    const failing = <T>(_budget: CallBudget, work: () => Promise<T>) =>
      ++calls === 2 ? Promise.reject(new Error('database down')) : work();
    const { upserts } = fakeUpserts(1_200);
    const retention = new UpsertRequestRetention({ retentionMs: 1, checkEveryMs: 60_000, upserts, write: failing, batchSize: 500 });
    const reports: { deleted: number; error?: unknown }[] = [];
    retention.events.on('swept', (e) => reports.push(e));
    await retention.sweep();
    expect(reports).toMatchObject([{ deleted: 500, error: new Error('database down') }]);
  });

  it('never sweeps with retention 0', async () => {
    const { upserts, deletes } = fakeUpserts(10);
    const retention = new UpsertRequestRetention({ retentionMs: 0, checkEveryMs: 1_000, upserts, write });
    retention.start();
    await retention.stop();
    expect(deletes).toEqual([]);
  });
});
