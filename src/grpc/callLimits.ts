import { status as Status, type Metadata } from '@grpc/grpc-js';
import type { CallMiddleware } from './serverMiddleware.ts';

export interface CallLimits {
  /** Calls the server works on at once, across all connections; more are answered RESOURCE_EXHAUSTED. */
  readonly maxCallsInFlight: number;
  /** Request metadata larger than this (HTTP/2 accounting: name + value + 32 per entry) is refused. */
  readonly maxMetadataBytes: number;
  /** A call whose request message has not arrived by then (a half-open stream) is ended. */
  readonly messageTimeoutMs: number;
}

export interface CallLimitsObserver {
  readonly inFlight: (n: number) => void;
  readonly rejected: (reason: 'in-flight' | 'metadata' | 'message-timeout') => void;
}

/**
 * Bounds what callers can make the server hold: calls in flight, metadata size, and how long a
 * stream may stay open without its request. First in the middleware chain, so it refuses before
 * any other work (the call log still records the refusal).
 */
export function callLimits(limits: CallLimits, observe: CallLimitsObserver): CallMiddleware {
  let inFlight = 0;
  return (call) => {
    let counted = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      if (!counted) return;
      counted = false;
      inFlight -= 1;
      observe.inFlight(inFlight);
    };
    const refusal = (code: Status, details: string, reason: 'in-flight' | 'metadata' | 'message-timeout') => {
      observe.rejected(reason);
      return { code, details };
    };
    return {
      metadata: (metadata) => {
        const bytes = metadataBytes(metadata);
        if (bytes > limits.maxMetadataBytes) {
          return refusal(
            Status.RESOURCE_EXHAUSTED,
            `request metadata is ${bytes} bytes, over this server's limit of ${limits.maxMetadataBytes}`,
            'metadata',
          );
        }
        if (inFlight >= limits.maxCallsInFlight) {
          return refusal(
            Status.RESOURCE_EXHAUSTED,
            `the server is at its limit of ${limits.maxCallsInFlight} calls in flight; retry with backoff`,
            'in-flight',
          );
        }
        inFlight += 1;
        counted = true;
        observe.inFlight(inFlight);
        timer = setTimeout(
          () => call.refuse(refusal(Status.DEADLINE_EXCEEDED, 'the request message did not arrive in time', 'message-timeout')),
          limits.messageTimeoutMs,
        );
        timer.unref();
        return undefined;
      },
      message: () => {
        clearTimeout(timer);
        return undefined;
      },
      cancel: finish,
      status: finish,
    };
  };
}

function metadataBytes(metadata: Metadata): number {
  let bytes = 0;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) bytes += key.length + value.length + 32;
  }
  return bytes;
}
