import { status as Status } from '@grpc/grpc-js';
import { percentiles } from '../../bench/stats.ts';
import type { DrillResult } from '../../harness/failover/runDrill.ts';

export interface DrillSummary {
  readonly requests: number;
  readonly errorsByStatus: Record<string, number>;
  readonly before: { p50: number; p99: number };
  readonly during: { p50: number; p99: number };
  readonly after: { p50: number; p99: number };
  /** ms from the incident until the last failed call ended; 0 when none failed; Infinity when still failing at the end. */
  readonly errorsStoppedAfterMs: number;
  readonly firstWriteAfterRecoveryMs: number;
  readonly rebuilds: number;
  readonly lostWrites: number;
  readonly duplicatedWrites: number;
}

/** The drill's numbers: "during" is from the incident until a second after the new primary took connections. */
export function summarizeDrill(r: DrillResult): DrillSummary {
  const duringEnd = r.recoveredAt + 1_000;
  const window = (from: number, to: number) => {
    const p = percentiles(r.records.filter((x) => x.start >= from && x.start < to).map((x) => x.latencyMs));
    return { p50: p.p50, p99: p.p99 };
  };
  const errorsByStatus: Record<string, number> = {};
  for (const x of r.records) if (x.code !== Status.OK) errorsByStatus[Status[x.code]] = (errorsByStatus[Status[x.code]] ?? 0) + 1;
  const failures = r.records.filter((x) => x.code !== Status.OK && x.start >= r.incidentAt);
  const end = Math.max(...r.records.map((x) => x.start));
  const lastFailure = Math.max(r.incidentAt, ...failures.map((x) => x.start + x.latencyMs));
  const stillFailing = failures.some((x) => x.start > end - 1_000);
  return {
    requests: r.records.length,
    errorsByStatus,
    before: window(Number.NEGATIVE_INFINITY, r.incidentAt),
    during: window(r.incidentAt, duringEnd),
    after: window(duringEnd, Number.POSITIVE_INFINITY),
    errorsStoppedAfterMs: stillFailing ? Number.POSITIVE_INFINITY : lastFailure - r.incidentAt,
    firstWriteAfterRecoveryMs: r.firstWriteAfterRecoveryMs,
    rebuilds: r.rebuilds.read + r.rebuilds.write,
    lostWrites: r.lostWrites,
    duplicatedWrites: r.duplicatedWrites,
  };
}
