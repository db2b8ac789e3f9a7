import { failedForAFault, longestWithoutOk } from './checkAvailability.ts';
import type { SoakOptions } from './runSoak.ts';
import type { SoakCall, SoakState, SoakStep, Violation } from './soakTypes.ts';

/** One fault as it ran. */
export interface FaultRun {
  readonly step: SoakStep;
  /** ms after the soak's start */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The fault could not be injected (the harness's problem, not the service's). */
  readonly error?: string;
  /** From its start to the end of the first call started after it that succeeded. */
  readonly firstSuccessMs: number | undefined;
  /** Calls started while it ran (or within 2 s of its end) that did not succeed, refusals by design aside. */
  readonly failedCalls: number;
}

export interface SoakReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: readonly FaultRun[];
  readonly faultsByKind: Readonly<Record<string, number>>;
  readonly calls: readonly SoakCall[];
  readonly outcomes: { readonly ok: number; readonly failed: number; readonly unknown: number };
  /** Calls not ok, by what answered them (durations in the text as `N`), most first. */
  readonly failures: Readonly<Record<string, number>>;
  /** Writes whose outcome the caller could not know, and how many of them the database holds. */
  readonly unknownWrites: { readonly total: number; readonly stored: number };
  readonly connections: readonly { readonly at: number; readonly count: number }[];
  readonly peakConnections: number | undefined;
  /** The longest the service answered no call OK, and from when (ms after the soak's start). */
  readonly longestWithoutOk: { readonly from: number; readonly ms: number };
  readonly ceiling: number | undefined;
  readonly violations: readonly Violation[];
}

/** The report of a soak: the faults as they ran, with what each cost, the outcomes and the violations. */
export function summarizeSoak(
  options: Pick<SoakOptions, 'seed' | 'durationMs' | 'ceiling'>,
  runs: readonly Omit<FaultRun, 'firstSuccessMs' | 'failedCalls'>[],
  calls: readonly SoakCall[],
  samples: readonly { at: number; count: number }[],
  after: SoakState,
  violations: readonly Violation[],
): SoakReport {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const faults = [...runs]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((run) => {
      const first = sorted.find((c) => c.start >= run.startedAt && c.outcome === 'ok');
      const failedCalls = sorted.filter((c) => c.start >= run.startedAt && c.start <= run.endedAt + 2_000 && failedForAFault(c)).length;
      return { ...run, firstSuccessMs: first === undefined ? undefined : first.end - run.startedAt, failedCalls };
    });
  const faultsByKind: Record<string, number> = {};
  for (const f of faults) faultsByKind[f.step.fault] = (faultsByKind[f.step.fault] ?? 0) + 1;
  const unknown = calls.filter((c) => c.op === 'write' && c.outcome === 'unknown');
  const failures = new Map<string, number>();
  for (const c of calls) {
    if (c.outcome === 'ok') continue;
    // grpc-js writes the time a deadline took into its message, a service the key it refused in
    // quotes: one line for them all.
    const key = (c.error ?? 'no reason').replace(/\d+(\.\d+)?(?=m?s\b)/g, 'N').replace(/"[^"]*"/g, '"…"');
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
  const peak = samples.length === 0 ? undefined : samples.reduce((most, s) => Math.max(most, s.count), 0);
  return {
    seed: options.seed,
    durationMs: options.durationMs,
    faults,
    faultsByKind,
    calls,
    outcomes: {
      ok: calls.filter((c) => c.outcome === 'ok').length,
      failed: calls.filter((c) => c.outcome === 'failed').length,
      unknown: calls.filter((c) => c.outcome === 'unknown').length,
    },
    failures: Object.fromEntries([...failures].sort((a, b) => b[1] - a[1])),
    unknownWrites: {
      total: unknown.length,
      stored: unknown.filter((c) => c.writeId !== undefined && after.get(c.key)?.writes.has(c.writeId) === true).length,
    },
    connections: samples,
    peakConnections: peak,
    longestWithoutOk: longestWithoutOk(calls),
    ceiling: options.ceiling,
    violations,
  };
}
