import { status as Status } from '@grpc/grpc-js';
import type { CallMiddleware } from './CallChain.ts';

const SERVER_SIDE = new Set([Status.INTERNAL, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.UNKNOWN, Status.DATA_LOSS]);

/** One finished call, as the call log records it. */
export interface CallRecord {
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly code: Status;
  readonly details?: string | undefined;
  readonly ms: number;
  readonly tenant?: string | undefined;
}

type LogFn = (fields: object, message: string) => void;

/** A histogram with method and code labels (prom-client's Histogram fits). */
export interface CallDurationHistogram {
  observe(labels: { method: string; code: string }, seconds: number): void;
}

/**
 * One log line and one latency observation per call: method, status, duration, tenant. Used by the
 * call log below and by the transport limits, whose refusals come before any handler.
 */
export function callRecorder(
  log: { readonly info: LogFn; readonly warn: LogFn },
  duration: CallDurationHistogram,
): (call: CallRecord) => void {
  return ({ path, code, details, ms, tenant }) => {
    const name = Status[code] ?? String(code);
    duration.observe({ method: path, code: name }, ms / 1000);
    const line = { method: path, code: name, durationMs: Math.round(ms * 100) / 100, tenant };
    if (SERVER_SIDE.has(code)) log.warn({ ...line, details }, 'call');
    else log.info(line, 'call');
  };
}

export interface CallLogOptions {
  /** The tenant (or account) a request is for, logged with it: read a key, never the content. */
  readonly tenantOf?: (request: unknown) => string | undefined;
}

/** The call log as the outermost layer of the chain: it sees every answer and every refusal below it. */
export function callLog(record: (call: CallRecord) => void, { tenantOf }: CallLogOptions = {}): CallMiddleware {
  return async (request, ctx, next) => {
    const started = performance.now();
    const path = ctx.method.path;
    const tenant = tenantOf?.(request)?.slice(0, 64);
    try {
      const response = await next(request, ctx);
      record({ path, code: Status.OK, ms: performance.now() - started, tenant });
      return response;
    } catch (error) {
      const { serviceError } = ctx.convertError(error);
      record({ path, code: serviceError.code ?? Status.UNKNOWN, details: serviceError.details, ms: performance.now() - started, tenant });
      throw error;
    }
  };
}
