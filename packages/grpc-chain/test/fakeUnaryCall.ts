import { EventEmitter } from 'node:events';
import { Metadata, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';

// Fakes for unit tests of unary handlers (CallChain and its middleware), without a server.

/** A unary call as grpc-js hands it to a handler: a request, metadata, a deadline, a 'cancelled' event. */
export function fakeCall(deadlineMs?: number): ServerUnaryCall<string, string> & EventEmitter {
  const call = new EventEmitter() as ServerUnaryCall<string, string> & EventEmitter;
  Object.assign(call, {
    request: 'req',
    metadata: new Metadata(),
    getDeadline: () => (deadlineMs === undefined ? Infinity : Date.now() + deadlineMs),
    getAuthContext: () => ({}),
  });
  return call;
}

/** Every answer a bound handler gives, with when it came. */
export function answers() {
  const got: { error: Partial<ServiceError> | null; response?: string; trailers?: Metadata; at: number }[] = [];
  const start = performance.now();
  const callback = (error: Partial<ServiceError> | null, response?: string | null, trailers?: Metadata) => {
    got.push({
      error,
      ...(response === undefined || response === null ? {} : { response }),
      ...(trailers ? { trailers } : {}),
      at: performance.now() - start,
    });
  };
  return { got, callback };
}
