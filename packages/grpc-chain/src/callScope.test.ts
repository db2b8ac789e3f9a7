import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import type { AccessMode, CallBudget, RunOptions } from '@pos-masterdata/resilient-prisma';
import { answers, fakeCall } from '../test/fakeUnaryCall.ts';
import { ServerError } from './ServerError.ts';
import { CallChain } from './CallChain.ts';
import { callScope, type ScopeRunner } from './callScope.ts';
import type { MethodPolicy } from './methodPolicies.ts';

const WRITE: MethodPolicy = { name: 'PutThing', path: '/t.v1.S/PutThing', access: 'write', idempotent: true };
const READ: MethodPolicy = { name: 'GetThing', path: '/t.v1.S/GetThing', access: 'read', idempotent: false };

/** A Database that runs the work `attempts` times (a retry), and records how it was asked to. */
function fakeDb(attempts = 1) {
  const runs: { mode: AccessMode; budget: CallBudget; options: RunOptions | undefined }[] = [];
  const db: ScopeRunner = {
    run: async <T>(mode: AccessMode, budget: CallBudget, work: () => Promise<T>, options?: RunOptions) => {
      runs.push({ mode, budget, options });
      let result = await work();
      for (let i = 1; i < attempts; i++) result = await work();
      return result;
    },
  };
  return { db, runs };
}

const scoped = (db: ScopeRunner) => CallChain.create({ defaultDeadlineMs: 10_000, onInternalError: vi.fn() }).use(callScope(db));

describe('callScope', () => {
  it("runs the handler's work as the method's policy says: access mode, whether it is safe to repeat, the call's budget", async () => {
    const { db, runs } = fakeDb();
    const { got, callback } = answers();
    scoped(db).unary(WRITE, () => Promise.resolve('ok'))(fakeCall(1_000), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toMatchObject({ error: null, response: 'ok' });
    expect(runs[0]).toMatchObject({ mode: 'write', options: { idempotent: true } });
    expect(runs[0]?.budget.signal).toBeInstanceOf(AbortSignal);

    scoped(db).unary(READ, () => Promise.resolve('ok'))(fakeCall(1_000), callback);
    await vi.waitFor(() => expect(runs).toHaveLength(2));
    expect(runs[1]).toMatchObject({ mode: 'read', options: { idempotent: false } });
  });

  it('runs onCommit effects after a successful call only, and only those of the attempt that committed', async () => {
    const effects: string[] = [];
    let attempt = 0;
    const ok = answers();
    scoped(fakeDb(2).db).unary(WRITE, (_request: string, ctx) => {
      attempt += 1;
      const n = attempt;
      ctx.onCommit(() => effects.push(`attempt ${n}`));
      return Promise.resolve('saved');
    })(fakeCall(1_000), ok.callback);
    await vi.waitFor(() => expect(ok.got).toHaveLength(1));
    expect(effects).toEqual(['attempt 2']);

    const failed = answers();
    scoped(fakeDb().db).unary(WRITE, (_request: string, ctx) => {
      ctx.onCommit(() => effects.push('rolled back'));
      return Promise.reject(new ServerError(Status.ABORTED, 'changed'));
    })(fakeCall(1_000), failed.callback);
    await vi.waitFor(() => expect(failed.got).toHaveLength(1));
    expect(failed.got[0]?.error?.code).toBe(Status.ABORTED);
    expect(effects).toEqual(['attempt 2']);
  });
});
