import type { ClusterEvent } from './FailoverCluster.ts';

/** One call of your service, made by the drill's load: resolve for success, reject with the error. */
export type DrillCall = (n: number, signal: AbortSignal) => Promise<unknown>;

export interface DrillOptions {
  /**
   * What the incident happens to, when it keeps a clock and events (a FailoverCluster, a
   * PatroniCluster). Leave it out for anything else (a PostgresCluster, a TcpProxy, your own
   * script): times are then from the drill's start, and the events are the incident's own start
   * and end.
   */
  readonly cluster?: { readonly origin: number; readonly events: readonly ClusterEvent[] };
  /** The incident: `() => cluster.swap()`, `() => cluster.blackholeSwap()`, … */
  readonly incident: () => Promise<void>;
  /** A call to your service (its own client, its own method), made over and over by each caller. */
  readonly call: DrillCall;
  /** Callers at once. */
  readonly concurrency?: number;
  /** Load before the incident, and after it returned. */
  readonly beforeMs?: number;
  readonly afterMs?: number;
  /** A pause between one caller's calls. */
  readonly pauseMs?: number;
}

export interface DrillRecord {
  /** ms since the cluster's origin. */
  readonly start: number;
  readonly latencyMs: number;
  /** Undefined for a call that succeeded. */
  readonly error?: unknown;
}

export interface DrillReport {
  readonly records: readonly DrillRecord[];
  readonly events: readonly ClusterEvent[];
  readonly incidentAt: number;
  readonly calls: number;
  readonly failed: number;
  readonly maxLatencyMs: number;
  /** Failures by their message (a gRPC status's details, say), for the report. */
  readonly failures: Readonly<Record<string, number>>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Steady load on your service, an incident in the middle, and what came of it: every call with
 * its start and latency on the cluster's clock, beside the cluster's own events. The load runs in
 * this process; start the service under test in another one, as production would.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const { cluster, concurrency = 6, pauseMs = 5 } = options;
  const origin = cluster?.origin ?? performance.now();
  const own: ClusterEvent[] = [];
  const stop = new AbortController();
  const records: DrillRecord[] = [];
  let n = 0;
  const caller = async () => {
    while (!stop.signal.aborted) {
      const start = performance.now();
      let error: unknown;
      try {
        await options.call(n++, stop.signal);
      } catch (e) {
        error = e ?? new Error('rejected without a reason');
      }
      records.push({ start: start - origin, latencyMs: performance.now() - start, ...(error === undefined ? {} : { error }) });
      await sleep(pauseMs);
    }
  };
  const load = Promise.all(Array.from({ length: concurrency }, caller));
  await sleep(options.beforeMs ?? 1_500);
  const incidentAt = performance.now() - origin;
  own.push({ at: incidentAt, name: 'incident started' });
  await options.incident();
  own.push({ at: performance.now() - origin, name: 'incident returned' });
  await sleep(options.afterMs ?? 4_000);
  stop.abort();
  await load;

  const failures: Record<string, number> = {};
  for (const { error } of records) {
    if (error === undefined) continue;
    const key = describe(error);
    failures[key] = (failures[key] ?? 0) + 1;
  }
  return {
    records,
    events: cluster?.events ?? own,
    incidentAt,
    calls: records.length,
    failed: records.filter((r) => r.error !== undefined).length,
    maxLatencyMs: Math.max(0, ...records.map((r) => r.latencyMs)),
    failures,
  };
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { details, message } = error as { details?: unknown; message?: unknown };
    if (typeof details === 'string') return details.slice(0, 120);
    if (typeof message === 'string') return message.slice(0, 120);
  }
  return String(error).slice(0, 120);
}
