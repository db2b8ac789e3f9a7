import { describe, expect, it } from 'vitest';
import type { HostReport, HostTarget } from './probeHost.ts';
import { ReplicaSet, type HostStatus } from './ReplicaSet.ts';

const target = (name: string): HostTarget => ({ host: { host: name, port: 5432 }, label: `${name}:5432`, config: {} });
const TARGETS = [target('a'), target('b'), target('c')];

/** A fake cluster: what each host answers to the next probe. */
function cluster(initial: Record<string, HostReport>) {
  const reports = { ...initial };
  const clock = { now: 0 };
  const set = new ReplicaSet(TARGETS, (t) => t.host.host, {
    maxLagMs: 1_000,
    intervalMs: 60_000,
    now: () => clock.now,
    probe: (t) => Promise.resolve(reports[t.host.host] ?? { state: 'unreachable', error: new Error('down') }),
  });
  const changes: HostStatus[] = [];
  set.events.on('changed', (s) => changes.push(s));
  return { set, reports, changes, clock };
}

const picks = (set: ReplicaSet<string>, n: number) => Array.from({ length: n }, () => set.pick()?.member);

describe('ReplicaSet', () => {
  it('spreads plain reads over the standbys that have caught up, never the writer', async () => {
    const { set } = cluster({
      a: { state: 'writable', lsn: 1000n },
      b: { state: 'read-only', lsn: 1000n, replayAgeMs: 60_000 },
      c: { state: 'read-only', lsn: 1000n, replayAgeMs: null },
    });
    await set.probe();
    expect(new Set(picks(set, 6))).toEqual(new Set(['b', 'c']));
    expect(set.statuses.map((s) => [s.host, s.role, s.lagMs, s.exclusion])).toEqual([
      ['a:5432', 'writer', 0, 'writer'],
      ['b:5432', 'standby', 0, undefined],
      ['c:5432', 'standby', 0, undefined],
    ]);
  });

  it('excludes a standby that falls behind by more than the lag bound, and takes it back once it catches up', async () => {
    const { set, reports, changes, clock } = cluster({
      a: { state: 'writable', lsn: 1000n },
      b: { state: 'read-only', lsn: 1000n, replayAgeMs: 10 },
      c: { state: 'read-only', lsn: 1000n, replayAgeMs: 10 },
    });
    await set.probe();
    // Replay paused on b: the writer moves on, b's last replayed transaction grows old.
    reports.a = { state: 'writable', lsn: 5000n };
    reports.b = { state: 'read-only', lsn: 1000n, replayAgeMs: 4_000 };
    reports.c = { state: 'read-only', lsn: 5000n, replayAgeMs: 5 };
    clock.now += 2_000;
    await set.probe();
    // Had everything of the first round, 2 s ago: at most 2 s stale, over the 1 s bound.
    clock.now += 2_000;
    await set.probe();
    expect(set.statuses[1]).toMatchObject({ exclusion: 'lagging' });
    expect(new Set(picks(set, 4))).toEqual(new Set(['c']));
    reports.b = { state: 'read-only', lsn: 5000n, replayAgeMs: 3 };
    await set.probe();
    expect(new Set(picks(set, 4))).toEqual(new Set(['b', 'c']));
    expect(changes.filter((c) => c.host === 'b:5432').map((c) => c.exclusion)).toEqual([undefined, 'lagging', undefined]);
    expect(clock.now).toBe(4_000);
  });

  it('does not mistake an idle system for lag: a few bytes behind now, caught up a round ago', async () => {
    const { set, reports, clock } = cluster({
      a: { state: 'writable', lsn: 1000n },
      b: { state: 'read-only', lsn: 1000n, replayAgeMs: 3_600_000 },
    });
    await set.probe();
    clock.now += 500;
    // The writer wrote WAL that is no transaction (a checkpoint); the last replayed commit is an hour old.
    reports.a = { state: 'writable', lsn: 1100n };
    await set.probe();
    expect(set.statuses[1]?.exclusion).toBeUndefined();
    expect(set.statuses[1]?.lagMs).toBeLessThan(1_000);
  });

  it('answers undefined when no standby is eligible (reads go to the writer), and a failed call excludes a host until the next probe', async () => {
    const { set } = cluster({ a: { state: 'writable', lsn: 1n }, b: { state: 'read-only', lsn: 1n, replayAgeMs: 1 } });
    await set.probe();
    expect(set.pick()?.member).toBe('b');
    set.suspect('b:5432');
    expect(set.pick()).toBeUndefined();
    expect(set.statuses[1]?.exclusion).toBe('failed-call');
    await set.probe();
    expect(set.pick()?.member).toBe('b');
    expect(set.statuses[2]).toMatchObject({ role: 'unreachable', exclusion: 'unreachable' });
  });

  it('keeps standbys serving while no writer answers (a failover): they are the only place a read can succeed', async () => {
    const { set, reports, clock } = cluster({ a: { state: 'writable', lsn: 10n }, b: { state: 'read-only', lsn: 10n, replayAgeMs: 1 } });
    await set.probe();
    reports.a = { state: 'unreachable', error: new Error('frozen') };
    reports.b = { state: 'read-only', lsn: 10n, replayAgeMs: 30_000 };
    clock.now += 30_000;
    await set.probe();
    expect(set.pick()?.member).toBe('b');
  });

  it('with includeWriter (target_session_attrs=any) the writer serves reads too', async () => {
    const set = new ReplicaSet([target('a'), target('b')], (t) => t.host.host, {
      maxLagMs: 1_000,
      intervalMs: 60_000,
      includeWriter: true,
      probe: (t) => Promise.resolve(t.host.host === 'a' ? { state: 'writable', lsn: 1n } : { state: 'read-only', lsn: 1n, replayAgeMs: 1 }),
    });
    await set.probe();
    expect(new Set(picks(set, 4))).toEqual(new Set(['a', 'b']));
  });

  it('with standbys only, measures them against the writer position it is given, and routes a read-your-writes position only to one that replayed it', async () => {
    let writer = 1000n;
    const reports: Record<string, HostReport> = {
      b: { state: 'read-only', lsn: 1000n, replayAgeMs: null },
      c: { state: 'read-only', lsn: 900n, replayAgeMs: null },
    };
    const clock = { now: 0 };
    const set = new ReplicaSet([target('b'), target('c')], (t) => t.host.host, {
      maxLagMs: 1_000,
      intervalMs: 60_000,
      now: () => clock.now,
      probe: (t) => Promise.resolve(reports[t.host.host] ?? { state: 'unreachable', error: new Error('down') }),
      writerPosition: () => Promise.resolve(writer),
    });
    await set.probe();
    // b has all the writer has (an idle writer: no replay timestamp needed); c's lag is not known yet.
    expect(set.statuses.map((s) => [s.host, s.lagMs, s.exclusion])).toEqual([
      ['b:5432', 0, undefined],
      ['c:5432', undefined, 'lagging'],
    ]);
    writer = 1100n;
    reports.c = { state: 'read-only', lsn: 1000n, replayAgeMs: null };
    clock.now = 500;
    await set.probe(); // c now has what the writer had last round
    expect(set.statuses.map((s) => s.exclusion)).toEqual([undefined, undefined]);
    expect(new Set(picks(set, 4))).toEqual(new Set(['b', 'c']));
    expect(set.pick(1001n)).toBeUndefined(); // nobody has replayed it: the writer serves it
    reports.b = { state: 'read-only', lsn: 1100n, replayAgeMs: null };
    await set.probe();
    expect(new Set(Array.from({ length: 4 }, () => set.pick(1100n)?.member))).toEqual(new Set(['b']));
  });
});
