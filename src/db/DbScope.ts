import { AsyncLocalStorage } from 'node:async_hooks';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** What a repository may run queries on: the client, or the interactive transaction of the call. */
export type ScopedClient = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export type AccessMode = 'read' | 'write' | 'consistent-read';

export interface CallScopeState {
  readonly db: ScopedClient;
  readonly mode: AccessMode;
  readonly generation: number;
  readonly attempt: number;
  readonly signal: AbortSignal;
  /** performance.now() value of the call's deadline. */
  readonly deadline: number;
}

/** Where repositories get the client of the call in progress. */
export interface ScopedClientSource {
  db(): ScopedClient;
}

/**
 * The per-call database scope. Repositories ask it for the client of the call in progress;
 * outside a call there is none, so nothing can quietly use a process-wide connection.
 */
export class DbScope implements ScopedClientSource {
  readonly #storage = new AsyncLocalStorage<CallScopeState>();

  run<T>(state: CallScopeState, fn: () => Promise<T>): Promise<T> {
    // Awaited inside the scope: a Prisma query is a lazy thenable that runs only when somebody
    // calls then(). Returned as it is, it would run in the caller's context, outside the scope,
    // and the pool would not see the call's deadline (`() => repo.find(…)` did exactly that).
    return this.#storage.run(state, async () => await fn());
  }

  /** The client of the current call. Throws when called outside a scope: that is a bug, not a fallback. */
  db(): ScopedClient {
    const state = this.#storage.getStore();
    if (!state) throw new Error('No database scope: repositories may only be used inside a call scope');
    if (state.signal.aborted) throw state.signal.reason instanceof Error ? state.signal.reason : new Error('call cancelled');
    return state.db;
  }

  current(): CallScopeState | undefined {
    return this.#storage.getStore();
  }
}
