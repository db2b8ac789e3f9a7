import { checkSoak } from './checkSoak.ts';
import { drawSchedule, type ScheduleOptions } from './drawSchedule.ts';
import { SoakRandom } from './SoakRandom.ts';
import { summarizeSoak, type FaultRun, type SoakReport } from './summarizeSoak.ts';
import type { SoakCall, SoakFault, SoakWorkload } from './soakTypes.ts';

export interface SoakOptions {
  /** The schedule and every caller's choices come from it: the report prints it, to replay a run. */
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: readonly SoakFault[];
  readonly workload: SoakWorkload;
  /** Callers at once (default 6). */
  readonly concurrency?: number;
  /** Of each caller's calls, the share that writes (default 0.4). */
  readonly writeShare?: number;
  /** Of a caller's reads after a write of its own, the share sent with that write's token (default 0.5). */
  readonly tokenReadShare?: number;
  /** Adds a `burst` fault: this many more callers for its hold. */
  readonly burstConcurrency?: number;
  /** Counts the service's connections on the server (pg_stat_activity), sampled every 250 ms. */
  readonly connections?: () => Promise<number>;
  /** The most connections the service may hold at once: more is a violation. */
  readonly ceiling?: number;
  /** Load after the last fault, before the database is inspected (default `recoveryMs` + 5 s). */
  readonly settleMs?: number;
  /** Once the last fault has been over this long, every call must succeed (default 10 s). */
  readonly recoveryMs?: number;
  /** The longest your service may go without answering any call OK (default 30 s). */
  readonly maxOutageMs?: number;
  readonly schedule?: ScheduleOptions;
  /** Called about once a second with a line of progress. */
  readonly onProgress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A seeded fault soak: your own calls as the workload, a schedule of faults drawn from the seed,
 * the history of every call, and an independent check of it against the database (checkSoak).
 * Run the service under test in a process of its own; the load runs in this one.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const random = new SoakRandom(options.seed);
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const calls: SoakCall[] = [];
  const faults = [...options.faults, ...(options.burstConcurrency ? [burstFault(options, () => now(), calls)] : [])];
  const schedule = drawSchedule(random, faults, options.durationMs, options.schedule);
  const byName = new Map(faults.map((f) => [f.name, f]));
  const before = await options.workload.inspect();
  const stop = new AbortController();
  let nextId = 0;

  const caller = callerLoop(options, random, now, calls, () => nextId++);
  const load = Promise.all(Array.from({ length: options.concurrency ?? 6 }, (_, w) => caller(w, stop.signal)));
  const samples: { at: number; count: number }[] = [];
  const sampling = sample(options, now, samples, stop.signal);
  const progress = setInterval(() => {
    const failed = calls.filter((c) => c.outcome !== 'ok').length;
    options.onProgress?.(
      `${String(Math.round(now() / 1000))} s / ${String(Math.round(options.durationMs / 1000))} s: ${String(calls.length)} calls, ${String(failed)} not ok`,
    );
  }, 1_000);

  const runs: Omit<FaultRun, 'firstSuccessMs' | 'failedCalls'>[] = [];
  const running = new Set<Promise<void>>();
  for (const step of schedule) {
    await sleep(step.at - now());
    if (!step.overlapping) await Promise.all(running);
    const fault = byName.get(step.fault);
    if (fault === undefined) continue;
    const startedAt = now();
    options.onProgress?.(
      `fault #${String(step.index)} ${step.fault} (hold ${String(step.holdMs)} ms) started at ${String(Math.round(startedAt))} ms`,
    );
    const run: Promise<void> = fault.inject(step.holdMs).then(
      () => {
        runs.push({ step, startedAt, endedAt: now() });
        options.onProgress?.(`fault #${String(step.index)} ${step.fault} over after ${String(Math.round(now() - startedAt))} ms`);
      },
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        runs.push({ step, startedAt, endedAt: now(), error: why });
        options.onProgress?.(`fault #${String(step.index)} ${step.fault} could not be injected: ${why}`);
      },
    );
    const tracked = run.finally(() => running.delete(tracked));
    running.add(tracked);
  }
  await Promise.all(running);
  const recoveryMs = options.recoveryMs ?? 10_000;
  await sleep(Math.max(options.settleMs ?? recoveryMs + 5_000, options.durationMs - now()));
  stop.abort();
  await load;
  await sampling;
  clearInterval(progress);
  const after = await options.workload.inspect();

  const violations = checkSoak({
    calls,
    before,
    after,
    connections: samples,
    ceiling: options.ceiling,
    availability: { faults: runs, recoveryMs, maxOutageMs: options.maxOutageMs ?? 30_000 },
  });
  return summarizeSoak(options, runs, calls, samples, after, violations);
}

function callerLoop(options: SoakOptions, random: SoakRandom, now: () => number, calls: SoakCall[], id: () => number) {
  const { workload } = options;
  return async (worker: number, signal: AbortSignal): Promise<void> => {
    const own = random.fork(worker);
    let last: { key: string; writeId: string; version: number; token: string } | undefined;
    while (!signal.aborted) {
      const start = now();
      const write = own.chance(options.writeShare ?? 0.4);
      const afterOwn = !write && last !== undefined && own.chance(options.tokenReadShare ?? 0.5) ? last : undefined;
      const key = afterOwn?.key ?? own.pick(workload.keys);
      const callId = id();
      // Unique in the soak (a burst's callers start again at 0 each time, its call ids do not).
      const writeId = write ? `soak.${String(options.seed)}.c${String(callId)}` : undefined;
      const base = { id: callId, worker, op: write ? ('write' as const) : ('read' as const), key, start };
      try {
        if (writeId !== undefined) {
          const { version, token } = await workload.write(key, writeId);
          if (token !== undefined) last = { key, writeId, version, token };
          calls.push({ ...base, writeId, end: now(), outcome: 'ok', version });
        } else {
          const { version } = await workload.read(key, afterOwn?.token);
          const readAfter = afterOwn ? { writeId: afterOwn.writeId, version: afterOwn.version } : undefined;
          calls.push({ ...base, ...(readAfter ? { readAfter } : {}), end: now(), outcome: 'ok', version });
        }
      } catch (error) {
        const outcome = writeId === undefined ? 'failed' : workload.outcomeOf(error);
        const byDesign = workload.refusedByDesign?.(error) === true;
        calls.push({
          ...base,
          ...(writeId ? { writeId } : {}),
          end: now(),
          outcome,
          error: describe(error),
          ...(byDesign ? { byDesign } : {}),
        });
        // A refused call is answered at once: a caller that would spin on it waits a little, as a till would.
        await sleep(20);
      }
    }
  };
}

/** More callers of the same workload for the fault's hold: a rush at opening time. */
function burstFault(options: SoakOptions, now: () => number, calls: SoakCall[]): SoakFault {
  let burstId = 1_000_000_000;
  return {
    name: 'burst',
    overlaps: true,
    inject: async (holdMs) => {
      const stop = new AbortController();
      const random = new SoakRandom(options.seed).fork(burstId);
      const caller = callerLoop(options, random, now, calls, () => burstId++);
      const burst = Promise.all(Array.from({ length: options.burstConcurrency ?? 0 }, (_, w) => caller(1_000 + w, stop.signal)));
      await sleep(holdMs);
      stop.abort();
      await burst;
    },
  };
}

async function sample(
  options: SoakOptions,
  now: () => number,
  samples: { at: number; count: number }[],
  signal: AbortSignal,
): Promise<void> {
  const count = options.connections;
  if (count === undefined) return;
  while (!signal.aborted) {
    const at = now();
    // The counter's own database may be the one failing: a sample missed is no sample.
    const n = await count().catch(() => undefined);
    if (n !== undefined) samples.push({ at, count: n });
    await sleep(250);
  }
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, details, message } = error as { code?: unknown; details?: unknown; message?: unknown };
    const text = typeof details === 'string' ? details : typeof message === 'string' ? message : '';
    return `${typeof code === 'number' || typeof code === 'string' ? `${String(code)} ` : ''}${text}`.slice(0, 160);
  }
  return String(error).slice(0, 160);
}
