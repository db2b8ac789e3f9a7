import { describe, expect, it } from 'vitest';
import { checkSoak } from './checkSoak.ts';
import type { SoakCall, SoakState } from './soakTypes.ts';

// The checker on small hand-made histories: each rule once broken, and a clean history passing.

let id = 0;
const write = (key: string, writeId: string, start: number, end: number, outcome: SoakCall['outcome'], version?: number): SoakCall => ({
  id: id++,
  worker: 0,
  op: 'write',
  key,
  writeId,
  start,
  end,
  outcome,
  ...(version === undefined ? {} : { version }),
});
const read = (key: string, start: number, end: number, version: number, readAfter?: { writeId: string; version: number }): SoakCall => ({
  id: id++,
  worker: 1,
  op: 'read',
  key,
  start,
  end,
  outcome: 'ok',
  version,
  ...(readAfter ? { readAfter } : {}),
});
const state = (entries: Record<string, [number, Record<string, number>]>): SoakState =>
  new Map(Object.entries(entries).map(([k, [version, writes]]) => [k, { version, writes: new Map(Object.entries(writes)) }]));
const before = state({ a: [1, {}], b: [1, {}] });

describe('checkSoak', () => {
  it('passes a history the database agrees with, unknown outcomes either way', () => {
    const calls = [
      write('a', 'w1', 0, 10, 'ok', 2),
      write('a', 'w2', 20, 30, 'unknown'),
      write('b', 'w3', 0, 5, 'failed'),
      read('a', 40, 45, 3),
    ];
    expect(checkSoak({ calls, before, after: state({ a: [3, { w1: 2, w2: 3 }], b: [1, {}] }) })).toEqual([]);
  });

  it('finds an acknowledged write missing, and a failed one stored', () => {
    const calls = [write('a', 'w1', 0, 10, 'ok', 2), write('b', 'w2', 0, 10, 'failed')];
    const kinds = checkSoak({ calls, before, after: state({ a: [1, {}], b: [2, { w2: 2 }] }) }).map((v) => v.kind);
    expect(kinds).toContain('lost');
    expect(kinds).toContain('failed-but-committed');
  });

  it('finds a write applied twice (the version went up by more than the writes stored)', () => {
    const calls = [write('a', 'w1', 0, 10, 'ok', 3)];
    expect(checkSoak({ calls, before, after: state({ a: [3, { w1: 3 }], b: [1, {}] }) }).map((v) => v.kind)).toEqual(['applied-twice']);
  });

  it('finds a version going back in real time, and a token read that missed its write', () => {
    const calls = [
      write('a', 'w1', 0, 10, 'ok', 2),
      write('a', 'w2', 20, 30, 'ok', 3),
      read('a', 40, 45, 2, { writeId: 'w1', version: 2 }),
    ];
    const violations = checkSoak({ calls, before, after: state({ a: [3, { w1: 2, w2: 3 }], b: [1, {}] }) });
    expect(violations.map((v) => v.kind)).toEqual(['went-back']);
    const stale = [write('a', 'w1', 0, 10, 'ok', 2), read('a', 40, 45, 1, { writeId: 'w1', version: 2 })];
    expect(checkSoak({ calls: stale, before, after: state({ a: [2, { w1: 2 }], b: [1, {}] }) }).map((v) => v.kind)).toEqual([
      'went-back',
      'stale-token-read',
    ]);
  });

  it('holds plain reads to nothing (a standby may lag), and concurrent calls to no order', () => {
    const calls = [
      write('a', 'w1', 0, 10, 'ok', 2),
      read('a', 20, 25, 1),
      write('a', 'w2', 5, 30, 'ok', 3),
      read('a', 6, 8, 2, { writeId: 'w1', version: 2 }),
    ];
    expect(checkSoak({ calls, before, after: state({ a: [3, { w1: 2, w2: 3 }], b: [1, {}] }) })).toEqual([]);
  });

  it('finds connections over the ceiling', () => {
    const connections = [
      { at: 1, count: 5 },
      { at: 2, count: 8 },
    ];
    expect(checkSoak({ calls: [], before, after: before, connections, ceiling: 7 }).map((v) => v.kind)).toEqual(['over-ceiling']);
  });
});
