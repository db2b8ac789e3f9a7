import { describe, expect, it } from 'vitest';
import shapes from './fixtures/errorShapes.json' with { type: 'json' };
import { classifyDbError } from './classifyDbError.ts';

// Shapes captured from real pg / Prisma 7 errors by scripts/captureErrorShapes.ts: every
// property the classifier reads (code, kind, message, cause, meta.driverAdapterError) as thrown.
describe('classifyDbError on errors captured from pg and Prisma 7', () => {
  it.each(Object.entries(shapes))('%s', (_name, { expect: kind, error }) => {
    expect(classifyDbError(error).kind).toBe(kind);
  });
});

describe('classifyDbError on shapes not produced by the capture run', () => {
  const cases: [string, unknown, string][] = [
    ['server starting up (57P03) via Prisma', { code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P03' } } } }, 'unavailable'],
    ['crash shutdown (57P02)', { code: '57P02', severity: 'FATAL', message: 'terminating connection because of crash of another server process' }, 'connection_lost'],
    ['class 08 connection failure', { code: '08006', message: 'connection failure' }, 'connection_lost'],
    ['SSL EOF (the incident)', new Error('SSL SYSCALL error: EOF detected'), 'connection_lost'],
    ['socket error deep in the cause chain', new Error('wrapper', { cause: new Error('inner', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }) }), 'connection_lost'],
    ['serialization failure', { code: '40001', message: 'could not serialize access' }, 'serialization'],
    ['deadlock', { code: '40P01' }, 'serialization'],
    ['foreign key violation', { code: '23503' }, 'constraint'],
    ['pool checkout timeout (P2024)', { code: 'P2024' }, 'timeout'],
    ['too many connections', { code: '53300' }, 'unavailable'],
    ['plain bug', new TypeError('x is not a function'), 'application'],
    ['not an error at all', 'oops', 'application'],
    ['null', null, 'application'],
  ];
  it.each(cases)('%s', (_name, error, kind) => {
    expect(classifyDbError(error).kind).toBe(kind);
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyDbError(a).kind).toBe('application');
  });

  it('marks what may be retried and what needs a new pool', () => {
    expect(classifyDbError({ code: '57P01' })).toEqual({ kind: 'connection_lost', transient: true, rebuild: true });
    expect(classifyDbError({ code: '25006' })).toEqual({ kind: 'read_only', transient: true, rebuild: true });
    expect(classifyDbError({ code: 'ECONNREFUSED' })).toEqual({ kind: 'unavailable', transient: true, rebuild: false });
    expect(classifyDbError({ code: 'P2002' })).toEqual({ kind: 'constraint', transient: false, rebuild: false });
  });
});
