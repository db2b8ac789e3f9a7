import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status as Status, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';

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
 * stream may stay open without its request. Registered last, so it is the outermost interceptor
 * and refuses before any other work (the call log still records the refusal).
 */
export function callLimitsInterceptor(limits: CallLimits, observe: CallLimitsObserver): ServerInterceptor {
  let inFlight = 0;
  return (_descriptor, call) => {
    let counted = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      if (!counted) return;
      counted = false;
      inFlight -= 1;
      observe.inFlight(inFlight);
    };
    const refuse = (code: Status, details: string, reason: 'in-flight' | 'metadata' | 'message-timeout') => {
      observe.rejected(reason);
      intercepting.sendStatus({ code, details });
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const bytes = metadataBytes(metadata);
        if (bytes > limits.maxMetadataBytes) {
          refuse(Status.RESOURCE_EXHAUSTED, `request metadata is ${bytes} bytes, over this server's limit of ${limits.maxMetadataBytes}`, 'metadata');
          return;
        }
        if (inFlight >= limits.maxCallsInFlight) {
          refuse(Status.RESOURCE_EXHAUSTED, `the server is at its limit of ${limits.maxCallsInFlight} calls in flight; retry with backoff`, 'in-flight');
          return;
        }
        inFlight += 1;
        counted = true;
        observe.inFlight(inFlight);
        timer = setTimeout(() => refuse(Status.DEADLINE_EXCEEDED, 'the request message did not arrive in time', 'message-timeout'), limits.messageTimeoutMs);
        timer.unref();
        next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        clearTimeout(timer);
        next(message);
      })
      .withOnCancel(finish)
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        finish();
        next(status);
      })
      .build();
    const intercepting = new ServerInterceptingCall(call, responder);
    return intercepting;
  };
}

function metadataBytes(metadata: Metadata): number {
  let bytes = 0;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) bytes += key.length + value.length + 32;
  }
  return bytes;
}
