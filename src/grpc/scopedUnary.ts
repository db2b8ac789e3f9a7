import type { handleUnaryCall } from '@grpc/grpc-js';
import type { Database, RunOptions } from '../db/Database.ts';
import { guardedUnary, type GuardedUnaryDeps, type HandlerContext } from './guardedUnary.ts';
import type { MethodPolicy } from './methodPolicies.ts';

export type { HandlerContext } from './guardedUnary.ts';

export interface ScopedUnaryDeps extends GuardedUnaryDeps {
  readonly db: Database;
}

/**
 * A guarded unary handler (deadline, cancellation, exactly one answer, one status conversion)
 * whose database work runs in a call scope and is retried once when that is safe. How it runs
 * (read or write, safe to repeat or not) is the method's policy, read from the proto
 * (methodPolicies.ts). A ServerInterceptor cannot re-run a handler, which is why this is a wrapper.
 */
export function scopedUnary<Req, Res>(
  deps: ScopedUnaryDeps,
  method: MethodPolicy,
  handler: (request: Req, ctx: HandlerContext) => Promise<Res>,
  options: ScopedOptions<Res> = {},
): handleUnaryCall<Req, Res> {
  const { onCommitted } = options;
  const run: RunOptions = { idempotent: method.idempotent };
  return guardedUnary(deps, method.name, async (request, ctx) => {
    const response = await deps.db.run(method.access, ctx, () => handler(request, ctx), run);
    onCommitted?.(response);
    return response;
  });
}

export interface ScopedOptions<Res> {
  /** Called with the answer once the call's transaction has committed (a cache learns the new version). */
  readonly onCommitted?: (response: Res) => void;
}
