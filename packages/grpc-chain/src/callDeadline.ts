import { commitPending } from '@pos-masterdata/resilient-prisma';
import type { CallMiddleware } from './CallChain.ts';

/**
 * The call answers at the first of its work, its deadline and its cancellation: a database that
 * hangs must not hold the call, and whatever comes later is of no interest to anybody. The layers
 * outside this one (the call log, the audit) see the deadline at the moment it passes; the layers
 * inside see it as `ctx.signal` and stop their work (a write not yet committing rolls back). A
 * write whose COMMIT is under way then, or done with its answer not yet out, is not a failure: it
 * is answered as of unknown outcome (repeating it with its idempotency key replays the answer).
 */
export const callDeadline: CallMiddleware = (request, ctx, next) => {
  const { signal, writes } = ctx;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  // The signal belongs to this one call: its listener goes when the call does.
  const ended = new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(writes.mayHaveLanded ? commitPending(signal.reason) : (signal.reason as Error)), {
      once: true,
    });
  });
  return Promise.race([next(request, ctx), ended]);
};
