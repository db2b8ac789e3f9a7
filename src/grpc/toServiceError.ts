import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { classifyDbError, type DbErrorKind } from '../db/classifyDbError.ts';
import { DbFailure } from '../db/DbFailure.ts';
import { ServerError } from './ServerError.ts';

export const DEADLINE_EXCEEDED_MESSAGE = 'the deadline passed before the database answered; retry with a longer deadline';

const DB_STATUS: Record<DbErrorKind, [Status, string]> = {
  connection_lost: [Status.UNAVAILABLE, 'the database connection was lost; the call may be retried'],
  unavailable: [Status.UNAVAILABLE, 'the database is unavailable; retry shortly'],
  read_only: [Status.UNAVAILABLE, 'a database failover is in progress (the server is read-only); retry shortly'],
  timeout: [Status.UNAVAILABLE, 'the database did not answer in time; retry shortly'],
  serialization: [Status.ABORTED, 'the write conflicted with another one; retry it'],
  constraint: [Status.ABORTED, 'the write conflicted with a concurrent one; retry it'],
  not_found: [Status.NOT_FOUND, 'not found'],
  application: [Status.INTERNAL, 'internal error'],
};

/**
 * The one place that turns anything thrown into a gRPC status. Only ServerError messages and
 * the fixed texts above reach the client: never SQL, hosts, passwords or stack traces.
 */
export function toServiceError(error: unknown): { serviceError: Partial<ServiceError>; internal: boolean } {
  if (error instanceof ServerError) return { serviceError: build(error.code, error.message), internal: false };
  if (error instanceof DbFailure && error.commitOutcomeUnknown) {
    return {
      serviceError: build(Status.UNAVAILABLE, 'the connection was lost while committing and the outcome could not be confirmed; repeat the call with the same request_id'),
      internal: false,
    };
  }
  // Query timeouts are cut from the call's deadline: one that fired for want of time is the deadline.
  if (error instanceof DbFailure && error.deadlineBound) {
    return { serviceError: build(Status.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MESSAGE), internal: false };
  }
  const kind = error instanceof DbFailure ? error.classification.kind : classifyDbError(error).kind;
  const [code, message] = DB_STATUS[kind];
  return { serviceError: build(code, message), internal: code === Status.INTERNAL };
}

function build(code: Status, details: string): Partial<ServiceError> {
  return { code, details, message: details, metadata: new Metadata() };
}
