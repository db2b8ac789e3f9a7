import { EventEmitter } from 'node:events';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { classifyDbError, type DbErrorClass } from './classifyDbError.ts';
import { createPgPool, hostTargets } from './createPgPool.ts';
import { DatabaseEndpoint } from './DatabaseEndpoint.ts';
import type { DatabaseEvents } from './DatabaseEvents.ts';
import { DEFAULT_SETTINGS, withoutUndefined } from './databaseSettings.ts';
import { DEFAULT_HINTS, type MisconfigurationHints } from './misconfigurationHints.ts';
import { PasswordSource, type PasswordProvider } from './PasswordSource.ts';
import { ResilientPool } from './ResilientPool.ts';
import { WriterFinder } from './WriterFinder.ts';

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
  /** Asked for each new connection, instead of the URL's password: rotated credentials need no restart. */
  readonly password?: PasswordProvider;
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
    const password = options.password === undefined ? undefined : new PasswordSource(options.password);
    const settings = { ...DEFAULT_SETTINGS, ...withoutUndefined(options), endpoint, password, resilient: true };
    const applicationName = `${settings.applicationName}-write`;
    const finder = new WriterFinder(hostTargets({ ...settings, applicationName }), settings.connectTimeoutMs);
    this.pool = new ResilientPool({
      createInner: () => createPgPool({ ...settings, applicationName, requireWritable: true }),
      minRebuildIntervalMs: settings.minRebuildIntervalMs,
      keepConnectionOnSqlError: true,
      cancelGraceMs: settings.cancelGraceMs,
      queryTimeout: () => settings.queryTimeoutMs,
      reaskRejectedPassword: password !== undefined,
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
   * adapter itself (not inside a transaction), what is safe to send again is sent once more, on a
   * fresh connection, when its connection turned out dead: a BEGIN (startTransaction), a plain
   * SELECT, and any statement, a write too, that provably did not run (the server ended the
   * session before answering it, or it was never sent). Never one whose outcome is unknown.
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
          const statement = key === 'queryRaw' || key === 'executeRaw';
          return result
            .catch((error: unknown) => {
              const classification = this.#observe(error, generation);
              const deadConnection = classification.rebuild && classification.retry;
              const safe =
                key === 'startTransaction' || (statement && (classification.notRun || (key === 'queryRaw' && isPlainSelect(args[0]))));
              if (inTransaction || !deadConnection || !safe) throw error;
              this.events.emit('retry', { pool: 'write', kind: classification.kind, attempt: 2 });
              // At once: the pool was replaced, or (within its rate limit) its idle connections,
              // killed with this one, were condemned, so this goes out on a fresh connection.
              return (once(args) as Promise<unknown>).catch((again: unknown) => {
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

  /** Reports the failure and replaces the pool when it condemns its connections. */
  #observe(error: unknown, generation: number): DbErrorClass {
    const classification = classifyDbError(error);
    if (!classification.reported) return classification;
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    const { kind, probeHealth, hint } = classification;
    this.events.emit('dbError', { pool: 'write', kind, generation, attempt: 0, phase: 'work', message, probeHealth });
    if (hint !== undefined && !this.#reported.has(generation)) {
      this.#reported.add(generation);
      this.events.emit('misconfigured', { pool: 'write', generation, reason: hint, hint: this.#hints[hint], message });
    }
    if (classification.rebuild) this.pool.replace(generation, kind);
    return classification;
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
