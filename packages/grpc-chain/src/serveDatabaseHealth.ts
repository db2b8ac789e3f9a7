import {
  watchWritable,
  type Database,
  type PrismaClientLike,
  type ProbeResult,
  type WritableHealthMonitor,
} from '@pos-masterdata/resilient-prisma';

/** Where statuses go: grpc-health-check's HealthImplementation fits. */
export interface HealthStatusSink {
  setStatus(service: string, status: 'SERVING' | 'NOT_SERVING'): void;
}

export interface DatabaseHealthOptions {
  /** Health names to report (`''` for the whole server, and each fully qualified service name). */
  readonly services: readonly string[];
  /** How often to probe while serving. */
  readonly intervalMs: number;
  /** After the statuses were set (a metric, a log line). */
  readonly onChange?: (serving: boolean) => void;
  readonly onProbe?: (result: ProbeResult) => void;
  /**
   * Start probing now (default true): a monitor nobody started would leave health NOT_SERVING
   * forever. false: you call `.start()` yourself (with the server, say); it is idempotent.
   */
  readonly start?: boolean;
}

/**
 * gRPC health from the database: every name is SERVING while a writable host answers, and the
 * same probe feeds the circuit breaker (watchWritable). Sets NOT_SERVING at once, so nothing is
 * routed here before the first probe has answered. The monitor it returns is started (unless
 * `start: false`); stop it at shutdown.
 */
export function serveDatabaseHealth<C extends PrismaClientLike>(
  db: Database<C>,
  health: HealthStatusSink,
  options: DatabaseHealthOptions,
): WritableHealthMonitor {
  const setAll = (status: 'SERVING' | 'NOT_SERVING') => {
    for (const name of options.services) health.setStatus(name, status);
  };
  setAll('NOT_SERVING');
  const monitor = watchWritable(db, {
    intervalMs: options.intervalMs,
    ...(options.onProbe ? { onProbe: options.onProbe } : {}),
    onChange: (serving) => {
      setAll(serving ? 'SERVING' : 'NOT_SERVING');
      options.onChange?.(serving);
    },
  });
  // A failed first probe is a verdict (NOT_SERVING), not an error: the schedule goes on.
  if (options.start ?? true) void monitor.start().catch(() => undefined);
  return monitor;
}
