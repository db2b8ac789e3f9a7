import { describe, expect, it } from 'vitest';
import shapes from './fixtures/errorShapes.json' with { type: 'json' };
import { classifyDbError } from './classifyDbError.ts';

// Shapes captured from real pg / Prisma 7 errors by scripts/captureErrorShapes.ts: every
// property the classifier reads (code, kind, message, cause, meta.driverAdapterError) as thrown.
describe('classifyDbError on errors captured from pg and Prisma 7', () => {
  it.each(Object.entries(shapes))('%s', (_name, { expect: kind, error }) => {
    expect(classifyDbError(error).kind).toBe(kind);
  });

  // The captures used Prisma's 'colorless' format; the service's clients use 'minimal' (no call
  // site per query), whose messages lack the "Invalid `prisma.x()` invocation:" preamble.
  it.each(Object.entries(shapes))('%s, in the minimal error format', (_name, { expect: kind, error }) => {
    expect(classifyDbError(withoutPreamble(error)).kind).toBe(kind);
  });
});

function withoutPreamble(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const copy: Record<string, unknown> = { ...error };
  if (typeof copy.message === 'string') copy.message = copy.message.replace(/^\s*Invalid `[^`]*` invocation:\s*/, '');
  if ('cause' in copy) copy.cause = withoutPreamble(copy.cause);
  return copy;
}

describe('classifyDbError on shapes not produced by the capture run', () => {
  const cases: [string, unknown, string][] = [
    [
      'server starting up (57P03) via Prisma',
      { code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P03' } } } },
      'unavailable',
    ],
    [
      'crash shutdown (57P02)',
      { code: '57P02', severity: 'FATAL', message: 'terminating connection because of crash of another server process' },
      'connection_lost',
    ],
    ['class 08 connection failure', { code: '08006', message: 'connection failure' }, 'connection_lost'],
    ['SSL EOF (the incident)', new Error('SSL SYSCALL error: EOF detected'), 'connection_lost'],
    [
      'socket error deep in the cause chain',
      new Error('wrapper', { cause: new Error('inner', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }) }),
      'connection_lost',
    ],
    ['serialization failure', { code: '40001', message: 'could not serialize access' }, 'serialization'],
    ['deadlock', { code: '40P01' }, 'serialization'],
    ['foreign key violation', { code: '23503' }, 'constraint'],
    ['Prisma pool checkout timeout (P2024)', { code: 'P2024' }, 'saturated'],
    ['server at max_connections (53300)', { code: '53300', severity: 'FATAL', message: 'sorry, too many clients already' }, 'saturated'],
    ['admission rejected by this layer', { code: 'ADMISSION_REJECTED', message: 'the admission queue is full' }, 'saturated'],
    ['circuit open (this layer)', { code: 'CIRCUIT_OPEN', message: 'the database is down' }, 'circuit_open'],
    [
      'statement cancelled after a read timeout, connection alive',
      { code: 'STATEMENT_CANCELLED', cause: new Error('Query read timeout') },
      'timeout',
    ],
    ['no answer after a cancel request', { code: 'CONNECTION_UNRESPONSIVE', cause: new Error('Query read timeout') }, 'connection_lost'],
    ['lock_timeout (55P03)', { code: '55P03', message: 'canceling statement due to lock timeout' }, 'statement_timeout'],
    ['TLS refused by the server', new Error('The server does not support SSL connections'), 'misconfigured'],
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

  it('reads every decision from the one policy table', () => {
    expect(classifyDbError({ code: '57P01' })).toMatchObject({
      kind: 'connection_lost',
      retry: true,
      rebuild: true,
      ambiguousAtCommit: true,
      opensBreaker: false,
    });
    expect(classifyDbError({ code: '25006' })).toMatchObject({ kind: 'read_only', retry: true, rebuild: true });
    expect(classifyDbError({ code: 'ECONNREFUSED' })).toMatchObject({
      kind: 'unavailable',
      retry: true,
      rebuild: false,
      opensBreaker: true,
    });
    expect(classifyDbError({ code: 'P2002' })).toMatchObject({ kind: 'constraint', retry: false, rebuild: false, reported: false });
  });

  it('never treats saturation as an outage: no retry, no rebuild, no health probe, no breaker', () => {
    for (const error of [{ code: 'P2024' }, new Error('timeout exceeded when trying to connect'), { code: 'ADMISSION_REJECTED' }]) {
      expect(classifyDbError(error)).toMatchObject({
        kind: 'saturated',
        retry: false,
        rebuild: false,
        probeHealth: false,
        opensBreaker: false,
        timeLimited: true,
      });
    }
  });

  it('a lock or statement timeout on a live connection is no evidence of a dead one', () => {
    for (const error of [{ code: 'STATEMENT_CANCELLED' }, { code: '57014' }, { code: '55P03' }]) {
      expect(classifyDbError(error)).toMatchObject({ rebuild: false, probeHealth: false, opensBreaker: false });
    }
  });

  it('a permanent refusal is misconfigured, with what to change', () => {
    const pgbouncer = { code: '08P01', severity: 'FATAL', message: 'unsupported startup parameter: statement_timeout' };
    expect(classifyDbError(pgbouncer)).toMatchObject({
      kind: 'misconfigured',
      retry: false,
      rebuild: false,
      probeHealth: true,
      opensBreaker: true,
    });
    expect(classifyDbError(pgbouncer).hint).toBe('startup_parameter');
    expect(classifyDbError({ code: '28P01' }).hint).toBe('authentication');
    expect(classifyDbError({ code: '3D000' }).hint).toBe('database_missing');
  });

  // PgBouncer sends all of these as 08P01; only the startup refusal is a setting to change.
  it.each([
    ['no more connections allowed (max_client_conn)', 'saturated'],
    ['query_wait_timeout', 'saturated'],
    ['server login has been failing, try again later (server_login_retry)', 'unavailable'],
    ['pgbouncer cannot connect to server', 'unavailable'],
    ['server conn crashed?', 'connection_lost'],
    ['unsupported startup parameter: search_path', 'misconfigured'],
  ])('PgBouncer 08P01 "%s" is %s', (text, kind) => {
    expect(classifyDbError({ code: '08P01', severity: 'FATAL', message: text }).kind).toBe(kind);
  });
});

describe('which lost statements provably did not run (notRun: safe to send again, a write too)', () => {
  it.each([
    [
      'terminated by an administrator (57P01), via Prisma',
      { code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } } },
      true,
    ],
    [
      'never sent: the client knew its connection broken',
      new Error('Client has encountered a connection error and is not queryable'),
      true,
    ],
    ['lost mid-statement (the outcome is unknown)', new Error('Connection terminated unexpectedly'), false],
    [
      'crash shutdown (57P02): the server may have committed',
      { code: '57P02', severity: 'FATAL', message: 'terminating connection' },
      false,
    ],
    ['a unique violation is no lost connection', { code: '23505', message: 'duplicate key' }, false],
  ])('%s', (_name, error, notRun) => {
    expect(classifyDbError(error).notRun).toBe(notRun);
  });
});
