import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../harness/runLoad.ts';
import type { DrillResult } from '../../harness/failover/runDrill.ts';
import { renderTimelineSvg } from './renderTimeline.ts';
import { summarizeDrill } from './summarizeDrill.ts';

const call = (start: number, latencyMs: number, code = Status.OK, op: 'read' | 'write' = 'read'): CallRecord => ({
  op,
  start,
  latencyMs,
  code,
});

function result(records: CallRecord[]): DrillResult {
  return {
    records,
    events: [
      { at: 1_000, name: 'swap: primary killed' },
      { at: 1_200, name: 'new primary accepts connections' },
    ],
    incidentAt: 1_000,
    recoveredAt: 1_200,
    rebuilds: { read: 1, write: 1 },
    failedReads: 0,
    failedWrites: 0,
    ackedWrites: 1,
    lostWrites: 0,
    duplicatedWrites: 0,
    firstWriteAfterRecoveryMs: 30,
    maxLatencyMs: 500,
    maxLoopDelayMs: 20,
    logs: [],
  };
}

describe('summarizeDrill', () => {
  it('splits latency into before, during (until a second after recovery) and after, and times the errors', () => {
    const s = summarizeDrill(
      result([
        call(100, 2),
        call(500, 4),
        call(1_050, 300),
        call(1_100, 40, Status.UNAVAILABLE),
        call(2_500, 3),
        call(9_000, 5, Status.OK, 'write'),
      ]),
    );
    expect(s.requests).toBe(6);
    expect(s.errorsByStatus).toEqual({ UNAVAILABLE: 1 });
    expect(s.before.p50).toBe(4);
    expect(s.during.p99).toBe(300);
    expect(s.after.p50).toBe(5);
    expect(s.errorsStoppedAfterMs).toBe(140);
    expect(s.rebuilds).toBe(2);
  });

  it('says "still failing" when calls fail in the last second', () => {
    const s = summarizeDrill(result([call(100, 2), call(1_100, 5, Status.UNAVAILABLE), call(5_000, 5, Status.UNAVAILABLE)]));
    expect(s.errorsStoppedAfterMs).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('renderTimelineSvg', () => {
  it('draws one dot per call, errors in red, and marks the incident', () => {
    const svg = renderTimelineSvg([['resilient <swap>', result([call(100, 2), call(1_100, 5, Status.UNAVAILABLE)])]], 3_000);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('fill="#d62728"');
    expect(svg).toContain('swap: primary killed');
    expect(svg).toContain('resilient &lt;swap&gt;');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});
