import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The parts of a generated PrismaClient the layer itself calls. Any Prisma 7 client fits, whatever
 * its schema and output path: the layer never imports one.
 */
export interface PrismaClientLike {
  // Method syntax on purpose: parameters compare bivariantly, so each schema's own transaction
  // client type fits this one signature.
  $transaction<R>(
    fn: (tx: RawQueryable) => Promise<R>,
    options?: { maxWait?: number; timeout?: number; isolationLevel?: 'RepeatableRead' },
  ): Promise<R>;
  $disconnect(): Promise<void>;
}

/** The raw query the layer sends at the start of a transaction (its limits and origin). */
export interface RawQueryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** What a repository may run queries on: the user's client, or the interactive transaction of the call. */
export type ScopedClient<C> = Omit<C, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export type AccessMode = 'read' | 'write' | 'consistent-read';

export interface CallScopeState<C = unknown> {
  readonly db: ScopedClient<C>;
  readonly mode: AccessMode;
  readonly generation: number;
  readonly attempt: number;
  readonly signal: AbortSignal;
  /** performance.now() value of the call's deadline. */
  readonly deadline: number;
}

/** Where repositories get the client of the call in progress. */
export interface ScopedClientSource<C> {
  db(): ScopedClient<C>;
}

/**
 * The per-call database scope. Repositories ask it for the client of the call in progress;
 * outside a call there is none, so nothing can quietly use a process-wide connection.
 */
export class DbScope<C> implements ScopedClientSource<C> {
  readonly #storage = new AsyncLocalStorage<CallScopeState<C>>();

  run<T>(state: CallScopeState<C>, fn: () => Promise<T>): Promise<T> {
    // Awaited inside the scope: a Prisma query is a lazy thenable that runs only when somebody
    // calls then(). Returned as it is, it would run in the caller's context, outside the scope,
    // and the pool would not see the call's deadline (`() => repo.find(…)` did exactly that).
    return this.#storage.run(state, async () => await fn());
  }

  /** The client of the current call. Throws when called outside a scope: that is a bug, not a fallback. */
  db(): ScopedClient<C> {
    const state = this.#storage.getStore();
    if (!state) throw new Error('No database scope: repositories may only be used inside a call scope');
    if (state.signal.aborted) throw state.signal.reason instanceof Error ? state.signal.reason : new Error('call cancelled');
    return state.db;
  }

  current(): CallScopeState<C> | undefined {
    return this.#storage.getStore();
  }
}
