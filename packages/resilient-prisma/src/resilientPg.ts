import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { classifyDbError } from './classifyDbError.ts';
import { createPgPool, hostTargets } from './createPgPool.ts';
import { DatabaseEndpoint } from './DatabaseEndpoint.ts';
import type { DatabaseEvents } from './DatabaseEvents.ts';
import { DEFAULT_SETTINGS, withoutUndefined } from './databaseSettings.ts';
import { DEFAULT_HINTS, type MisconfigurationHints } from './misconfigurationHints.ts';
import { ResilientPool } from './ResilientPool.ts';
import { WriterFinder } from './WriterFinder.ts';

const RESEND_AFTER_MS = 10;

export interface ResilientPgOptions {
  /** libpq's URL; several hosts: each pool generation connects to the one that is the writer now. */
  readonly endpoint: DatabaseEndpoint | string;
  /** pg_stat_activity shows `<applicationName>-write`. */
  readonly applicationName?: string;
  /** The hard ceiling on connections, counting those of a pool being retired. */
  readonly max?: number;
  readonly connectTimeoutMs?: number;
  /** A statement with no answer after this long is cancelled on the server; a silent connection is dropped. */
  readonly queryTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** At most one pool rebuild per this many ms: one per incident, not one per failed query. */
  readonly minRebuildIntervalMs?: number;
  readonly cancelGraceMs?: number;
  /** The schema adapter-pg qualifies queries with (PrismaPg's `schema` option). */
  readonly schema?: string;
  readonly hints?: Partial<MisconfigurationHints>;
}

/**
 * A Prisma 7 driver adapter factory for teams that change one line:
 * `new PrismaClient({ adapter: resilientPg({ endpoint }) })`. It is @prisma/adapter-pg over a
 * ResilientPool, and every query and transaction statement is watched: a failure is classified,
 * and one that condemns the pool's connections (lost, read-only after a swap) replaces the pool
 * once, so the next query runs on a fresh connection to the writer. Without a call scope there is
 * no retry, no COMMIT outcome, no admission and no breaker: see `Database` for those.
 */
export class ResilientPgAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@pos-masterdata/resilient-prisma';
  readonly events = new EventEmitter<DatabaseEvents>();
  readonly pool: ResilientPool;
  readonly #inner: PrismaPg;
  readonly #hints: MisconfigurationHints;
  readonly #reported = new Set<number>();

  constructor(options: ResilientPgOptions) {
    const endpoint = typeof options.endpoint === 'string' ? DatabaseEndpoint.parse(options.endpoint) : options.endpoint;
    const settings = { ...DEFAULT_SETTINGS, ...withoutUndefined(options), endpoint, resilient: true };
    const applicationName = `${settings.applicationName}-write`;
    const finder = new WriterFinder(hostTargets({ ...settings, applicationName }), settings.connectTimeoutMs);
    this.pool = new ResilientPool({
      createInner: () => createPgPool({ ...settings, applicationName, requireWritable: true }),
      minRebuildIntervalMs: settings.minRebuildIntervalMs,
      keepConnectionOnSqlError: true,
      cancelGraceMs: settings.cancelGraceMs,
      queryTimeout: () => settings.queryTimeoutMs,
      ...(endpoint.multiHost ? { locate: () => finder.find() } : {}),
    });
    this.pool.events.on('rebuild', (e) => this.events.emit('rebuild', { ...e, pool: 'write' }));
    this.pool.events.on('located', (e) => this.events.emit('writerFound', { pool: 'write', ...e }));
    this.pool.events.on('clientError', (e) =>
      this.events.emit('clientError', { pool: 'write', generation: e.generation, message: e.error.message }),
    );
    this.#hints = { ...DEFAULT_HINTS, ...options.hints };
    this.#inner = new PrismaPg(this.pool, options.schema === undefined ? {} : { schema: options.schema });
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.#watch(await this.#inner.connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#watch(await this.#inner.connectToShadowDb());
  }

  /** Ends the pool (Prisma's $disconnect does not end a pool it was given). */
  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Every method's rejection passes through #observe; a transaction that startTransaction
   * resolves to is watched the same way, so its statements and its COMMIT are seen too. On the
   * adapter itself (not inside a transaction), what provably ran nothing is sent once more on the
   * fresh pool when its connection turned out dead: a BEGIN (startTransaction), or a plain SELECT.
   */
  #watch<T extends object>(target: T, inTransaction = false): T {
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const value: unknown = Reflect.get(obj, key, receiver);
        if (typeof value !== 'function') return value;
        const once = (args: unknown[]): unknown => Reflect.apply(value, obj, args);
        return (...args: unknown[]) => {
          const generation = this.pool.generation;
          const result = once(args);
          if (!(result instanceof Promise)) return result;
          const resend = !inTransaction && (key === 'startTransaction' || (key === 'queryRaw' && isPlainSelect(args[0])));
          return result
            .catch((error: unknown) => {
              const deadConnection = this.#observe(error, generation);
              if (!resend || !deadConnection) throw error;
              this.events.emit('retry', { pool: 'write', kind: classifyDbError(error).kind, attempt: 2 });
              // A moment first: the pool is not always replaced (at most one rebuild a second), and
              // the other connections killed with this one are dropped by pg only once their own
              // close has been read. Sent at once, the query could be handed one of them (seen
              // when backends were terminated twice within a second).
              return delay(RESEND_AFTER_MS)
                .then(() => once(args) as Promise<unknown>)
                .catch((again: unknown) => {
                  this.#observe(again, this.pool.generation);
                  throw again;
                });
            })
            .then((resolved: unknown) =>
              key === 'startTransaction' && typeof resolved === 'object' && resolved !== null ? this.#watch(resolved, true) : resolved,
            );
        };
      },
    });
  }

  /** Reports the failure and replaces the pool when it condemns its connections; says whether it did. */
  #observe(error: unknown, generation: number): boolean {
    const classification = classifyDbError(error);
    if (!classification.reported) return false;
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    const { kind, probeHealth, hint } = classification;
    this.events.emit('dbError', { pool: 'write', kind, generation, attempt: 0, phase: 'work', message, probeHealth });
    if (hint !== undefined && !this.#reported.has(generation)) {
      this.#reported.add(generation);
      this.events.emit('misconfigured', { pool: 'write', generation, reason: hint, hint: this.#hints[hint], message });
    }
    if (classification.rebuild) this.pool.replace(generation, kind);
    return classification.rebuild && classification.retry;
  }
}

/** The drop-in adapter: `new PrismaClient({ adapter: resilientPg({ endpoint: process.env.DATABASE_URL }) })`. */
export function resilientPg(options: ResilientPgOptions): ResilientPgAdapterFactory {
  return new ResilientPgAdapterFactory(options);
}

/** A lone SELECT (no locking clause): running it again changes nothing. */
function isPlainSelect(query: unknown): boolean {
  const sql = typeof query === 'object' && query !== null && 'sql' in query ? query.sql : undefined;
  return typeof sql === 'string' && /^\s*SELECT\b/i.test(sql) && !/\bFOR\s+(UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b/i.test(sql);
}
