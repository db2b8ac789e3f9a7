import { DbFailure, type AccessMode, type CallBudget, type RunOptions } from '@pos-masterdata/resilient-prisma';
import type { CallContext, CallMiddleware } from './CallChain.ts';
import type { ReadAfterContext } from './readAfterWrites.ts';

/** What the call scope adds to a handler's context. */
export interface ScopeContext {
  /**
   * Runs `effect` once the call's database work has committed (a cache learns the new version),
   * never for an attempt that was rolled back and retried.
   */
  onCommit(effect: () => void): void;
}

/** What runs the work: a resilient-prisma Database. */
export interface ScopeRunner {
  run<T>(mode: AccessMode, budget: CallBudget, work: () => Promise<T>, options?: RunOptions): Promise<T>;
}

/**
 * The call scope: the handler's database work runs in one scope of `db` and is retried once when
 * that is safe. How it runs (read or write, safe to repeat or not) is the method's policy, read from
 * the proto (methodPolicies.ts). A middleware and not an interceptor, because a retry runs the
 * rest of the chain (the handler) again, which only a layer around the handler can do. With
 * readAfterWrites outside it, a read carrying a token runs only where that write is visible.
 */
export function callScope(db: ScopeRunner): CallMiddleware<ScopeContext, CallContext & Partial<ReadAfterContext>> {
  return async (request, ctx, next) => {
    let effects: (() => void)[] = [];
    const scoped = Object.assign(ctx, { onCommit: (effect: () => void) => void effects.push(effect) });
    const { access } = ctx.method;
    const { writes } = ctx;
    // The deadline and the signal are the call's; the database says when a COMMIT goes out.
    const budget: CallBudget = { deadline: ctx.deadline, signal: ctx.signal, onCommitSent: () => writes.commitSent() };
    let response: unknown;
    try {
      response = await db.run(
        access,
        budget,
        () => {
          // A new attempt: what the rolled-back one registered is forgotten.
          effects = [];
          return next(request, scoped);
        },
        // A read-your-writes position, when readAfterWrites is in the chain and the call sent a token.
        { idempotent: ctx.method.idempotent, readAfter: ctx.readAfter },
      );
    } catch (error) {
      if (access === 'write') writes.settle(error instanceof DbFailure && error.commitOutcomeUnknown ? 'unknown' : 'rolled_back');
      throw error;
    }
    if (access === 'write') writes.settle('committed');
    for (const effect of effects) effect();
    return response;
  };
}
