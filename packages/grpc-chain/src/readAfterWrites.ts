import type { CallContext, CallMiddleware, Next } from './CallChain.ts';

/** What readAfterWrites adds to a call's context. */
export interface ReadAfterContext {
  /** The position the call's read-your-writes token names; undefined without one, or with one not honoured. */
  readonly readAfter: bigint | undefined;
}

/** Issues and accepts tokens: a resilient-prisma Database's `readYourWrites`. */
export interface ReadAfterTokens {
  issue(deadline: number): Promise<string>;
  accept(token: string, deadline: number): Promise<bigint | undefined>;
}

export interface ReadAfterWritesOptions {
  /** The metadata key, in the trailers of writes and in the requests of reads. Default `x-read-after`. */
  readonly key?: string;
  /** A write succeeded but no token could be had for it (the writer went away after the COMMIT). */
  readonly onIssueFailed?: (error: unknown, method: string) => void;
}

/**
 * Read-your-writes across instances and standbys. Every method with side effects (its
 * `idempotency_level` in the proto) answers with a token in its trailers, once its work has
 * committed; a read that sends that token back, to any instance, gets `ctx.readAfter`, which the
 * call scope passes on so the read runs only where the write is visible (handlers that read by
 * other means pass it themselves). A write whose token cannot be had still answers OK: it committed.
 */
export function readAfterWrites(
  tokens: ReadAfterTokens,
  { key = 'x-read-after', onIssueFailed }: ReadAfterWritesOptions = {},
): CallMiddleware<ReadAfterContext> {
  const issuing = async <Ctx extends CallContext>(request: unknown, ctx: Ctx, next: Next<Ctx & ReadAfterContext>) => {
    const response = await next(request, Object.assign(ctx, { readAfter: undefined }));
    // The write has committed: its answer must not wait for the token past the deadline (the
    // caller would be told DEADLINE_EXCEEDED for a write that landed). Given up 1 ms before it,
    // the OK goes out without a token.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, ctx.deadline - performance.now() - 1));
    });
    try {
      const token = await Promise.race([tokens.issue(ctx.deadline), late]);
      if (token === undefined) onIssueFailed?.(new Error('no read-your-writes token before the deadline'), ctx.method.path);
      else ctx.trailers.set(key, token);
    } catch (error) {
      onIssueFailed?.(error, ctx.method.path);
    } finally {
      clearTimeout(timer);
    }
    return response;
  };
  return (request, ctx, next) => {
    if (ctx.method.access === 'write') return issuing(request, ctx, next);
    const sent = ctx.metadata.get(key)[0];
    // The common read carries no token: no await, no extra promise on its way.
    if (typeof sent !== 'string') return next(request, Object.assign(ctx, { readAfter: undefined }));
    return tokens.accept(sent, ctx.deadline).then((readAfter) => next(request, Object.assign(ctx, { readAfter })));
  };
}
