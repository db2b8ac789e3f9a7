import { describe, expect, it } from 'vitest';
import { summarizeSoak } from './summarizeSoak.ts';
import type { SoakCall } from './soakTypes.ts';

const call = (id: number, outcome: SoakCall['outcome'], error?: string): SoakCall => ({
  id,
  worker: 0,
  op: 'read',
  key: 'k',
  start: id * 10,
  end: id * 10 + 5,
  outcome,
  ...(error === undefined ? {} : { error }),
});

describe('summarizeSoak', () => {
  it("counts against a fault the calls it cost, not your service's refusals by design (a conflict)", () => {
    const conflict = { ...call(2, 'failed', '10 item "a" was changed by another request'), byDesign: true };
    const run = { step: { index: 0, at: 0, fault: 'swap', holdMs: 0, overlapping: false }, startedAt: 0, endedAt: 100 };
    const report = summarizeSoak(
      { seed: 1, durationMs: 1_000, ceiling: undefined },
      [run],
      [call(1, 'ok'), conflict, call(3, 'failed', '14 lost')],
      [],
      new Map(),
      [],
    );
    expect(report.faults[0]).toMatchObject({ failedCalls: 1, firstSuccessMs: 15 });
  });

  it('counts the calls not ok by their answer, most first, the durations grpc-js writes into a deadline and the keys in quotes as one', () => {
    const report = summarizeSoak(
      { seed: 1, durationMs: 1_000, ceiling: undefined },
      [],
      [
        call(1, 'ok'),
        call(2, 'failed', '14 the database is unavailable; retry shortly'),
        call(5, 'failed', '10 item "a" was changed by another request at the same time; retry'),
        call(6, 'failed', '10 item "b" was changed by another request at the same time; retry'),
        call(3, 'unknown', '4 Deadline exceeded after 3.002s,LB pick: 0.000s'),
        call(4, 'unknown', '4 Deadline exceeded after 3.015s,LB pick: 0.001s'),
      ],
      [],
      new Map(),
      [],
    );
    expect(report.outcomes).toEqual({ ok: 1, failed: 3, unknown: 2 });
    expect(Object.entries(report.failures)).toEqual([
      ['10 item "…" was changed by another request at the same time; retry', 2],
      ['4 Deadline exceeded after Ns,LB pick: Ns', 2],
      ['14 the database is unavailable; retry shortly', 1],
    ]);
  });
});
