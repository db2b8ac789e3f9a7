import type { WritableHealthMonitor } from '@pos-masterdata/resilient-prisma';

/** @nestjs/terminus's result shape: `{ [key]: { status: 'up' | 'down', … } }`; a `down` fails the check. */
export type HealthIndicatorResult<K extends string = string> = Record<K, { status: 'up' | 'down'; [detail: string]: unknown }>;

/**
 * The database's health for @nestjs/terminus (`health.check([() => db.isHealthy('database')])`),
 * from the writable-health monitor that also feeds the circuit breaker: no query per check, so
 * a readiness probe every second costs the database nothing.
 */
export class DatabaseHealthIndicator {
  readonly #monitor: WritableHealthMonitor;

  constructor(monitor: WritableHealthMonitor) {
    this.#monitor = monitor;
  }

  isHealthy<K extends string>(key: K): HealthIndicatorResult<K> {
    const up = this.#monitor.serving;
    return { [key]: up ? { status: 'up' } : { status: 'down', message: 'no writable database host answers' } } as HealthIndicatorResult<K>;
  }
}
