import type { EventEmitter } from 'node:events';
import type { DatabaseEvents } from './DatabaseEvents.ts';

/** Anything whose events are the layer's: a Database, or a resilientPg adapter. */
export interface EventSource {
  readonly events: EventEmitter<DatabaseEvents>;
}

type LogFn = (fields: object, message: string) => void;

/** The four levels used here, as pino (and most structured loggers) spell them. */
export interface EventLogger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

/**
 * One log line per incident step: error (kind, generation), rebuild, retry outcome, commit
 * outcome, breaker, misconfiguration. Admission is counted in metrics, not logged: a burst
 * turned away must not flood the log.
 */
export function attachLogger(db: EventSource, log: EventLogger): void {
  const { events } = db;
  events.on('dbError', (e) => log.warn({ event: 'db_error', ...e }, `database ${e.kind} on ${e.pool} pool generation ${e.generation}`));
  events.on('misconfigured', (e) => log.error({ event: 'db_misconfigured', ...e }, `database refuses this service: ${e.hint}`));
  events.on('rebuild', (e) =>
    log.warn(
      { event: 'pool_rebuild', ...e },
      `${e.pool} pool replaced: generation ${e.replacedGeneration} -> ${e.generation} (${e.reason})`,
    ),
  );
  events.on('rebuildSkipped', (e) => log.debug({ event: 'pool_rebuild_skipped', ...e }, 'pool rebuild skipped'));
  events.on('retry', (e) => log.info({ event: 'db_retry', ...e }, `retrying once on a fresh connection after ${e.kind}`));
  events.on('retryOutcome', (e) => log.info({ event: 'db_retry_outcome', retried: true, ...e }, `retry ${e.outcome}`));
  events.on('commitOutcome', (e) => log.warn({ event: 'commit_outcome', ...e }, `connection lost at COMMIT; outcome ${e.outcome}`));
  events.on('commitWithheld', (e) =>
    log.info({ event: 'commit_withheld', ...e }, `COMMIT withheld (${e.reason}): the write was rolled back, nothing written`),
  );
  events.on('clientError', (e) => log.debug({ event: 'db_client_error', ...e }, 'idle database connection failed'));
  events.on('writerFound', (e) => log.info({ event: 'db_writer', ...e }, `${e.pool} pool generation ${e.generation} writes to ${e.host}`));
  events.on('replicaChanged', (e) =>
    e.exclusion === undefined
      ? log.info({ event: 'db_replica', ...e }, `read host ${e.host} serves reads (lag ${e.lagMs ?? '?'} ms)`)
      : log.warn(
          { event: 'db_replica', ...e },
          `read host ${e.host} out of the read rotation: ${e.exclusion}${e.lagMs === undefined ? '' : ` (lag ${e.lagMs} ms)`}`,
        ),
  );
  events.on('readAfterIgnored', (e) =>
    log.info({ event: 'read_after_ignored', ...e }, `read-your-writes token ignored (${e.reason}): the read is served as if it had none`),
  );
  events.on('breaker', (e) =>
    log.warn(
      { event: 'breaker', ...e },
      e.state === 'open'
        ? `database unreachable: circuit breaker open (by ${e.by ?? 'calls'}), calls fail fast`
        : 'circuit breaker closed: the database answers again',
    ),
  );
}
