import { Metadata, status as Status, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import { ServerError } from './ServerError.ts';
import { DEADLINE_EXCEEDED_MESSAGE, toServiceError } from './toServiceError.ts';

export interface HandlerContext {
  /** performance.now() value of the call's deadline. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** Trailing metadata sent with a successful answer (x-masterdata-stale, say). */
  readonly trailers: Metadata;
}

export interface GuardedUnaryDeps {
  /** Applied when the client sent no deadline, so no call can hold a connection forever. */
  readonly defaultDeadlineMs: number;
  readonly onInternalError: (error: unknown, method: string) => void;
}

/**
 * Wraps a unary handler so that it never outlives the call's deadline or cancellation, answers
 * exactly once, and fails with a proper status (toServiceError, the one place that converts).
 */
export function guardedUnary<Req, Res>(
  deps: GuardedUnaryDeps,
  method: string,
  handler: (request: Req, ctx: HandlerContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    const deadline = performance.now() + remainingMs(call.getDeadline(), deps.defaultDeadlineMs);
    const controller = new AbortController();
    const onCancelled = () => controller.abort(new ServerError(Status.CANCELLED, 'the call was cancelled by the client'));
    call.once('cancelled', onCancelled);
    const timer = setTimeout(
      () => controller.abort(new ServerError(Status.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MESSAGE)),
      Math.max(0, deadline - performance.now()),
    );
    const ctx: HandlerContext = { deadline, signal: controller.signal, trailers: new Metadata() };
    // A database that hangs must not hold the call: the first of the work, the deadline and
    // a cancellation answers it; whatever comes later is of no interest to anybody.
    let answered = false;
    const answer = (error: unknown, response?: Res) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      if (error === undefined) {
        callback(null, response, ctx.trailers);
        return;
      }
      const { serviceError, internal } = toServiceError(error);
      if (internal) deps.onInternalError(error, method);
      callback(serviceError);
    };
    controller.signal.onabort = () => answer(controller.signal.reason);
    handler(call.request, ctx).then((response) => answer(undefined, response), answer);
  };
}

function remainingMs(deadline: Date | number, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return fallbackMs;
  return Math.max(0, at - Date.now());
}
