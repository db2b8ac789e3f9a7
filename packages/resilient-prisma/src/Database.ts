import { EventEmitter } from 'node:events';
import pRetry from 'p-retry';
import { AdmissionRejectedError } from './AdmissionGate.ts';
import { awaitReachable } from './awaitReachable.ts';
import { classifyDbError } from './classifyDbError.ts';
import { CircuitOpenError, DatabaseBreaker } from './DatabaseBreaker.ts';
import type { DatabaseEvents, PoolRole } from './DatabaseEvents.ts';
import { DatabaseSide, type Route } from './DatabaseSide.ts';
import { resolveDatabaseSettings, type DatabaseOptions, type DatabaseSettings } from './databaseSettings.ts';
import { CommitWithheldError, DbFailure, type FailurePhase } from './DbFailure.ts';
import { DbScope, type AccessMode, type PrismaClientLike, type RawQueryable, type ScopedClient } from './DbScope.ts';
import { DEFAULT_HINTS } from './misconfigurationHints.ts';
import type { ResilientPool } from './ResilientPool.ts';
import { ReadYourWrites } from './ReadYourWrites.ts';
import { resolveCommitOutcome, type TransactionOrigin } from './resolveCommitOutcome.ts';
import { transactionPreludeSql } from './transactionPrelude.ts';

/** How long a COMMIT lost after its caller was answered is still resolved (for the audit, the events). */
const RESOLVE_AFTER_ANSWER_MS = 2_000;

/** One call's database work, as `run` was given it, and the side it runs on. */
interface Call<C extends PrismaClientLike, T> {
  readonly side: DatabaseSide<C>;
  readonly mode: AccessMode;
  readonly budget: CallBudget;
  readonly work: () => Promise<T>;
  readonly options: RunOptions;
  /** An earlier attempt's COMMIT was lost with its outcome unresolved (an idempotent write being repeated). */
  commitAmbiguous: boolean;
}

/** Makes one side of the database (its pools, gate and routing). */
export type SideFactory<C extends PrismaClientLike> = (
  role: PoolRole,
  settings: DatabaseSettings<C>,
  events: EventEmitter<DatabaseEvents>,
  queryTimeout: () => number | undefined,
) => DatabaseSide<C>;

/** What the database layer needs to know about the call it works for. */
export interface CallBudget {
  /** performance.now() value after which nobody waits for the answer. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /**
   * Called synchronously at the moment a write's COMMIT is decided (each attempt's): from then on
   * neither the deadline nor a cancel can undo the write, so whoever answers the caller must wait
   * for the outcome or say it is unknown, never that the write failed.
   */
  readonly onCommitSent?: () => void;
}

export interface RunOptions {
  /**
   * The write is keyed by an idempotency key that `work` checks first (a request id the caller
   * sends): after a connection lost at COMMIT, running it again is how the truth is found
   * (it replays the stored answer if the first commit landed) and it can never write twice.
   */
  readonly idempotent?: boolean;
  /**
   * A read-your-writes position (from `readAfter(token)`): a plain read runs only on a standby
   * known to have replayed it, else on the writer.
   */
  readonly readAfter?: bigint | undefined;
}

/**
 * Owns the read and write connection pools and runs each call's database work in a scope:
 * fail fast while the database is down (breaker), admit a bounded number of calls per pool
 * (gate), classify failures, replace a suspect pool once, retry once when that is safe.
 */
export class Database<C extends PrismaClientLike> {
  /** Where repositories get the client of the call in progress: `db.scope.db().order.findMany(…)`. */
  readonly scope = new DbScope<C>();
  readonly events = new EventEmitter<DatabaseEvents>();
  readonly breaker: DatabaseBreaker;
  /** Read-your-writes tokens: `issue` after a write, `accept` a read's. */
  readonly readYourWrites: ReadYourWrites;
  /** The resolved settings (defaults applied); read-only. */
  readonly settings: DatabaseSettings<C>;
  readonly #read: DatabaseSide<C>;
  readonly #write: DatabaseSide<C>;
  readonly #settings: DatabaseSettings<C>;
  readonly #misconfiguredReported = new Set<string>();

  /** `createSide` is for unit tests, which give the Database sides with fake pools and clients. */
  constructor(options: DatabaseOptions<C>, createSide: SideFactory<C> = (...args) => new DatabaseSide(...args)) {
    const settings = resolveDatabaseSettings(options, DEFAULT_HINTS);
    this.settings = settings;
    this.#settings = settings;
    const queryTimeout = () => this.#queryTimeout();
    this.#read = createSide('read', settings, this.events, queryTimeout);
    this.#write = createSide('write', settings, this.events, queryTimeout);
    this.breaker = new DatabaseBreaker(settings.breaker);
    this.readYourWrites = new ReadYourWrites(() => this.pool('write'), this.events, settings.queryTimeoutMs);
    this.breaker.events.on('open', (e) => this.events.emit('breaker', { state: 'open', by: e.by }));
    this.breaker.events.on('close', () => this.events.emit('breaker', { state: 'closed' }));
  }

  get resilient(): boolean {
    return this.#settings.resilient;
  }

  generation(role: PoolRole): number {
    return this.pool(role).generation;
  }

  /** The pool that follows the writer on this side. */
  pool(role: PoolRole): ResilientPool {
    return (role === 'read' ? this.#read : this.#write).writer.pool;
  }

  /** The read hosts (undefined without a read endpoint). */
  get replicas(): DatabaseSide<C>['replicas'] {
    return this.#read.replicas;
  }

  /** Measures the read hosts once before the first call, then keeps measuring. */
  async start(): Promise<void> {
    await this.#read.start();
  }

  /** Runs `work` in a call scope: reads on the read pool without a transaction, writes in an interactive transaction. */
  async run<T>(mode: AccessMode, budget: CallBudget, work: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const side = mode === 'write' ? this.#write : this.#read;
    const call: Call<C, T> = { side, mode, budget, work, options, commitAmbiguous: false };
    if (!this.#settings.resilient) return this.#attempt(call, 0);
    const { tracer } = this.#settings;
    const queuedAt = tracer ? performance.now() : 0;
    try {
      return await this.breaker.execute(() =>
        side.gate.run(budget.deadline, budget.signal, () => {
          tracer?.step({ step: 'admitted', pool: side.role, waitedMs: performance.now() - queuedAt });
          return this.#withRetry(call);
        }),
      );
    } catch (error) {
      if (error instanceof DbFailure || !(error instanceof CircuitOpenError || error instanceof AdmissionRejectedError)) throw error;
      // Turned away before touching the database: no event per call (a burst would flood the log);
      // the gate and the breaker count these themselves.
      const retryAfterMs = error instanceof CircuitOpenError ? this.breaker.retryAfterMs : side.gate.expectedWaitMs();
      tracer?.step({
        step: 'rejected',
        pool: side.role,
        ...(error instanceof CircuitOpenError ? { by: 'breaker', reason: 'circuit_open' } : { by: 'admission', reason: error.reason }),
        retryAfterMs,
      });
      const classification = classifyDbError(error);
      throw new DbFailure(classification, {
        phase: 'work',
        retryable: false,
        deadlineBound: this.#deadlineBound(classification.timeLimited, budget),
        retryAfterMs,
        cause: error,
      });
    }
  }

  /** Replaces a side's pool now (subject to the rate limit); for operators and tests. */
  rebuild(role: PoolRole, reason: string): boolean {
    const pool = this.pool(role);
    return pool.replace(pool.generation, reason);
  }

  /** Closes both sides; bounded, so a connection that hangs (black hole, no timeouts) cannot hold shutdown. */
  async close(): Promise<void> {
    await Promise.allSettled([this.#read.close(), this.#write.close()]);
  }

  /** The one retry (p-retry): only for failures the table calls retryable, only while the deadline holds it. */
  async #withRetry<T>(call: Call<C, T>): Promise<T> {
    const { side } = call;
    let attempts = 0;
    try {
      const result = await pRetry(
        async (attemptNumber) => {
          attempts = attemptNumber;
          return this.#attempt(call, attemptNumber - 1);
        },
        {
          // The probe call of a half-open breaker must end fast: it decides for everybody waiting.
          retries: this.breaker.probing ? 0 : 1,
          minTimeout: 10,
          factor: 1,
          // No `signal`: p-retry would throw the abort reason even over an attempt that succeeded,
          // turning a write that committed after a cancel into "cancelled". A cancelled call is
          // not retried (#canRetry), and a write not yet committing rolls back (#refuseLateCommit).
          shouldRetry: ({ error }) => error instanceof DbFailure && error.retryable,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0 && error instanceof DbFailure && error.retryable) {
              const { kind } = error.classification;
              this.events.emit('retry', { pool: side.role, kind, attempt: attemptNumber + 1 });
              this.#settings.tracer?.step({ step: 'retry', pool: side.role, kind, attempt: attemptNumber });
            }
          },
        },
      );
      if (attempts > 1) this.events.emit('retryOutcome', { pool: side.role, outcome: 'succeeded' });
      return result;
    } catch (error) {
      if (attempts > 1) this.events.emit('retryOutcome', { pool: side.role, outcome: 'failed' });
      throw error;
    }
  }

  async #attempt<T>(call: Call<C, T>, attempt: number): Promise<T> {
    const { side, mode, budget, options } = call;
    // Chosen per attempt: a retry goes elsewhere when the first attempt's standby was excluded.
    const route = side.route(mode === 'read', options.readAfter);
    const { pool } = route.member;
    const generation = pool.generation;
    // The one retry is worth more once the server answers again: wait for it, as long as the retry still fits.
    if (attempt > 0) await awaitReachable(pool, budget.deadline - this.#settings.retryMinRemainingMs, budget.signal);
    if (route.host !== undefined)
      this.events.emit('routed', { pool: side.role, host: route.host, replica: route.replica, readAfter: options.readAfter !== undefined });
    const { tracer } = this.#settings;
    if (!tracer) return this.#runAttempt(call, route, attempt);
    const start = { pool: side.role, mode, attempt, generation, host: route.host, replica: route.replica };
    return tracer.attempt(start, () => this.#runAttempt(call, route, attempt));
  }

  async #runAttempt<T>(call: Call<C, T>, route: Route<C>, attempt: number): Promise<T> {
    const { side, mode, budget, work, options } = call;
    const { pool, prisma } = route.member;
    const generation = pool.generation;
    const state = { mode, generation, attempt, signal: budget.signal, deadline: budget.deadline };
    if (mode === 'read') {
      try {
        return await this.scope.run({ ...state, db: prisma }, work);
      } catch (error) {
        throw this.#failure(side, route, error, generation, attempt, 'work', budget);
      }
    }
    // Mutated inside the transaction callback; an object so the catch block sees the update.
    const progress: { phase: FailurePhase; origin?: TransactionOrigin; result?: { value: T } } = { phase: 'work' };
    const remaining = Math.max(1, Math.floor(budget.deadline - performance.now()));
    const resilient = this.#settings.resilient;
    try {
      // The scope wraps $transaction itself, so BEGIN and COMMIT (sent by Prisma outside the
      // callback) get the deadline-derived query timeout too.
      return await this.scope.run({ ...state, db: prisma }, () =>
        prisma.$transaction(
          async (tx) => {
            if (resilient) {
              // Every write learns where it runs: a COMMIT lost after its caller was answered (or
              // with no time for the idempotent repeat) is still resolved, for the audit if not the caller.
              const withOrigin = mode === 'write';
              const [row] = await tx.$queryRawUnsafe<TransactionOrigin[]>(transactionPreludeSql(this.#settings, withOrigin));
              if (withOrigin) progress.origin = row;
            }
            const value = await this.scope.run({ ...state, db: transactionClient<C>(tx) }, work);
            // The last moment the write can still be undone. Past the deadline or with the caller
            // gone, a commit would be heard by nobody, and the caller would take it for a failure:
            // roll back instead (the throw makes Prisma send ROLLBACK).
            if (resilient && mode === 'write') this.#refuseLateCommit(call);
            // From here on Prisma sends COMMIT: a lost connection no longer means "not written".
            progress.phase = 'commit';
            progress.result = { value };
            if (resilient) budget.onCommitSent?.();
            return value;
          },
          {
            // Admission already bounds the calls per pool; the deadline bounds the wait for a connection.
            // Prisma's own transaction timeout is only a backstop behind the per-query timeouts (which
            // end each statement by the deadline): expiring first, it would close the transaction
            // while a cancelled statement is still unwinding.
            ...(resilient ? { maxWait: remaining, timeout: remaining + this.#settings.cancelGraceMs * 2 + 1_000 } : {}),
            ...(mode === 'consistent-read' ? { isolationLevel: 'RepeatableRead' as const } : {}),
          },
        ),
      );
    } catch (error) {
      if (error instanceof CommitWithheldError) throw this.#withheld(call, error);
      const { phase, origin, result } = progress;
      const failure = this.#failure(side, route, error, generation, attempt, phase, budget);
      if (!(failure instanceof DbFailure) || phase !== 'commit') throw failure;
      const { classification } = failure;
      // A read-only transaction lost at COMMIT wrote nothing: as safe to run again as any read.
      if (mode !== 'write')
        throw new DbFailure(classification, { phase, retryable: classification.retry && this.#canRetry(budget), cause: error });
      if (!classification.ambiguousAtCommit) throw failure;
      if (options.idempotent && resilient && this.#canRetry(budget)) {
        this.events.emit('commitOutcome', { outcome: 'idempotent-retry' });
        this.#settings.tracer?.step({ step: 'commitOutcome', outcome: 'idempotent-retry' });
        call.commitAmbiguous = true;
        throw new DbFailure(classification, { phase, retryable: true, cause: error });
      }
      // Asked until the deadline while the caller waits; once it was answered (aborted: the answer
      // said "unknown"), a little longer, so that what became of the write is still known.
      const lostAt = performance.now();
      const until = () => (budget.signal.aborted ? Math.max(budget.deadline, lostAt + RESOLVE_AFTER_ANSWER_MS) : budget.deadline);
      const outcome = origin === undefined ? 'unknown' : await resolveCommitOutcome(pool, origin, until);
      this.events.emit('commitOutcome', { outcome });
      this.#settings.tracer?.step({ step: 'commitOutcome', outcome });
      if (outcome === 'committed' && result) return result.value;
      if (outcome === 'aborted') throw new DbFailure(classification, { phase, retryable: this.#canRetry(budget), cause: error });
      throw new DbFailure(classification, { phase, retryable: false, commitOutcomeUnknown: true, cause: error });
    }
  }

  /** Throws (so Prisma rolls back) when a write may no longer commit: the call was cancelled, or too little of its deadline is left. */
  #refuseLateCommit(call: Call<C, unknown>): void {
    const { signal, deadline } = call.budget;
    const reserve = this.#settings.commitReserveMs;
    if (signal.aborted) throw new CommitWithheldError('cancelled', 'the call was cancelled before COMMIT', { cause: signal.reason });
    const left = deadline - performance.now();
    if (left < reserve)
      throw new CommitWithheldError(
        'deadline',
        `${Math.max(0, Math.round(left))} ms of the deadline left, ${reserve} ms reserved for COMMIT`,
      );
  }

  /**
   * What a withheld COMMIT answers: the caller's own cancellation (signal.reason, as fetch does),
   * or a deadline failure saying nothing was written. After an earlier attempt's COMMIT with an
   * unknown outcome, neither is true: the first attempt may have landed.
   */
  #withheld(call: Call<C, unknown>, withheld: CommitWithheldError): unknown {
    const { side, budget, commitAmbiguous } = call;
    this.events.emit('commitWithheld', { pool: side.role, reason: withheld.reason, afterUnknownCommit: commitAmbiguous });
    const classification = classifyDbError(withheld);
    if (commitAmbiguous) {
      this.events.emit('commitOutcome', { outcome: 'unknown' });
      return new DbFailure(classification, { phase: 'commit', retryable: false, commitOutcomeUnknown: true, cause: withheld });
    }
    if (budget.signal.aborted) return budget.signal.reason;
    return new DbFailure(classification, { phase: 'work', retryable: false, deadlineBound: true, commitWithheld: true, cause: withheld });
  }

  #failure(
    side: DatabaseSide<C>,
    route: Route<C>,
    error: unknown,
    generation: number,
    attempt: number,
    phase: FailurePhase,
    budget: CallBudget,
  ): unknown {
    const classification = classifyDbError(error);
    if (!classification.reported) return error; // application errors pass through untouched
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    this.events.emit('dbError', {
      pool: side.role,
      kind: classification.kind,
      generation,
      attempt,
      phase,
      message,
      probeHealth: classification.probeHealth,
    });
    const key = `${side.role}:${generation}`;
    if (classification.hint !== undefined && !this.#misconfiguredReported.has(key)) {
      this.#misconfiguredReported.add(key);
      const { hint: reason } = classification;
      this.events.emit('misconfigured', { pool: side.role, generation, reason, hint: this.#settings.hints[reason], message });
    }
    if (classification.rebuild && this.#settings.resilient && route.member.pool.replace(generation, classification.kind))
      this.#settings.tracer?.step({ step: 'rebuild', pool: side.role, kind: classification.kind, generation });
    side.reportFailure(route, classification);
    const retryable = classification.retry && phase === 'work' && this.#canRetry(budget);
    return new DbFailure(classification, {
      phase,
      retryable,
      deadlineBound: this.#deadlineBound(classification.timeLimited, budget),
      cause: error,
    });
  }

  /** A time limit that ran out with (almost) nothing of the call's deadline left was the deadline. */
  #deadlineBound(timeLimited: boolean, budget: CallBudget): boolean {
    return timeLimited && budget.deadline - performance.now() < this.#settings.retryMinRemainingMs;
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
    return this.#settings.resilient && !budget.signal.aborted && budget.deadline - performance.now() >= this.#settings.retryMinRemainingMs;
  }
}

/**
 * Prisma hands the transaction callback the client of the user's schema without `$transaction`
 * and its kin; PrismaClientLike names only the raw query the layer itself sends there.
 */
function transactionClient<C>(tx: RawQueryable): ScopedClient<C> {
  return tx as unknown as ScopedClient<C>;
}
