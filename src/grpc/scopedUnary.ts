import type { handleUnaryCall } from '@grpc/grpc-js';
import type { Database, RunOptions } from '../db/Database.ts';
import type { AccessMode } from '../db/DbScope.ts';
import { guardedUnary, type GuardedUnaryDeps, type HandlerContext } from './guardedUnary.ts';

export type { HandlerContext } from './guardedUnary.ts';

export interface ScopedUnaryDeps extends GuardedUnaryDeps {
  readonly db: Database;
}

/**
 * A guarded unary handler (deadline, cancellation, exactly one answer, one status conversion)
 * whose database work runs in a call scope (read, write or consistent-read) and is retried once
 * when that is safe. A ServerInterceptor cannot re-run a handler, which is why this is a wrapper.
 */
export function scopedUnary<Req, Res>(
  deps: ScopedUnaryDeps,
  method: string,
  access: AccessMode,
  handler: (request: Req, ctx: HandlerContext) => Promise<Res>,
  options: ScopedOptions<Res> = {},
): handleUnaryCall<Req, Res> {
  const { onCommitted, ...run } = options;
  return guardedUnary(deps, method, async (request, ctx) => {
    const response = await deps.db.run(access, ctx, () => handler(request, ctx), run);
    onCommitted?.(response);
    return response;
  });
}

export interface ScopedOptions<Res> extends RunOptions {
  /** Called with the answer once the call's transaction has committed (a cache learns the new version). */
  readonly onCommitted?: (response: Res) => void;
}
