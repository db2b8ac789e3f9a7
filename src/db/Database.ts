import { EventEmitter } from 'node:events';
import { PrismaPg } from '@prisma/adapter-pg';
import { ConstantBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { PrismaClient } from '../generated/prisma/client.ts';
import { awaitReachable } from './awaitReachable.ts';
import { classifyDbError } from './classifyDbError.ts';
import { createPgPool, type PgPoolSettings } from './createPgPool.ts';
import type { DatabaseEvents, PoolRole } from './DatabaseEvents.ts';
import { DbFailure, type FailurePhase } from './DbFailure.ts';
import { DbScope, type AccessMode } from './DbScope.ts';
import { ResilientPool } from './ResilientPool.ts';
import { resolveCommitOutcome, TRANSACTION_ORIGIN_SQL, type TransactionOrigin } from './resolveCommitOutcome.ts';

export interface DatabaseSettings extends Omit<PgPoolSettings, 'requireWritable'> {
  readonly minRebuildIntervalMs: number;
  /** A retry starts only if at least this much of the call's deadline is left. */
  readonly retryMinRemainingMs: number;
}

/** What the database layer needs to know about the call it works for. */
export interface CallBudget {
  /** performance.now() value after which nobody waits for the answer. */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

export interface RunOptions {
  /**
   * The write is keyed by an idempotency key that `work` checks first (UpsertItem's
   * request_id): after a connection lost at COMMIT, running it again is how the truth is found
   * (it replays the stored answer if the first commit landed) and it can never write twice.
   */
  readonly idempotent?: boolean;
}

interface Side {
  readonly role: PoolRole;
  readonly pool: ResilientPool;
  readonly prisma: PrismaClient;
}

/**
 * Owns the read and write connection pools and runs each call's database work in a scope:
 * classify failures, replace a suspect pool once, retry once when that is safe.
 */
export class Database {
  readonly scope = new DbScope();
  readonly events = new EventEmitter<DatabaseEvents>();
  readonly #read: Side;
  readonly #write: Side;
  readonly #settings: DatabaseSettings;
  readonly #retry: RetryPolicy;

  constructor(settings: DatabaseSettings) {
    this.#settings = settings;
    this.#read = this.#side('read', false);
    this.#write = this.#side('write', settings.resilient);
    const attempts = settings.resilient ? 1 : 0;
    this.#retry = retry(handleWhen((e) => e instanceof DbFailure && e.retryable), { maxAttempts: attempts, backoff: new ConstantBackoff(10) });
  }

  get resilient(): boolean {
    return this.#settings.resilient;
  }

  generation(role: PoolRole): number {
    return (role === 'read' ? this.#read : this.#write).pool.generation;
  }

  /** Runs `work` in a call scope: reads on the read pool without a transaction, writes in an interactive transaction. */
  async run<T>(mode: AccessMode, budget: CallBudget, work: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const side = mode === 'write' ? this.#write : this.#read;
    let attempt = 0;
    let previous: DbFailure | undefined;
    try {
      const result = await this.#retry.execute(async () => {
        if (previous) this.events.emit('retry', { pool: side.role, kind: previous.classification.kind });
        try {
          return await this.#attempt(side, mode, budget, work, attempt++, options);
        } catch (error) {
          if (error instanceof DbFailure) previous = error;
          throw error;
        }
      });
      if (attempt > 1) this.events.emit('retryOutcome', { pool: side.role, outcome: 'succeeded' });
      return result;
    } catch (error) {
      if (attempt > 1) this.events.emit('retryOutcome', { pool: side.role, outcome: 'failed' });
      throw error;
    }
  }

  /** Replaces a side's pool now (subject to the rate limit); for operators and tests. */
  rebuild(role: PoolRole, reason: string): boolean {
    const side = role === 'read' ? this.#read : this.#write;
    return side.pool.replace(side.pool.generation, reason);
  }

  pool(role: PoolRole): ResilientPool {
    return (role === 'read' ? this.#read : this.#write).pool;
  }

  /** Closes both sides; bounded, so a connection that hangs (black hole, no timeouts) cannot hold shutdown. */
  async close(): Promise<void> {
    await Promise.allSettled([this.#read, this.#write].map(async (side) => {
      await Promise.race([side.prisma.$disconnect(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await side.pool.end();
    }));
  }

  async #attempt<T>(side: Side, mode: AccessMode, budget: CallBudget, work: () => Promise<T>, attempt: number, options: RunOptions): Promise<T> {
    const generation = side.pool.generation;
    // The one retry is worth more once the server answers again: wait for it, as long as the retry still fits.
    if (attempt > 0) await awaitReachable(side.pool, budget.deadline - this.#settings.retryMinRemainingMs, budget.signal);
    const state = { mode, generation, attempt, signal: budget.signal, deadline: budget.deadline };
    if (mode === 'read') {
      try {
        return await this.scope.run({ ...state, db: side.prisma }, work);
      } catch (error) {
        throw this.#failure(side, error, generation, attempt, 'work', budget);
      }
    }
    // Mutated inside the transaction callback; an object so the catch block sees the update.
    const progress: { phase: FailurePhase; origin?: TransactionOrigin; result?: { value: T } } = { phase: 'work' };
    const remaining = Math.max(1, Math.floor(budget.deadline - performance.now()));
    try {
      // The scope wraps $transaction itself, so BEGIN and COMMIT (sent by Prisma outside the
      // callback) get the deadline-derived query timeout too.
      return await this.scope.run({ ...state, db: side.prisma }, () => side.prisma.$transaction(async (tx) => {
        if (mode === 'write' && this.#settings.resilient && !options.idempotent) {
          progress.origin = (await tx.$queryRawUnsafe<TransactionOrigin[]>(TRANSACTION_ORIGIN_SQL))[0];
        }
        const value = await this.scope.run({ ...state, db: tx }, work);
        // From here on Prisma sends COMMIT: a lost connection no longer means "not written".
        progress.phase = 'commit';
        progress.result = { value };
        return value;
      }, {
        maxWait: Math.min(remaining, this.#settings.connectTimeoutMs),
        timeout: remaining,
        ...(mode === 'consistent-read' ? { isolationLevel: 'RepeatableRead' as const } : {}),
      }));
    } catch (error) {
      const { phase, origin, result } = progress;
      const failure = this.#failure(side, error, generation, attempt, phase, budget);
      if (!(failure instanceof DbFailure) || phase !== 'commit') throw failure;
      // A read-only transaction lost at COMMIT wrote nothing: as safe to run again as any read.
      if (mode !== 'write') throw new DbFailure(failure.classification, { phase, retryable: this.#canRetry(budget), cause: error });
      const lostAtCommit = ['connection_lost', 'timeout'].includes(failure.classification.kind);
      if (!lostAtCommit) throw failure;
      if (options.idempotent && this.#settings.resilient) {
        this.events.emit('commitOutcome', { outcome: 'idempotent-retry' });
        const retryable = this.#canRetry(budget);
        throw new DbFailure(failure.classification, { phase, retryable, commitOutcomeUnknown: !retryable, cause: error });
      }
      const outcome = origin === undefined ? 'unknown' : await resolveCommitOutcome(side.pool, origin, budget.deadline);
      this.events.emit('commitOutcome', { outcome });
      if (outcome === 'committed' && result) return result.value;
      if (outcome === 'aborted') throw new DbFailure(failure.classification, { phase, retryable: this.#canRetry(budget), cause: error });
      throw new DbFailure(failure.classification, { phase, retryable: false, commitOutcomeUnknown: true, cause: error });
    }
  }

  #failure(side: Side, error: unknown, generation: number, attempt: number, phase: FailurePhase, budget: CallBudget): unknown {
    const classification = classifyDbError(error);
    if (!classification.transient) return error; // application errors pass through untouched
    this.events.emit('dbError', {
      pool: side.role, kind: classification.kind, generation, attempt, phase,
      message: error instanceof Error ? error.message.slice(0, 300) : String(error),
    });
    if (classification.rebuild && this.#settings.resilient) side.pool.replace(generation, classification.kind);
    const retryable = phase === 'work' && this.#canRetry(budget);
    const deadlineBound = classification.kind === 'timeout' && budget.deadline - performance.now() < this.#settings.queryTimeoutMs;
    return new DbFailure(classification, { phase, retryable, deadlineBound, cause: error });
  }

  /** First attempt: half of what is left, so a frozen connection still leaves room for the retry. */
  #queryTimeout(): number | undefined {
    const state = this.scope.current();
    if (!state) return undefined;
    const left = state.deadline - performance.now();
    const share = state.attempt === 0 ? left / 2 : left - 5;
    return Math.max(20, Math.min(this.#settings.queryTimeoutMs, Math.floor(share)));
  }

  #canRetry(budget: CallBudget): boolean {
    return this.#settings.resilient && !budget.signal.aborted
      && budget.deadline - performance.now() >= this.#settings.retryMinRemainingMs;
  }

  #side(role: PoolRole, requireWritable: boolean): Side {
    const pool = new ResilientPool({
      createInner: () => createPgPool({ ...this.#settings, requireWritable, applicationName: `masterdata-${role}` }),
      minRebuildIntervalMs: this.#settings.resilient ? this.#settings.minRebuildIntervalMs : Number.POSITIVE_INFINITY,
      keepConnectionOnSqlError: this.#settings.resilient,
      ...(this.#settings.resilient ? { queryTimeout: () => this.#queryTimeout() } : {}),
    });
    pool.events.on('rebuild', (e) => this.events.emit('rebuild', { ...e, pool: role }));
    pool.events.on('rebuildSkipped', (e) => this.events.emit('rebuildSkipped', { pool: role, why: e.why }));
    pool.events.on('clientError', (e) => this.events.emit('clientError', { pool: role, generation: e.generation, message: e.error.message }));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return { role, pool, prisma };
  }
}
