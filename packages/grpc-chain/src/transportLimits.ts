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
  /** Request metadata with more entries than this is refused (default 64). */
  readonly maxMetadataEntries?: number;
  /** A call whose request message has not arrived by then (a half-open stream) is ended. */
  readonly messageTimeoutMs: number;
}

export type LimitReason = 'in-flight' | 'metadata' | 'message-timeout' | 'undecodable';

export interface TransportRefusal {
  readonly reason: LimitReason;
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly code: Status;
  readonly details: string;
  /** From the call's metadata to the refusal. */
  readonly ms: number;
  /** Who sent it (grpc-js's peer, `ip:port`). */
  readonly peer: string;
  /** For 'undecodable': the size of the request message that did not decode (never its content). */
  readonly bytes?: number;
}

export interface TransportLimitsObserver {
  readonly inFlight: (n: number) => void;
  readonly refused: (refusal: TransportRefusal) => void;
}

/** The base call's own sendStatus, which grpc-js calls directly when a request does not decode. */
interface BaseCall {
  sendStatus(status: { code: Status; details: string }): void;
  getPeer(): string;
}

/**
 * Bounds what callers can make the server hold before any handler runs: calls in flight (counted
 * from their metadata, so streams that never send their request count too), metadata size and
 * entries, and how long a stream may stay open without its request. A request body that does not
 * decode (grpc-js answers INTERNAL by itself, past every interceptor) is reported as a refusal
 * too, so it reaches the call log and the metrics. The one grpc-js interceptor of the server:
 * what needs a request or an answer is middleware in the call chain (CallChain.ts); this is what
 * must act before there is a request. Every call passes here, health and reflection included.
 */
export function transportLimits(limits: TransportLimits, observe: TransportLimitsObserver): ServerInterceptor {
  let inFlight = 0;
  const maxEntries = limits.maxMetadataEntries ?? 64;
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
    const peer = () => call.getPeer();
    const refuse = (reason: LimitReason, code: Status, details: string) => {
      if (ended) return;
      observe.refused({ reason, path: descriptor.path, code, details, ms: performance.now() - started, peer: peer() });
      intercepting.sendStatus({ code, details });
    };
    // grpc-js answers an undecodable request from the base call, where no responder sees it:
    // watch that call's own sendStatus (the first interceptor is handed the base call itself).
    const base = call as unknown as BaseCall;
    const sendStatus = base.sendStatus.bind(base);
    base.sendStatus = (status) => {
      if (!ended && status.code === Status.INTERNAL && status.details.startsWith('Error deserializing request')) {
        ended = true;
        release();
        const bytes = undecodableBytes;
        observe.refused({
          reason: 'undecodable',
          path: descriptor.path,
          code: status.code,
          details: status.details,
          ms: performance.now() - started,
          peer: peer(),
          ...(bytes === undefined ? {} : { bytes }),
        });
      }
      sendStatus(status);
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const { entries, bytes } = metadataSize(metadata);
        if (entries > maxEntries) {
          refuse(
            'metadata',
            Status.RESOURCE_EXHAUSTED,
            `request metadata has ${entries} entries, over this server's limit of ${maxEntries}`,
          );
          return;
        }
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

/**
 * The size of the last request that did not decode: grpc-js calls the deserializer and, when it
 * throws, sendStatus at once (synchronously), so the wrapped deserializer's note is this call's.
 */
let undecodableBytes: number | undefined;

/**
 * A service definition whose request deserializers note the size of a request that does not
 * decode, for transportLimits' report of it (pass it to `server.addService`).
 */
export function reportUndecodable<D extends Record<string, { requestDeserialize: (bytes: Buffer) => unknown }>>(definition: D): D {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          undecodableBytes = undefined;
          return method.requestDeserialize(bytes);
        } catch (error) {
          undecodableBytes = bytes.length;
          throw error;
        }
      },
    };
  }
  return wrapped as D;
}

/** Entries and bytes (HTTP/2's accounting: name + value + 32 per entry), in one pass over the metadata. */
function metadataSize(metadata: Metadata): { entries: number; bytes: number } {
  let entries = 0;
  let bytes = 0;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    entries += values.length;
    for (const value of values) bytes += key.length + value.length + 32;
  }
  return { entries, bytes };
}
