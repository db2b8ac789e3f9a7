import type { Database } from '../db/Database.ts';
import type { Logger } from './createLogger.ts';

/**
 * One log line per incident step: error (kind, generation), rebuild, retry outcome, commit
 * outcome, breaker, misconfiguration. Admission is counted in metrics, not logged: a burst
 * turned away must not flood the log.
 */
export function logDatabaseEvents(db: Database, log: Logger): void {
  db.events.on('dbError', (e) => log.warn({ event: 'db_error', ...e }, `database ${e.kind} on ${e.pool} pool generation ${e.generation}`));
  db.events.on('misconfigured', (e) => log.error({ event: 'db_misconfigured', ...e }, `database refuses this service: ${e.hint}`));
  db.events.on('rebuild', (e) =>
    log.warn(
      { event: 'pool_rebuild', ...e },
      `${e.pool} pool replaced: generation ${e.replacedGeneration} -> ${e.generation} (${e.reason})`,
    ),
  );
  db.events.on('rebuildSkipped', (e) => log.debug({ event: 'pool_rebuild_skipped', ...e }, 'pool rebuild skipped'));
  db.events.on('retry', (e) => log.info({ event: 'db_retry', ...e }, `retrying once on a fresh connection after ${e.kind}`));
  db.events.on('retryOutcome', (e) => log.info({ event: 'db_retry_outcome', retried: true, ...e }, `retry ${e.outcome}`));
  db.events.on('commitOutcome', (e) => log.warn({ event: 'commit_outcome', ...e }, `connection lost at COMMIT; outcome ${e.outcome}`));
  db.events.on('clientError', (e) => log.debug({ event: 'db_client_error', ...e }, 'idle database connection failed'));
  db.events.on('writerFound', (e) =>
    log.info({ event: 'db_writer', ...e }, `${e.pool} pool generation ${e.generation} writes to ${e.host}`),
  );
  db.events.on('replicaChanged', (e) =>
    e.exclusion === undefined
      ? log.info({ event: 'db_replica', ...e }, `read host ${e.host} serves reads (lag ${e.lagMs ?? '?'} ms)`)
      : log.warn(
          { event: 'db_replica', ...e },
          `read host ${e.host} out of the read rotation: ${e.exclusion}${e.lagMs === undefined ? '' : ` (lag ${e.lagMs} ms)`}`,
        ),
  );
  db.events.on('breaker', (e) =>
    log.warn(
      { event: 'breaker', ...e },
      e.state === 'open'
        ? `database unreachable: circuit breaker open (by ${e.by ?? 'calls'}), calls fail fast`
        : 'circuit breaker closed: the database answers again',
    ),
  );
}
