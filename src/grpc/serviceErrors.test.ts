import { status as Status } from '@grpc/grpc-js';
import { DbFailure, classifyDbError } from '@pos-masterdata/resilient-prisma';
import { toServiceError } from '@pos-masterdata/grpc-chain';
import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorKind } from '../items/DomainError.ts';
import { SERVICE_ERRORS } from './serviceErrors.ts';

describe('SERVICE_ERRORS: the item domain through toServiceError', () => {
  it.each<[DomainErrorKind, Status]>([
    ['invalid', Status.INVALID_ARGUMENT],
    ['not_found', Status.NOT_FOUND],
    ['request_reused', Status.FAILED_PRECONDITION],
    ['stale_version', Status.ABORTED],
    ['precondition', Status.FAILED_PRECONDITION],
  ])("a domain refusal (%s) answers %s with the domain's own message", (kind, code) => {
    const { serviceError, internal } = toServiceError(new DomainError(kind, `the ${kind} message`, ['field']), SERVICE_ERRORS);
    expect(serviceError).toMatchObject({ code, details: `the ${kind} message` });
    expect(internal).toBe(false);
  });

  it('a COMMIT of unknown outcome says to repeat the call with the same request_id', () => {
    const lost = new DbFailure(classifyDbError({ code: '57P01' }), {
      phase: 'commit',
      retryable: false,
      commitOutcomeUnknown: true,
      cause: undefined,
    });
    expect(toServiceError(lost, SERVICE_ERRORS).serviceError).toMatchObject({
      code: Status.UNAVAILABLE,
      details: expect.stringMatching(/repeat the call with the same request_id/) as unknown,
    });
  });
});
