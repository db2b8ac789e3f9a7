import { describe, expect, it, vi } from 'vitest';
import { answers, fakeCall } from '../test/fakeUnaryCall.ts';
import { CallChain } from './CallChain.ts';
import type { MethodPolicy } from './methodPolicies.ts';
import { readAfterWrites, type ReadAfterTokens } from './readAfterWrites.ts';

const WRITE: MethodPolicy = { name: 'PutThing', path: '/t.v1.S/PutThing', access: 'write', idempotent: true };
const READ: MethodPolicy = { name: 'GetThing', path: '/t.v1.S/GetThing', access: 'read', idempotent: false };

function fakeTokens(issue: () => Promise<string> = () => Promise.resolve('rw1.1.ff')) {
  const accepted: string[] = [];
  const tokens: ReadAfterTokens = {
    issue,
    accept: (token) => {
      accepted.push(token);
      return Promise.resolve(token === 'rw1.1.ff' ? 255n : undefined);
    },
  };
  return { tokens, accepted };
}

const chain = (tokens: ReadAfterTokens, onIssueFailed = vi.fn()) =>
  CallChain.create({ defaultDeadlineMs: 10_000, onInternalError: vi.fn() }).use(readAfterWrites(tokens, { key: 'x-after', onIssueFailed }));

describe('readAfterWrites', () => {
  it('answers a write with a token in its trailers, and gives a read that sends one the position it names', async () => {
    const { tokens, accepted } = fakeTokens();
    const wrote = answers();
    chain(tokens).unary(WRITE, () => Promise.resolve('saved'))(fakeCall(1_000), wrote.callback);
    await vi.waitFor(() => expect(wrote.got).toHaveLength(1));
    expect(wrote.got[0]?.trailers?.get('x-after')).toEqual(['rw1.1.ff']);

    const seen: (bigint | undefined)[] = [];
    for (const token of ['rw1.1.ff', undefined, 'other']) {
      const call = fakeCall(1_000);
      if (token !== undefined) call.metadata.set('x-after', token);
      const read = answers();
      chain(tokens).unary(READ, (_request: string, ctx) => {
        seen.push(ctx.readAfter);
        return Promise.resolve('thing');
      })(call, read.callback);
      await vi.waitFor(() => expect(read.got).toHaveLength(1));
      expect(read.got[0]?.trailers?.get('x-after')).toEqual([]); // reads issue nothing
    }
    expect(seen).toEqual([255n, undefined, undefined]);
    expect(accepted).toEqual(['rw1.1.ff', 'other']);
  });

  it('a write whose token does not come before the deadline answers OK without it, before the deadline', async () => {
    const { tokens } = fakeTokens(() => new Promise<string>(() => undefined));
    const onIssueFailed = vi.fn();
    const wrote = answers();
    chain(tokens, onIssueFailed).unary(WRITE, () => Promise.resolve('saved'))(fakeCall(40), wrote.callback);
    await vi.waitFor(() => expect(wrote.got).toHaveLength(1));
    expect(wrote.got[0]).toMatchObject({ error: null, response: 'saved' });
    expect(wrote.got[0]?.trailers?.get('x-after')).toEqual([]);
    expect(onIssueFailed).toHaveBeenCalledOnce();
  });

  it('a write whose token cannot be had still answers OK (it committed), without the trailer', async () => {
    const onIssueFailed = vi.fn();
    const { tokens } = fakeTokens(() => Promise.reject(new Error('writer gone')));
    const wrote = answers();
    chain(tokens, onIssueFailed).unary(WRITE, () => Promise.resolve('saved'))(fakeCall(1_000), wrote.callback);
    await vi.waitFor(() => expect(wrote.got).toHaveLength(1));
    expect(wrote.got[0]).toMatchObject({ error: null, response: 'saved' });
    expect(wrote.got[0]?.trailers?.get('x-after')).toEqual([]);
    expect(onIssueFailed).toHaveBeenCalledWith(expect.any(Error), '/t.v1.S/PutThing');
  });
});
