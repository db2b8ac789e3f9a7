import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from './FailoverCluster.ts';
import { runDrill } from './runDrill.ts';

describe('runDrill', () => {
  it("records every call of the user's own on the cluster's clock, and the failures around the incident", async () => {
    const origin = performance.now();
    const events: ClusterEvent[] = [];
    let down = false;
    const report = await runDrill({
      cluster: { origin, events },
      incident: async () => {
        events.push({ at: performance.now() - origin, name: 'swap' });
        down = true;
        await new Promise((resolve) => setTimeout(resolve, 100));
        down = false;
      },
      call: () =>
        down ? Promise.reject(Object.assign(new Error('x'), { details: 'the database is unavailable' })) : Promise.resolve('ok'),
      concurrency: 2,
      beforeMs: 100,
      afterMs: 100,
      pauseMs: 5,
    });
    expect(report.calls).toBe(report.records.length);
    expect(report.calls).toBeGreaterThan(20);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failures).toEqual({ 'the database is unavailable': report.failed });
    expect(report.events.map((e) => e.name)).toEqual(['swap']);
    // The failures are the calls that started during the incident, none before it.
    expect(report.records.filter((r) => r.error !== undefined).every((r) => r.start + r.latencyMs >= report.incidentAt)).toBe(true);
  });

  it('drives anything without a clock of its own (a PostgresCluster, a TcpProxy): times from the drill, the incident as its events', async () => {
    let down = false;
    const report = await runDrill({
      incident: async () => {
        down = true;
        await new Promise((resolve) => setTimeout(resolve, 50));
        down = false;
      },
      call: () => (down ? Promise.reject(new Error('down')) : Promise.resolve('ok')),
      concurrency: 2,
      beforeMs: 50,
      afterMs: 50,
    });
    expect(report.events.map((e) => e.name)).toEqual(['incident started', 'incident returned']);
    expect(report.events[0]?.at).toBe(report.incidentAt);
    expect(report.failed).toBeGreaterThan(0);
    expect(Math.min(...report.records.map((r) => r.start))).toBeGreaterThanOrEqual(0);
  });
});
