import { EventEmitter } from 'node:events';
import pg from 'pg';
import { classifyDbError } from './classifyDbError.ts';

export interface ResilientPoolOptions {
  /** Creates the inner pool of each generation (the options are fixed; the sockets are not). */
  readonly createInner: () => pg.Pool;
  /** At most one replacement per this many ms: during an outage every call fails, and a pool per failure helps nobody. */
  readonly minRebuildIntervalMs: number;
  /** Keep a connection after an SQL error outside a transaction (pg.Pool.query throws it away). */
  readonly keepConnectionOnSqlError?: boolean;
  /** How long a retired generation may take to end before its sockets are destroyed (a black hole never answers). */
  readonly retireTimeoutMs?: number;
  /** Read timeout for the query about to be sent (from the call's deadline); undefined keeps the client's. */
  readonly queryTimeout?: () => number | undefined;
}

export interface RebuildEvent {
  readonly generation: number;
  readonly replacedGeneration: number;
  readonly reason: string;
}

export interface ResilientPoolEvents {
  rebuild: [RebuildEvent];
  rebuildSkipped: [{ generation: number; failedGeneration: number; why: 'already-replaced' | 'rate-limited' | 'no-connections' }];
  clientError: [{ generation: number; error: Error }];
}

type QueryFn = (config: unknown, values?: unknown) => Promise<pg.QueryResult>;

/**
 * A `pg.Pool` (so adapter-pg accepts it) that forwards to a replaceable inner pool.
 * `replace(g)` swaps in a fresh generation without breaking work in flight: clients already
 * checked out finish on the old pool, which is ended once nobody waits on it.
 */
export class ResilientPool extends pg.Pool {
  readonly events = new EventEmitter<ResilientPoolEvents>();
  #inner: pg.Pool;
  #generation = 1;
  #lastRebuildAt = Number.NEGATIVE_INFINITY;
  #retiring = new Set<Promise<void>>();
  #closed = false;
  readonly #options: ResilientPoolOptions;

  constructor(options: ResilientPoolOptions) {
    super();
    this.#options = options;
    this.#inner = this.#spawn(1);
    // pg.Pool declares query() with six overloads; one forwarding function serves them all.
    const forwardQuery: QueryFn = (config, values) => this.#query(config, values);
    Object.defineProperty(this, 'query', { value: forwardQuery, writable: true });
    for (const key of ['totalCount', 'idleCount', 'waitingCount'] as const) {
      Object.defineProperty(this, key, { get: () => this.#inner[key] });
    }
  }

  get generation(): number {
    return this.#generation;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | undefined {
    const promise = this.#checkout();
    if (!callback) return promise;
    promise.then((client) => callback(undefined, client, (r) => client.release(r as Error | boolean | undefined)), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), undefined, () => undefined));
    return undefined;
  }

  /**
   * Replaces the pool if the failure came from the current generation and the last
   * replacement is old enough. Returns whether this call replaced it.
   */
  replace(failedGeneration: number, reason: string): boolean {
    if (this.#closed) return false;
    if (failedGeneration < this.#generation) {
      this.events.emit('rebuildSkipped', { generation: this.#generation, failedGeneration, why: 'already-replaced' });
      return false;
    }
    // A generation that holds no connection (every connect failed) has nothing stale to throw away.
    if (this.#inner.totalCount === 0) {
      this.events.emit('rebuildSkipped', { generation: this.#generation, failedGeneration, why: 'no-connections' });
      return false;
    }
    const now = performance.now();
    if (now - this.#lastRebuildAt < this.#options.minRebuildIntervalMs) {
      this.events.emit('rebuildSkipped', { generation: this.#generation, failedGeneration, why: 'rate-limited' });
      return false;
    }
    this.#lastRebuildAt = now;
    const old = this.#inner;
    const replacedGeneration = this.#generation;
    this.#generation += 1;
    this.#inner = this.#spawn(this.#generation);
    this.#retire(old);
    this.events.emit('rebuild', { generation: this.#generation, replacedGeneration, reason });
    return true;
  }

  override async end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#retire(this.#inner);
    await Promise.allSettled([...this.#retiring]);
  }

  /** Inner pools still being drained; bounded by the rebuild rate limit and their own timeouts. */
  get retiringCount(): number {
    return this.#retiring.size;
  }

  async #checkout(): Promise<pg.PoolClient> {
    if (this.#closed) throw new Error('Pool is closed and is not queryable');
    return this.#inner.connect();
  }

  /**
   * Once per connection (never per checkout, which would churn the client's shape): an error
   * listener for the time it is checked out, when pg-pool has none and an error event would
   * crash the process; and a read timeout from the call's deadline on every query sent as a
   * config object (all of adapter-pg's), so a frozen socket fails while a retry still fits.
   */
  #prepare(client: pg.Client, generation: number): void {
    client.on('error', (error) => this.events.emit('clientError', { generation, error }));
    const timeoutOf = this.#options.queryTimeout;
    if (!timeoutOf) return;
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<pg.QueryResult>;
    const bounded = (config: unknown, values?: unknown) => {
      const timeout = timeoutOf();
      const withTimeout = timeout !== undefined && typeof config === 'object' && config !== null && !('query_timeout' in config)
        ? { ...config, query_timeout: timeout }
        : config;
      return query(withTimeout, values);
    };
    Object.defineProperty(client, 'query', { value: bounded, writable: true, configurable: true });
  }

  async #query(config: unknown, values?: unknown): Promise<pg.QueryResult> {
    const client = await this.#checkout();
    try {
      const result = await client.query(config as pg.QueryConfig, values as unknown[] | undefined);
      client.release();
      return result;
    } catch (error) {
      const keep = this.#options.keepConnectionOnSqlError === true && !classifyDbError(error).rebuild && isServerError(error);
      client.release(keep ? undefined : (error as Error));
      throw error;
    }
  }

  #spawn(generation: number): pg.Pool {
    const inner = this.#options.createInner();
    trackClients(inner);
    inner.on('connect', (client) => this.#prepare(client, generation));
    // pg-pool re-emits idle clients' errors here; without a listener the process dies.
    inner.on('error', () => undefined);
    return inner;
  }

  #retire(pool: pg.Pool): void {
    const done = retire(pool, this.#options.retireTimeoutMs ?? 5_000).finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
  }
}

const socketsOf = new WeakMap<pg.Pool, Set<pg.Client>>();

function trackClients(pool: pg.Pool): void {
  const clients = new Set<pg.Client>();
  socketsOf.set(pool, clients);
  pool.on('connect', (client) => clients.add(client));
  pool.on('remove', (client) => clients.delete(client));
}

async function retire(pool: pg.Pool, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  const outcome = await Promise.race([drainThenEnd(pool), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    // client.end() waits for the server's goodbye, which a frozen socket never sends.
    for (const client of socketsOf.get(pool) ?? []) streamOf(client)?.destroy();
  }
}

function streamOf(client: pg.Client): { destroy(): void } | undefined {
  const connection = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection;
  return connection?.stream;
}

/** An error the server sent in answer to a query: the connection itself is fine. */
function isServerError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
}

async function drainThenEnd(pool: pg.Pool): Promise<void> {
  // pool.end() leaves queued waiters hanging forever: let them get their client first.
  while (pool.waitingCount > 0) await new Promise((r) => setTimeout(r, 25).unref());
  await pool.end().catch(() => undefined);
}
