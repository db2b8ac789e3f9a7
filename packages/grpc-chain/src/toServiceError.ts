import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { classifyDbError, DbFailure, type DbErrorKind } from '@pos-masterdata/resilient-prisma';
import { ServerError } from './ServerError.ts';

export const DEADLINE_EXCEEDED_MESSAGE = 'the deadline passed before the database answered; retry with a longer deadline';

/** A write rolled back instead of committing at its deadline: saying "nothing was written" is the point. */
export const COMMIT_WITHHELD_MESSAGE =
  'the deadline passed before the write could commit: it was rolled back and nothing was written; retry with a longer deadline';

/** gRPC's standard trailer for "retry after this many ms" (gRFC A6), read by grpc retry policies. */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

const DB_STATUS: Record<DbErrorKind, [Status, string]> = {
  connection_lost: [Status.UNAVAILABLE, 'the database connection was lost; the call may be retried'],
  unavailable: [Status.UNAVAILABLE, 'the database is unavailable; retry shortly'],
  read_only: [Status.UNAVAILABLE, 'a database failover is in progress (the server is read-only); retry shortly'],
  timeout: [Status.UNAVAILABLE, 'the database did not answer in time; retry shortly'],
  statement_timeout: [Status.UNAVAILABLE, 'the database did not finish in time (a long statement or a held lock); retry with backoff'],
  saturated: [Status.RESOURCE_EXHAUSTED, 'the service is busy; retry with backoff'],
  misconfigured: [
    Status.UNAVAILABLE,
    'the service cannot connect to its database (a configuration problem on the server side); retry later',
  ],
  circuit_open: [Status.UNAVAILABLE, `the database is down; retry after ${RETRY_PUSHBACK_KEY}`],
  serialization: [Status.ABORTED, 'the write conflicted with another one; retry it'],
  constraint: [Status.ABORTED, 'the write conflicted with a concurrent one; retry it'],
  not_found: [Status.NOT_FOUND, 'not found'],
  application: [Status.INTERNAL, 'internal error'],
};

/** Your domain's refusals as statuses: return undefined for an error that is not yours. */
export type DomainErrorMapper = (error: unknown) => { readonly code: Status; readonly message: string } | undefined;

export interface ErrorMapping {
  /** Asked in order before anything else; the first answer wins, and its message goes to the caller. */
  readonly domain?: readonly DomainErrorMapper[];
  /**
   * What a caller is told when a write's COMMIT was lost and its outcome could not be resolved:
   * name your idempotency key (`repeat the call with the same request_id`).
   */
  readonly commitOutcomeUnknownMessage?: string;
}

export const COMMIT_OUTCOME_UNKNOWN_MESSAGE =
  'the write may have been applied: its COMMIT was under way when the connection was lost or the deadline passed, and its outcome could not be confirmed; read before you repeat the call';

export interface ConvertedError {
  readonly serviceError: Partial<ServiceError>;
  /** A bug, not a refusal: log it with its stack. */
  readonly internal: boolean;
}

/**
 * The one place that turns anything thrown into a gRPC status. Only your mappers' messages,
 * ServerError messages and the fixed texts above reach the client: never SQL, hosts, passwords or
 * stack traces.
 */
export function toServiceError(error: unknown, mapping: ErrorMapping = {}): ConvertedError {
  for (const map of mapping.domain ?? []) {
    const mapped = map(error);
    if (mapped) return { serviceError: build(mapped.code, mapped.message), internal: false };
  }
  if (error instanceof ServerError) return { serviceError: build(error.code, error.message), internal: false };
  if (error instanceof DbFailure && error.commitOutcomeUnknown) {
    return {
      serviceError: build(Status.UNAVAILABLE, mapping.commitOutcomeUnknownMessage ?? COMMIT_OUTCOME_UNKNOWN_MESSAGE),
      internal: false,
    };
  }
  if (error instanceof DbFailure && error.deadlineBound) {
    const message = error.commitWithheld ? COMMIT_WITHHELD_MESSAGE : DEADLINE_EXCEEDED_MESSAGE;
    return { serviceError: build(Status.DEADLINE_EXCEEDED, message), internal: false };
  }
  const kind = error instanceof DbFailure ? error.classification.kind : classifyDbError(error).kind;
  const [code, message] = DB_STATUS[kind];
  const retryAfterMs = error instanceof DbFailure ? error.retryAfterMs : undefined;
  return { serviceError: build(code, message, retryAfterMs), internal: code === Status.INTERNAL };
}

function build(code: Status, details: string, retryAfterMs?: number): Partial<ServiceError> {
  const metadata = new Metadata();
  if (retryAfterMs !== undefined) metadata.set(RETRY_PUSHBACK_KEY, String(Math.max(0, Math.round(retryAfterMs))));
  return { code, details, message: details, metadata };
}
