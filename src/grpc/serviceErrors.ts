import { status as Status } from '@grpc/grpc-js';
import type { ErrorMapping } from '@pos-masterdata/grpc-chain';
import { DomainError, type DomainErrorKind } from '../items/DomainError.ts';

/** What the domain refuses, as statuses; the domain's own message goes to the caller. */
const DOMAIN_STATUS: Record<DomainErrorKind, Status> = {
  invalid: Status.INVALID_ARGUMENT,
  not_found: Status.NOT_FOUND,
  request_reused: Status.FAILED_PRECONDITION,
  stale_version: Status.ABORTED,
  precondition: Status.FAILED_PRECONDITION,
};

/** This service's part of toServiceError: its domain errors and its idempotency key's name. */
export const SERVICE_ERRORS: ErrorMapping = {
  domain: [(error) => (error instanceof DomainError ? { code: DOMAIN_STATUS[error.kind], message: error.message } : undefined)],
  commitOutcomeUnknownMessage:
    'the write may have been applied (its COMMIT was under way when the connection was lost or the deadline passed); repeat the call with the same request_id',
};
