import { status as Status } from '@grpc/grpc-js';

/**
 * The HTTP status of a gRPC code, as Google's API design guide pairs them (google.rpc.Code).
 * Only a translation of the code toServiceError chose, for routes served over HTTP.
 */
const HTTP_BY_GRPC: Readonly<Record<number, number>> = {
  [Status.OK]: 200,
  [Status.CANCELLED]: 499,
  [Status.UNKNOWN]: 500,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.DEADLINE_EXCEEDED]: 504,
  [Status.NOT_FOUND]: 404,
  [Status.ALREADY_EXISTS]: 409,
  [Status.PERMISSION_DENIED]: 403,
  [Status.RESOURCE_EXHAUSTED]: 429,
  [Status.FAILED_PRECONDITION]: 400,
  [Status.ABORTED]: 409,
  [Status.OUT_OF_RANGE]: 400,
  [Status.UNIMPLEMENTED]: 501,
  [Status.INTERNAL]: 500,
  [Status.UNAVAILABLE]: 503,
  [Status.DATA_LOSS]: 500,
  [Status.UNAUTHENTICATED]: 401,
};

export function httpStatusOf(code: Status | undefined): number {
  return HTTP_BY_GRPC[code ?? Status.UNKNOWN] ?? 500;
}
