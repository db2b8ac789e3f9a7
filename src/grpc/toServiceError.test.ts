import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import shapes from '../db/fixtures/errorShapes.json' with { type: 'json' };
import { classifyDbError } from '../db/classifyDbError.ts';
import { DbFailure } from '../db/DbFailure.ts';
import { RETRY_PUSHBACK_KEY, toServiceError } from './toServiceError.ts';

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
    const { serviceError, internal } = toServiceError(failure(captured('prisma through a stock PgBouncer: startup parameter refused (08P01)')));
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
