import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { answers, fakeCall } from '../test/fakeUnaryCall.ts';
import { CallChain, type CallMiddleware } from './CallChain.ts';
import { callDeadline } from './callDeadline.ts';
import { ServerError } from './ServerError.ts';
import { callLog, type CallRecord } from './callLog.ts';
import type { MethodPolicy } from './methodPolicies.ts';

const READ: MethodPolicy = { name: 'GetThing', path: '/t.v1.S/GetThing', access: 'read', idempotent: false };

const chain = (onInternalError = vi.fn(), defaultDeadlineMs = 10_000) => CallChain.create({ defaultDeadlineMs, onInternalError });

describe('CallChain', () => {
  it('runs its middleware outermost first around the handler, each extending what the ones inside see', async () => {
    const order: string[] = [];
    const tag =
      (name: string): CallMiddleware<{ tags: string[] }> =>
      async (request, ctx, next) => {
        order.push(`${name} in`);
        const tags = 'tags' in ctx && Array.isArray(ctx.tags) ? (ctx.tags as string[]) : [];
        const response = await next(request, Object.assign(ctx, { tags: [...tags, name] }));
        order.push(`${name} out`);
        return response;
      };
    const { got, callback } = answers();
    const base = chain().use(tag('outer'));
    base.use(tag('inner')).unary(READ, (request: string, ctx) => {
      order.push('handler');
      ctx.trailers.set('x-seen', ctx.tags.join(','));
      return Promise.resolve(`${request}:${ctx.method.name}`);
    })(fakeCall(1_000), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(order).toEqual(['outer in', 'inner in', 'handler', 'inner out', 'outer out']);
    expect(got[0]).toMatchObject({ error: null, response: 'req:GetThing' });
    expect(got[0]?.trailers?.get('x-seen')).toEqual(['outer,inner']);
    // `.use()` returned a new chain: the shorter one is unchanged.
    order.length = 0;
    base.unary(READ, () => Promise.resolve('ok'))(fakeCall(1_000), answers().callback);
    await vi.waitFor(() => expect(order).toEqual(['outer in', 'outer out']));
  });

  it('with callDeadline: answers DEADLINE_EXCEEDED at the deadline, aborts the work, ignores its late answer', async () => {
    const { got, callback } = answers();
    let signal: AbortSignal | undefined;
    let finish: (v: string) => void = () => undefined;
    chain()
      .use(callDeadline)
      .unary(
        READ,
        (_request: string, ctx) =>
          new Promise<string>((resolve) => {
            signal = ctx.signal;
            finish = resolve;
          }),
      )(fakeCall(50), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error?.code).toBe(Status.DEADLINE_EXCEEDED);
    // answerMarginMs (5 ms) before the transport's deadline, less Date.now's 1 ms grain.
    expect(got[0]?.at).toBeGreaterThanOrEqual(43);
    expect(signal?.aborted).toBe(true);
    finish('too late');
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });

  it('applies the default deadline when the client sent none', async () => {
    const { got, callback } = answers();
    let deadline = 0;
    const before = performance.now();
    chain(vi.fn(), 5_000).unary(READ, (_request: string, ctx) => {
      deadline = ctx.deadline;
      return Promise.resolve('ok');
    })(fakeCall(), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(deadline).toBeGreaterThanOrEqual(before + 4_990);
    expect(deadline).toBeLessThanOrEqual(performance.now() + 5_000);
  });

  it('with callDeadline: answers CANCELLED when the client cancels, and aborts the work', async () => {
    const { got, callback } = answers();
    const call = fakeCall(5_000);
    let signal: AbortSignal | undefined;
    chain()
      .use(callDeadline)
      .unary(READ, (_request: string, ctx) => {
        signal = ctx.signal;
        return new Promise<string>(() => undefined);
      })(call, callback);
    await vi.waitFor(() => expect(signal).toBeDefined());
    call.emit('cancelled');
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error?.code).toBe(Status.CANCELLED);
    expect(signal?.aborted).toBe(true);
  });

  it('converts what a handler or a middleware throws through toServiceError, and reports only what is internal', async () => {
    const internal = vi.fn();
    const refused = answers();
    chain(internal).unary(READ, () => Promise.reject(new ServerError(Status.NOT_FOUND, 'thing "x" does not exist')))(
      fakeCall(1_000),
      refused.callback,
    );
    await vi.waitFor(() => expect(refused.got).toHaveLength(1));
    expect(refused.got[0]?.error).toMatchObject({ code: Status.NOT_FOUND, details: 'thing "x" does not exist' });
    expect(internal).not.toHaveBeenCalled();

    const crashed = answers();
    const throwsAtOnce: CallMiddleware = () => {
      throw new Error('SELECT secret FROM t');
    };
    chain(internal)
      .use(throwsAtOnce)
      .unary(READ, () => Promise.resolve('never'))(fakeCall(1_000), crashed.callback);
    await vi.waitFor(() => expect(crashed.got).toHaveLength(1));
    expect(crashed.got[0]?.error).toMatchObject({ code: Status.INTERNAL, details: 'internal error' });
    expect(internal).toHaveBeenCalledWith(expect.any(Error), 'GetThing');
  });

  it('the call log outside callDeadline records the deadline when it passes, with the tenant', async () => {
    const records: CallRecord[] = [];
    const { got, callback } = answers();
    const call = fakeCall(40);
    Object.assign(call, { request: { account: 'acme' } });
    const tenantOf = (request: unknown) => (request as { account?: string }).account;
    chain()
      .use(callLog((r) => records.push(r), { tenantOf }))
      .use(callDeadline)
      .unary(READ, () => new Promise<string>(() => undefined))(call, callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ path: READ.path, code: Status.DEADLINE_EXCEEDED, tenant: 'acme' });
    // Answered answerMarginMs (5 ms) before the transport's deadline, less Date.now's 1 ms grain.
    expect(records[0]?.ms).toBeGreaterThanOrEqual(33);
  });

  it('a write whose COMMIT is under way at the deadline is answered as of unknown outcome, never DEADLINE_EXCEEDED', async () => {
    const { got, callback } = answers();
    const WRITE = { ...READ, access: 'write' as const };
    let finish: (value: string) => void = () => undefined;
    chain()
      .use(callDeadline)
      .unary(WRITE, (_request, ctx) => {
        ctx.writes.commitSent();
        return new Promise<string>((resolve) => (finish = resolve));
      })(fakeCall(30), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error).toMatchObject({ code: Status.UNAVAILABLE });
    expect(got[0]?.error?.details).toMatch(/may have been applied/);
    finish('late');
  });

  it('a write that committed but whose answer is still on its way at the deadline is not answered DEADLINE_EXCEEDED', async () => {
    const { got, callback } = answers();
    chain()
      .use(callDeadline)
      .unary({ ...READ, access: 'write' }, (_request, ctx) => {
        ctx.writes.commitSent();
        ctx.writes.settle('committed');
        return new Promise<string>(() => undefined); // a later step (a token, say) that hangs
      })(fakeCall(30), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error).toMatchObject({ code: Status.UNAVAILABLE });
    expect(got[0]?.error?.details).toMatch(/may have been applied/);
  });

  it('a write not yet committing at the deadline is answered DEADLINE_EXCEEDED', async () => {
    const { got, callback } = answers();
    chain()
      .use(callDeadline)
      .unary({ ...READ, access: 'write' }, () => new Promise<string>(() => undefined))(fakeCall(30), callback);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]?.error).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
  });
});
