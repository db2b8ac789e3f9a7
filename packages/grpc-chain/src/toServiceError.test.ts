import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { classifyDbError, DbFailure } from '@pos-masterdata/resilient-prisma';
// The captured real failures the classifier is tested on (tests only; not shipped).
import shapes from '../../resilient-prisma/src/fixtures/errorShapes.json' with { type: 'json' };
import { ServerError } from './ServerError.ts';
import { COMMIT_OUTCOME_UNKNOWN_MESSAGE, DEADLINE_EXCEEDED_MESSAGE, RETRY_PUSHBACK_KEY, toServiceError } from './toServiceError.ts';

const captured = (name: keyof typeof shapes) => shapes[name].error;
const failure = (error: unknown, init: Partial<ConstructorParameters<typeof DbFailure>[1]> = {}) =>
  new DbFailure(classifyDbError(error), { phase: 'work', retryable: false, cause: error, ...init });

describe('toServiceError on captured database failures', () => {
  it('P2028 (no transaction slot in time) answers RESOURCE_EXHAUSTED, never INTERNAL', () => {
    const { serviceError, internal } = toServiceError(failure(captured('prisma transaction start timed out, pool saturated (P2028)')));
    expect(serviceError).toMatchObject({ code: Status.RESOURCE_EXHAUSTED, details: 'the service is busy; retry with backoff' });
    expect(internal).toBe(false);
  });

  it('a saturated wait that used up the deadline answers DEADLINE_EXCEEDED', () => {
    const { serviceError } = toServiceError(failure(captured('pg pool checkout timed out, pool saturated'), { deadlineBound: true }));
    expect(serviceError.code).toBe(Status.DEADLINE_EXCEEDED);
  });

  it('a pooler refusing the startup is UNAVAILABLE without SQL, hosts or parameters', () => {
    const { serviceError, internal } = toServiceError(
      failure(captured('prisma through a stock PgBouncer: startup parameter refused (08P01)')),
    );
    expect(serviceError.code).toBe(Status.UNAVAILABLE);
    expect(serviceError.details).not.toMatch(/statement_timeout|08P01|127\.0\.0\.1/);
    expect(internal).toBe(false);
  });

  it('an open circuit carries the retry hint in grpc-retry-pushback-ms', () => {
    const { serviceError } = toServiceError(failure({ code: 'CIRCUIT_OPEN' }, { retryAfterMs: 500 }));
    expect(serviceError.code).toBe(Status.UNAVAILABLE);
    expect(serviceError.metadata?.get(RETRY_PUSHBACK_KEY)).toEqual(['500']);
  });

  it('every captured shape maps to a status other than INTERNAL, except plain application errors', () => {
    for (const [name, { expect: kind, error }] of Object.entries(shapes)) {
      const { serviceError } = toServiceError(failure(error));
      if (kind !== 'application') expect([name, serviceError.code]).not.toEqual([name, Status.INTERNAL]);
    }
  });
});

describe('toServiceError: every status, and nothing leaks', () => {
  it("a domain refusal answers what the first mapper that knows it says, with the domain's own message", () => {
    class OrderError extends Error {
      readonly kind: 'missing' | 'closed';
      constructor(kind: 'missing' | 'closed') {
        super(`order ${kind}`);
        this.kind = kind;
      }
    }
    const mapping = {
      domain: [
        (e: unknown) => (e instanceof OrderError && e.kind === 'missing' ? { code: Status.NOT_FOUND, message: e.message } : undefined),
        (e: unknown) => (e instanceof OrderError ? { code: Status.FAILED_PRECONDITION, message: e.message } : undefined),
      ],
    };
    expect(toServiceError(new OrderError('missing'), mapping)).toMatchObject({
      serviceError: { code: Status.NOT_FOUND, details: 'order missing' },
      internal: false,
    });
    expect(toServiceError(new OrderError('closed'), mapping).serviceError).toMatchObject({ code: Status.FAILED_PRECONDITION });
    // Without the mapper it is a bug like any other error.
    expect(toServiceError(new OrderError('closed')).serviceError).toMatchObject({ code: Status.INTERNAL, details: 'internal error' });
  });

  it('a transport refusal (ServerError) keeps its status and message', () => {
    expect(toServiceError(new ServerError(Status.CANCELLED, 'the call was cancelled by the client')).serviceError).toMatchObject({
      code: Status.CANCELLED,
      details: 'the call was cancelled by the client',
    });
  });

  it('a database time limit that used up the deadline answers DEADLINE_EXCEEDED; a COMMIT of unknown outcome says so, in your words', () => {
    expect(toServiceError(failure({ code: 'CIRCUIT_OPEN' }, { deadlineBound: true })).serviceError).toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
      details: DEADLINE_EXCEEDED_MESSAGE,
    });
    const lost = failure(captured('pg pool checkout timed out, pool saturated'), { commitOutcomeUnknown: true, phase: 'commit' });
    expect(toServiceError(lost).serviceError).toMatchObject({ code: Status.UNAVAILABLE, details: COMMIT_OUTCOME_UNKNOWN_MESSAGE });
    const worded = toServiceError(lost, { commitOutcomeUnknownMessage: 'repeat it with the same order key' }).serviceError;
    expect(worded).toMatchObject({ code: Status.UNAVAILABLE, details: 'repeat it with the same order key' });
  });

  it('anything else is INTERNAL with a fixed text: no SQL, host, password or stack reaches the caller', () => {
    const secret = new Error('duplicate key value violates "item_pkey" SELECT * FROM item WHERE password = \'hunter2\' at 10.0.0.7:5432');
    secret.stack = 'Error: at /work/main/src/db/Database.ts:123';
    const { serviceError, internal } = toServiceError(secret);
    expect(serviceError).toMatchObject({ code: Status.INTERNAL, details: 'internal error' });
    expect(JSON.stringify(serviceError)).not.toMatch(/SELECT|hunter2|10\.0\.0\.7|Database\.ts|item_pkey/);
    expect(internal).toBe(true);
    expect(toServiceError('a string').serviceError.code).toBe(Status.INTERNAL);
    expect(toServiceError(undefined).serviceError.code).toBe(Status.INTERNAL);
  });
});
