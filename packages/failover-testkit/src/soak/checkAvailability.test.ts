import { describe, expect, it } from 'vitest';
import { checkAvailability, longestWithoutOk } from './checkAvailability.ts';
import type { SoakCall } from './soakTypes.ts';

// A service can fail no write wrongly and still be down: these rules are what catch it.

const calls = (from: number, to: number, outcome: SoakCall['outcome'], error?: string, byDesign?: true): SoakCall[] =>
  Array.from({ length: (to - from) / 100 }, (_, i) => ({
    id: from + i,
    worker: 0,
    op: 'read' as const,
    key: 'k',
    start: from + i * 100,
    end: from + i * 100 + 50,
    outcome,
    ...(error === undefined ? {} : { error }),
    ...(byDesign ? { byDesign } : {}),
  }));
const rules = { faults: [{ startedAt: 1_000, endedAt: 2_000 }], recoveryMs: 10_000, maxOutageMs: 30_000 };

describe('checkAvailability', () => {
  it('passes a service that failed during the fault and served again after it', () => {
    const history = [...calls(0, 1_000, 'ok'), ...calls(1_000, 3_000, 'failed', '14 unavailable'), ...calls(3_000, 20_000, 'ok')];
    expect(checkAvailability(history, rules)).toEqual([]);
    expect(longestWithoutOk(history)).toEqual({ from: 950, ms: 2_100 });
  });

  it('finds a service that stopped serving for good (a pooler that crashed): an outage, and no recovery', () => {
    const history = [...calls(0, 1_000, 'ok'), ...calls(1_000, 45_000, 'failed', '14 unavailable')];
    expect(checkAvailability(history, rules).map((v) => v.kind)).toEqual(['outage', 'not-recovered']);
  });

  it('holds no refusal by design against the recovery (two writers of one item: a conflict, with or without faults)', () => {
    const history = [...calls(0, 12_500, 'ok'), ...calls(12_500, 13_000, 'failed', '10 item "a" was changed by another request', true)];
    expect(checkAvailability(history, rules)).toEqual([]);
  });

  it('finds calls still failing long after the last fault, and a soak too short to show a recovery', () => {
    const failing = [...calls(0, 12_500, 'ok'), ...calls(12_500, 13_000, 'failed', '14 the database is down')];
    expect(checkAvailability(failing, rules)).toMatchObject([{ kind: 'not-recovered', message: /5 of 10 calls .*the database is down/ }]);
    expect(checkAvailability(calls(0, 5_000, 'ok'), rules)).toMatchObject([{ kind: 'not-recovered', message: /settle longer/ }]);
  });
});
