import { status as Status } from '@grpc/grpc-js';
import { expect } from 'vitest';
import type { DrillResult } from './runDrill.ts';

/**
 * What every failover scenario must hold, whatever the topology: no failed read, every
 * acknowledged write present exactly once, writes back within 1 s of the new primary accepting
 * them, no call past its deadline. The client's deadline fires on the same event loop as the
 * service in this process: a call is measured past its deadline by at most 100 ms plus the
 * longest stall of that loop, which is the client's lateness, not the service's.
 */
export function expectFailoverHeld(r: DrillResult, deadlineMs: number): void {
  expect(r.records.length).toBeGreaterThan(200);
  expect(r.failedReads).toBe(0);
  expect(r.ackedWrites).toBeGreaterThan(20);
  expect(r.lostWrites).toBe(0);
  expect(r.duplicatedWrites).toBe(0);
  expect(r.firstWriteAfterRecoveryMs).toBeLessThan(1_000);
  expect(r.maxLatencyMs).toBeLessThan(deadlineMs + 100 + r.maxLoopDelayMs);
}

/** One line per scenario in the test output: the numbers, the distinct failures, the cluster's events. */
export function reportDrill(name: string, r: DrillResult): void {
  const seen = new Map<string, number>();
  for (const x of r.records) {
    if (x.code === Status.OK) continue;
    const key = `${x.op} ${Status[x.code]} ${x.details ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const failures =
    seen.size === 0
      ? ''
      : ` failures: ${[...seen]
          .slice(0, 4)
          .map(([k, n]) => `${n}x ${k}`)
          .join(' | ')}`;
  const events = r.events.map((e) => `${Math.round(e.at)}ms ${e.name}`).join('; ');
  console.log(
    `${name}: calls=${r.records.length} failedReads=${r.failedReads} failedWrites=${r.failedWrites} acked=${r.ackedWrites} lost=${r.lostWrites} dup=${r.duplicatedWrites} rebuilds=${JSON.stringify(r.rebuilds)} firstWriteAfterRecovery=${Math.round(r.firstWriteAfterRecoveryMs)}ms maxLatency=${Math.round(r.maxLatencyMs)}ms maxLoopDelay=${Math.round(r.maxLoopDelayMs)}ms${failures} [${events}]`,
  );
}
