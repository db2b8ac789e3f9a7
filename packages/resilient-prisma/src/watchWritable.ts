import { hostTargets } from './createPgPool.ts';
import type { Database } from './Database.ts';
import type { PrismaClientLike } from './DbScope.ts';
import { WritableHealthMonitor, type ProbeResult } from './WritableHealthMonitor.ts';

export interface WatchWritableOptions {
  /** How often to probe while serving (four times a second at most while not). */
  readonly intervalMs: number;
  /** Serving (a writable host answers) or not: readiness, gRPC health. */
  readonly onChange: (serving: boolean) => void;
  /** Every probe's result, after the breaker has heard it. */
  readonly onProbe?: (result: ProbeResult) => void;
}

/**
 * The writable-health monitor wired to `db`: it probes every host as the pools connect (as
 * `<applicationName>-health`), its verdicts open and close the circuit breaker, and a call that
 * fails at the connection level makes it probe at once instead of at its next tick.
 * Call `start()` on the result, and `stop()` at shutdown.
 */
export function watchWritable<C extends PrismaClientLike>(db: Database<C>, options: WatchWritableOptions): WritableHealthMonitor {
  const { settings } = db;
  const monitor = new WritableHealthMonitor({
    targets: hostTargets({ ...settings, applicationName: `${settings.applicationName}-health` }),
    timeoutMs: settings.connectTimeoutMs,
    intervalMs: options.intervalMs,
    onProbe: (result) => {
      if (settings.resilient) db.breaker.report(result.state !== 'unreachable');
      options.onProbe?.(result);
    },
    onChange: options.onChange,
  });
  db.events.on('dbError', (e) => {
    if (e.probeHealth) void monitor.check();
  });
  return monitor;
}
