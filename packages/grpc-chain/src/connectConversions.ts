import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { Code, ConnectError } from '@connectrpc/connect';
import type { CallAnswer, CallSource } from './CallChain.ts';

// What Connect-ES and grpc-js call the same things: codes, headers and metadata, deadlines, and a
// call as the chain takes it and its answer as Connect sends it.

/** gRPC's `grpc-timeout` units (a number and one letter) in milliseconds. */
const TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

/** gRPC's status codes as Connect's Code (the same numbers, two enums). */
const CODE: Readonly<Record<number, Code>> = {
  [Status.CANCELLED]: Code.Canceled,
  [Status.UNKNOWN]: Code.Unknown,
  [Status.INVALID_ARGUMENT]: Code.InvalidArgument,
  [Status.DEADLINE_EXCEEDED]: Code.DeadlineExceeded,
  [Status.NOT_FOUND]: Code.NotFound,
  [Status.ALREADY_EXISTS]: Code.AlreadyExists,
  [Status.PERMISSION_DENIED]: Code.PermissionDenied,
  [Status.RESOURCE_EXHAUSTED]: Code.ResourceExhausted,
  [Status.FAILED_PRECONDITION]: Code.FailedPrecondition,
  [Status.ABORTED]: Code.Aborted,
  [Status.OUT_OF_RANGE]: Code.OutOfRange,
  [Status.UNIMPLEMENTED]: Code.Unimplemented,
  [Status.INTERNAL]: Code.Internal,
  [Status.UNAVAILABLE]: Code.Unavailable,
  [Status.DATA_LOSS]: Code.DataLoss,
  [Status.UNAUTHENTICATED]: Code.Unauthenticated,
};

/** The caller's deadline as epoch ms, from gRPC's or the Connect protocol's header; undefined when it sent none. */
export function deadlineOf(header: Headers, now: number): number | undefined {
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get('grpc-timeout') ?? '');
  if (grpc) return now + Number(grpc[1]) * (TIMEOUT_UNIT_MS[grpc[2] ?? ''] ?? 0);
  const connect = /^\d{1,10}$/.exec(header.get('connect-timeout-ms') ?? '');
  return connect ? now + Number(connect[0]) : undefined;
}

/** The request's headers as the chain's middleware read them (grpc-js Metadata). */
function metadataOf(header: Headers): Metadata {
  const metadata = new Metadata();
  header.forEach((value, key) => {
    try {
      if (key.endsWith('-bin')) metadata.add(key, Buffer.from(value, 'base64'));
      else metadata.add(key, value);
    } catch {
      // A header grpc-js would not accept as metadata (an HTTP one): no middleware reads it.
    }
  });
  return metadata;
}

function headersOf(metadata: Metadata | undefined): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {}))
    headers.set(key, typeof value === 'string' ? value : value.toString('base64'));
  return headers;
}

/** The chain's refusal as Connect throws it: the same code, message and metadata (the retry pushback). */
function toConnectError(error: Partial<ServiceError>): ConnectError {
  const { code = Status.UNKNOWN, details = '', metadata } = error;
  return new ConnectError(details, CODE[code] ?? Code.Unknown, headersOf(metadata));
}

/** A Connect call as `CallChain.serve` takes it: its headers as metadata, its signal as the cancel. */
export function connectSource(request: unknown, deadline: number | undefined, header: Headers, signal: AbortSignal): CallSource {
  return {
    request,
    deadline,
    metadata: metadataOf(header),
    onCancelled: (listener) => {
      // The signal also aborts once the handler has answered; the chain has stopped listening by then.
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

/** The chain's answer as Connect sends it: the response, the chain's trailers added to `trailerOf(response)`; or the refusal, thrown. */
export function connectAnswer<Res>(answer: CallAnswer<Res>, trailerOf: (response: Res) => Headers): Res {
  if (!answer.ok) throw toConnectError(answer.error);
  const trailer = trailerOf(answer.response);
  headersOf(answer.trailers).forEach((value, key) => trailer.set(key, value));
  return answer.response;
}
