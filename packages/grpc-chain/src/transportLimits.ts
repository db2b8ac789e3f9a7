import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as Status,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';

export interface TransportLimits {
  /** Calls the server works on at once, across all connections; more are answered RESOURCE_EXHAUSTED. */
  readonly maxCallsInFlight: number;
  /** Request metadata larger than this (HTTP/2 accounting: name + value + 32 per entry) is refused. */
  readonly maxMetadataBytes: number;
  /** A call whose request message has not arrived by then (a half-open stream) is ended. */
  readonly messageTimeoutMs: number;
}

export type LimitReason = 'in-flight' | 'metadata' | 'message-timeout';

export interface TransportRefusal {
  readonly reason: LimitReason;
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly code: Status;
  readonly details: string;
  /** From the call's metadata to the refusal. */
  readonly ms: number;
}

export interface TransportLimitsObserver {
  readonly inFlight: (n: number) => void;
  readonly refused: (refusal: TransportRefusal) => void;
}

/**
 * Bounds what callers can make the server hold before any handler runs: calls in flight (counted
 * from their metadata, so streams that never send their request count too), metadata size, and
 * how long a stream may stay open without its request. The one grpc-js interceptor of the server:
 * what needs a request or an answer is middleware in the call chain (CallChain.ts); this is what
 * must act before there is a request. Every call passes here, health and reflection included.
 */
export function transportLimits(limits: TransportLimits, observe: TransportLimitsObserver): ServerInterceptor {
  let inFlight = 0;
  return (descriptor, call) => {
    const started = performance.now();
    let counted = false;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(timer);
      if (!counted) return;
      counted = false;
      inFlight -= 1;
      observe.inFlight(inFlight);
    };
    const refuse = (reason: LimitReason, code: Status, details: string) => {
      if (ended) return;
      observe.refused({ reason, path: descriptor.path, code, details, ms: performance.now() - started });
      intercepting.sendStatus({ code, details });
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const bytes = metadataBytes(metadata);
        if (bytes > limits.maxMetadataBytes) {
          refuse(
            'metadata',
            Status.RESOURCE_EXHAUSTED,
            `request metadata is ${bytes} bytes, over this server's limit of ${limits.maxMetadataBytes}`,
          );
          return;
        }
        if (inFlight >= limits.maxCallsInFlight) {
          refuse(
            'in-flight',
            Status.RESOURCE_EXHAUSTED,
            `the server is at its limit of ${limits.maxCallsInFlight} calls in flight; retry with backoff`,
          );
          return;
        }
        inFlight += 1;
        counted = true;
        observe.inFlight(inFlight);
        timer = setTimeout(
          () => refuse('message-timeout', Status.DEADLINE_EXCEEDED, 'the request message did not arrive in time'),
          limits.messageTimeoutMs,
        );
        timer.unref();
        next(metadata);
      })
      .withOnReceiveMessage((message: unknown, next) => {
        clearTimeout(timer);
        next(message);
      })
      .withOnCancel(release)
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        ended = true;
        release();
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
