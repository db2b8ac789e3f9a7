import { EventEmitter } from 'node:events';
import pg from 'pg';
import { classifyDbError } from './classifyDbError.ts';
import { GenerationRetiredError, PoolGeneration, StatementCancelledError } from './PoolGeneration.ts';
import type { HostTarget } from './probeHost.ts';

export interface ResilientPoolOptions {
  /** Creates the inner pool of each generation (the options are fixed; the sockets are not). */
  readonly createInner: () => pg.Pool;
  /** At most one replacement per this many ms: during an outage every call fails, and a pool per failure helps nobody. */
  readonly minRebuildIntervalMs: number;
  /** Keep a connection after an SQL error outside a transaction (pg.Pool.query throws it away). */
  readonly keepConnectionOnSqlError?: boolean;
  /** A retired generation's statements still running after this long are cancelled on the server. */
  readonly retireCancelAfterMs?: number;
  /** How long a retired generation may take to end before its sockets are destroyed (a black hole never answers). */
  readonly retireTimeoutMs?: number;
  /** How long a timed-out statement's connection has to answer a cancel before it counts as dead. */
  readonly cancelGraceMs?: number;
  /** Read timeout for the query about to be sent (from the call's deadline); undefined keeps the client's. */
  readonly queryTimeout?: () => number | undefined;
  /** Finds the host each new generation connects to (the writer among several hosts); none: the URL's one host. */
  readonly locate?: () => Promise<HostTarget>;
  /** Connections ask a password provider: a refused password is asked for again, once, before the failure stands. */
  readonly reaskRejectedPassword?: boolean;
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
  located: [{ generation: number; host: string }];
}

type QueryFn = (config: unknown, values?: unknown) => Promise<pg.QueryResult>;

/**
 * A `pg.Pool` (so adapter-pg accepts it) that forwards to a replaceable inner pool.
 * `replace(g)` swaps in a fresh generation without breaking work in flight: clients already
 * checked out finish on the old pool, which is ended once nobody waits on it.
 *
 * The connection ceiling is hard: the sockets of every retiring generation count against the
 * configured maximum until they are closed, so the current generation may open only what is left.
 */
export class ResilientPool extends pg.Pool {
  readonly events = new EventEmitter<ResilientPoolEvents>();
  #current: PoolGeneration;
  #lastRebuildAt = Number.NEGATIVE_INFINITY;
  readonly #retiring = new Map<PoolGeneration, Promise<void>>();
  readonly #ceiling: number;
  #closed = false;
  readonly #options: ResilientPoolOptions;

  constructor(options: ResilientPoolOptions) {
    super();
    this.#options = options;
    this.#current = this.#spawn(1);
    this.#ceiling = this.#current.inner.options.max ?? 10;
    // pg.Pool declares query() with six overloads; one forwarding function serves them all.
    const forwardQuery: QueryFn = (config, values) => this.#query(config, values);
    Object.defineProperty(this, 'query', { value: forwardQuery, writable: true });
    for (const key of ['totalCount', 'idleCount', 'waitingCount'] as const) {
      Object.defineProperty(this, key, { get: () => this.#current.inner[key] });
    }
  }

  get generation(): number {
    return this.#current.number;
  }

  /** The host the current generation connects to, once located. */
  get host(): string | undefined {
    return this.#current.target?.label;
  }

  /** Connections held on the server (open, or being opened) across the current and every retiring generation. */
  get openSockets(): number {
    let open = this.#current.held;
    for (const g of this.#retiring.keys()) open += g.held;
    return open;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | undefined {
    const promise = this.#checkout();
    if (!callback) return promise;
    promise.then(
      (client) => callback(undefined, client, (r) => client.release(r as Error | boolean | undefined)),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), undefined, () => undefined),
    );
    return undefined;
  }

  /**
   * Replaces the pool if the failure came from the current generation and the last
   * replacement is old enough. Returns whether this call replaced it. Either way the current
   * generation's idle connections are taken for dead at once: within the rate limit (a second
   * termination less than minRebuildIntervalMs after the first) no new generation takes over, and
   * the next statement must not be handed a killed connection.
   */
  replace(failedGeneration: number, reason: string): boolean {
    if (this.#closed) return false;
    const generation = this.#current.number;
    if (failedGeneration < generation) {
      this.events.emit('rebuildSkipped', { generation, failedGeneration, why: 'already-replaced' });
      return false;
    }
    this.#current.condemnIdle();
    // A generation that holds no connection (every connect failed) has nothing stale to throw away.
    if (this.#current.inner.totalCount === 0) {
      this.events.emit('rebuildSkipped', { generation, failedGeneration, why: 'no-connections' });
      return false;
    }
    const now = performance.now();
    if (now - this.#lastRebuildAt < this.#options.minRebuildIntervalMs) {
      this.events.emit('rebuildSkipped', { generation, failedGeneration, why: 'rate-limited' });
      return false;
    }
    this.#lastRebuildAt = now;
    const old = this.#current;
    this.#current = this.#spawn(generation + 1);
    this.#retire(old);
    this.events.emit('rebuild', { generation: generation + 1, replacedGeneration: generation, reason });
    return true;
  }

  override async end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#retire(this.#current);
    await Promise.allSettled([...this.#retiring.values()]);
  }

  /** Inner pools still being drained; bounded by the rebuild rate limit and their own timeouts. */
  get retiringCount(): number {
    return this.#retiring.size;
  }

  async #checkout(): Promise<pg.PoolClient> {
    let reasked = false;
    for (;;) {
      if (this.#closed) throw new Error('Pool is closed and is not queryable');
      this.#applyCeiling();
      try {
        return await this.#current.checkout();
      } catch (error) {
        // Waiting in a generation that was replaced meanwhile: wait in the current one.
        if (error instanceof GenerationRetiredError) continue;
        // The password rotated under the pool: the provider, told of the rejection, may know the new one.
        if (this.#options.reaskRejectedPassword === true && !reasked && classifyDbError(error).credentialsRejected) {
          reasked = true;
          continue;
        }
        throw error;
      }
    }
  }

  async #query(config: unknown, values?: unknown): Promise<pg.QueryResult> {
    const client = await this.#checkout();
    try {
      const result = await client.query(config as pg.QueryConfig, values as unknown[] | undefined);
      client.release();
      return result;
    } catch (error) {
      const fine = isServerError(error) || error instanceof StatementCancelledError;
      const keep = this.#options.keepConnectionOnSqlError === true && !classifyDbError(error).rebuild && fine;
      client.release(keep ? undefined : (error as Error));
      throw error;
    }
  }

  /** The current generation may open what the retiring ones leave of the ceiling (they open no more). */
  #applyCeiling(): void {
    let held = 0;
    for (const g of this.#retiring.keys()) held += g.held;
    const inner = this.#current.inner;
    const max = Math.max(0, this.#ceiling - held);
    if (inner.options.max === max) return;
    inner.options.max = max;
    // pg-pool serves its queue only when one of its own clients comes back; room made by a
    // retiring socket closing must wake it too.
    if (inner.waitingCount > 0) (inner as unknown as { _pulseQueue?: () => void })._pulseQueue?.();
  }

  #spawn(number: number): PoolGeneration {
    return new PoolGeneration(number, this.#options.createInner(), {
      ...(this.#options.queryTimeout ? { queryTimeout: this.#options.queryTimeout } : {}),
      cancelGraceMs: this.#options.cancelGraceMs ?? 250,
      onClientError: (error) => this.events.emit('clientError', { generation: number, error }),
      onSocketClosed: () => this.#applyCeiling(),
      ...(this.#options.locate ? { locate: this.#options.locate } : {}),
      onLocated: (target) => this.events.emit('located', { generation: number, host: target.label }),
    });
  }

  #retire(generation: PoolGeneration): void {
    generation.retire();
    const retiredAt = performance.now();
    const cancelAfter = this.#options.retireCancelAfterMs ?? 1_000;
    const destroyAfter = this.#options.retireTimeoutMs ?? 5_000;
    const done = (async () => {
      // pool.end() leaves queued waiters hanging forever: let them get their client first.
      const ended = (async () => {
        while (generation.inner.waitingCount > 0) await sleep(25);
        await generation.inner.end().catch(() => undefined);
      })();
      while (!generation.retireStep(retiredAt, cancelAfter, destroyAfter)) await sleep(50);
      await Promise.race([ended, sleep(destroyAfter)]);
    })().finally(() => {
      this.#retiring.delete(generation);
      if (!this.#closed) this.#applyCeiling();
    });
    this.#retiring.set(generation, done);
  }
}

// Referenced timers: a pool being closed keeps the process alive until its sockets are closed
// (bounded by the retire timeout), so shutdown can await end().
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An error the server sent in answer to a query: the connection itself is fine. */
function isServerError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
}
