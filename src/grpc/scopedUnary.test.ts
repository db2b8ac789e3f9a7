import { EventEmitter } from 'node:events';
import { status as Status, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import type { CallBudget, Database, RunOptions } from '../db/Database.ts';
import type { AccessMode } from '../db/DbScope.ts';
import { DomainError } from '../items/DomainError.ts';
import type { MethodPolicy } from './methodPolicies.ts';
import { scopedUnary } from './scopedUnary.ts';

const READ: MethodPolicy = { name: 'GetThing', path: '/t.v1.S/GetThing', access: 'read', idempotent: false };
const WRITE: MethodPolicy = { name: 'PutThing', path: '/t.v1.S/PutThing', access: 'write', idempotent: true };

/** A unary call as grpc-js hands it to a handler: a request, a deadline, a 'cancelled' event. */
function fakeCall(deadlineMs?: number): ServerUnaryCall<string, string> & EventEmitter {
  const call = new EventEmitter() as ServerUnaryCall<string, string> & EventEmitter;
  Object.assign(call, { request: 'req', getDeadline: () => (deadlineMs === undefined ? Infinity : Date.now() + deadlineMs) });
  return call;
}

/** A Database that runs the work directly and records how it was asked to. */
function fakeDb() {
  const runs: { mode: AccessMode; budget: CallBudget; options: RunOptions | undefined }[] = [];
  const db = {
    run: <T>(mode: AccessMode, budget: CallBudget, work: () => Promise<T>, options?: RunOptions) => {
      runs.push({ mode, budget, options });
      return work();
    },
  } as unknown as Database;
  return { db, runs };
}

/** Every answer the handler gives, with when it came. */
function answers() {
  const got: { error: Partial<ServiceError> | null; response?: string; at: number }[] = [];
  const start = performance.now();
  const callback = (error: Partial<ServiceError> | null, response?: string | null) => {
    got.push({ error, ...(response === undefined || response === null ? {} : { response }), at: performance.now() - start });
  };
  return { got, callback };
}

const deps = (db: Database, onInternalError = vi.fn()) => ({ db, defaultDeadlineMs: 10_000, onInternalError });

describe('scopedUnary', () => {
  it("runs the work as the method's policy says: access mode, and whether it is safe to repeat", async () => {
    const { db, runs } = fakeDb();
    const { got, callback } = answers();
    scopedUnary(deps(db), WRITE, () => Promise.resolve('ok'))(fakeCall(1_000), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toMatchObject({ error: null, response: 'ok' });
    expect(runs[0]).toMatchObject({ mode: 'write', options: { idempotent: true } });
  });

  it('answers DEADLINE_EXCEEDED at the deadline, aborts the work, and ignores its late answer: exactly one answer', async () => {
    const { db, runs } = fakeDb();
    const { got, callback } = answers();
    let finish: (v: string) => void = () => undefined;
    scopedUnary(
      deps(db),
      READ,
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
    )(fakeCall(50), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error?.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(got[0]?.at).toBeGreaterThanOrEqual(45);
    expect(runs[0]?.budget.signal.aborted).toBe(true);
    finish('too late');
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });

  it('applies the default deadline when the client sent none', async () => {
    const { db, runs } = fakeDb();
    const { got, callback } = answers();
    const before = performance.now();
    scopedUnary({ ...deps(db), defaultDeadlineMs: 5_000 }, READ, () => Promise.resolve('ok'))(fakeCall(), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(runs[0]?.budget.deadline).toBeGreaterThanOrEqual(before + 4_990);
    expect(runs[0]?.budget.deadline).toBeLessThanOrEqual(performance.now() + 5_000);
  });

  it('answers CANCELLED when the client cancels, and aborts the work', async () => {
    const { db, runs } = fakeDb();
    const { got, callback } = answers();
    const call = fakeCall(5_000);
    scopedUnary(deps(db), READ, () => new Promise<string>(() => undefined))(call, callback);
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    call.emit('cancelled');
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error?.code).toBe(Status.CANCELLED);
    expect(runs[0]?.budget.signal.aborted).toBe(true);
  });

  it('converts a domain refusal through toServiceError, and reports only what is internal', async () => {
    const { db } = fakeDb();
    const internal = vi.fn();
    const refused = answers();
    scopedUnary(deps(db, internal), READ, () => Promise.reject(new DomainError('not_found', 'thing "x" does not exist')))(
      fakeCall(1_000),
      refused.callback,
    );
    await vi.waitFor(() => expect(refused.got).toHaveLength(1));
    expect(refused.got[0]?.error).toMatchObject({ code: Status.NOT_FOUND, details: 'thing "x" does not exist' });
    expect(internal).not.toHaveBeenCalled();

    const crashed = answers();
    scopedUnary(deps(db, internal), READ, () => Promise.reject(new Error('SELECT secret FROM t')))(fakeCall(1_000), crashed.callback);
    await vi.waitFor(() => expect(crashed.got).toHaveLength(1));
    expect(crashed.got[0]?.error).toMatchObject({ code: Status.INTERNAL, details: 'internal error' });
    expect(internal).toHaveBeenCalledWith(expect.any(Error), 'GetThing');
  });

  it('calls onCommitted with the answer of a successful call only', async () => {
    const { db } = fakeDb();
    const committed = vi.fn();
    const ok = answers();
    scopedUnary(deps(db), WRITE, () => Promise.resolve('saved'), { onCommitted: committed })(fakeCall(1_000), ok.callback);
    await vi.waitFor(() => expect(ok.got).toHaveLength(1));
    const failed = answers();
    scopedUnary(deps(db), WRITE, () => Promise.reject(new DomainError('stale_version', 'changed')), { onCommitted: committed })(
      fakeCall(1_000),
      failed.callback,
    );
    await vi.waitFor(() => expect(failed.got).toHaveLength(1));
    expect(committed.mock.calls).toEqual([['saved']]);
  });
});
