import { Metadata, status as Status } from '@grpc/grpc-js';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { CallChain, CallContext } from './CallChain.ts';
import { policyOf, type MethodPolicy } from './methodPolicies.ts';

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
function deadlineOf(header: Headers, now: number): number | undefined {
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

/**
 * A Connect-ES interceptor (`connectNodeAdapter({ routes, interceptors: [connectCallChain(chain)] })`)
 * that runs every unary Connect handler inside `chain`: the same call scope, deadline, policy
 * from the proto's `idempotency_level` (`DescMethod.idempotency`) and one status boundary as a
 * grpc-js server, over gRPC, gRPC-Web and the Connect protocol alike. The chain's trailers are
 * the response's trailers; a refusal is a ConnectError with the chain's code, message and
 * metadata (the retry pushback). Streaming calls pass through untouched.
 */
export function connectCallChain<Ctx extends CallContext>(chain: CallChain<Ctx>): Interceptor {
  const policies = new Map<string, MethodPolicy>();
  return (next) => async (req) => {
    if (req.stream) return next(req);
    const path = `/${req.service.typeName}/${req.method.name}`;
    let method = policies.get(path);
    if (!method) policies.set(path, (method = policyOf(path, req.method.name, req.method.idempotency)));
    const answer = await chain.serve(method, () => next(req))({
      request: req.message,
      deadline: deadlineOf(req.header, Date.now()),
      metadata: metadataOf(req.header),
      onCancelled: (listener) => {
        // The signal also aborts once the handler has answered; the chain has stopped listening by then.
        req.signal.addEventListener('abort', listener, { once: true });
        return () => req.signal.removeEventListener('abort', listener);
      },
    });
    if (!answer.ok) {
      const { code = Status.UNKNOWN, details = '', metadata } = answer.error;
      throw new ConnectError(details, CODE[code] ?? Code.Unknown, headersOf(metadata));
    }
    headersOf(answer.trailers).forEach((value, key) => answer.response.trailer.set(key, value));
    return answer.response;
  };
}
