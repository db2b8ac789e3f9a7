import { describe, expect, it } from 'vitest';
import { AdmissionGate } from './AdmissionGate.ts';
import { Database, type CallBudget } from './Database.ts';
import type { DatabaseOptions } from './databaseSettings.ts';
import type { PrismaClientLike } from './DbScope.ts';
import type { DatabaseSide } from './DatabaseSide.ts';
import { DbFailure } from './DbFailure.ts';
import shapes from './fixtures/errorShapes.json' with { type: 'json' };

// The Database's decisions against fakes: sides whose pool and Prisma client are scripted, and
// real errors captured from Prisma 7 + pg (fixtures/errorShapes.json) thrown at the right moment.

/** A captured error as its library threw it: an Error carrying the captured fields and cause chain. */
const captured = (name: keyof typeof shapes): Error => {
  const shape = structuredClone(shapes[name].error) as { message?: string };
  return Object.assign(new Error(shape.message ?? name), shape);
};
const LOST = 'prisma raw query, backend terminated';
const LOST_IN_TX = 'prisma interactive tx, backend terminated';

// No server behind the URL: the sides are fakes. The breaker opens slowly enough never to interfere.
const SETTINGS = {
  endpoint: 'postgresql://u@db.invalid:5432/d',
  createClient: (): PrismaClientLike => {
    throw new Error('the sides are fakes: no client is made');
  },
  max: 2,
  queryTimeoutMs: 2_000,
  minRebuildIntervalMs: 0,
  retryMinRemainingMs: 50,
  breaker: { openAfterMs: 60_000, halfOpenAfterMs: 500 },
  admissionQueueMax: 100,
} satisfies DatabaseOptions<PrismaClientLike>;

interface Script {
  /** Thrown by $transaction after the work succeeded: the connection lost at COMMIT. */
  commitError?: () => Error | undefined;
  /** What pg_xact_status says of the lost transaction, and which server instance answers. */
  xactStatus?: 'committed' | 'aborted' | null;
  serverStartedAt?: string;
}

/** A side with one member: a pool that records replacements and a Prisma client that runs work inline. */
function fakeSides(script: Script = {}) {
  const replaced: string[] = [];
  const pool = {
    generation: 1,
    replace: (_generation: number, reason: string) => replaced.push(reason) > 0,
    connect: () => Promise.resolve({ query: () => Promise.resolve({ rows: [] }), release: () => undefined }),
    query: () => Promise.resolve({ rows: [{ status: script.xactStatus ?? null, started: script.serverStartedAt ?? 'instance-1' }] }),
  };
  const tx = { $queryRawUnsafe: () => Promise.resolve([{ txid: '42', serverStartedAt: 'instance-1' }]) };
  const prisma = {
    $transaction: async (fn: (t: typeof tx) => Promise<unknown>) => {
      const value = await fn(tx);
      const lost = script.commitError?.();
      if (lost !== undefined) throw lost;
      return value;
    },
  };
  const member = { pool, prisma };
  const side = (role: 'read' | 'write') =>
    ({
      role,
      gate: new AdmissionGate(SETTINGS.max, SETTINGS.admissionQueueMax),
      writer: member,
      replicas: undefined,
      route: () => ({ member, host: undefined, replica: false }),
      reportFailure: () => undefined,
      start: () => Promise.resolve(),
      close: () => Promise.resolve(),
    }) as unknown as DatabaseSide<PrismaClientLike>;
  return { replaced, create: (role: 'read' | 'write') => side(role) };
}

function database(script: Script = {}, over: Partial<DatabaseOptions<PrismaClientLike>> = {}) {
  const sides = fakeSides(script);
  const db = new Database({ ...SETTINGS, ...over }, (role) => sides.create(role));
  const events: string[] = [];
  db.events.on('retry', (e) => events.push(`retry:${e.kind}`));
  db.events.on('commitOutcome', (e) => events.push(`commit:${e.outcome}`));
  return { db, replaced: sides.replaced, events };
}

const budget = (ms = 2_000): CallBudget => ({ deadline: performance.now() + ms, signal: new AbortController().signal });

/** Work that fails with `errors` in turn, then answers 'ok'; counts its runs. */
function work(...errors: Error[]) {
  const runs = { count: 0 };
  const fn = () => {
    const error = errors[runs.count];
    runs.count += 1;
    return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
  };
  return { fn, runs };
}

describe('Database.run: the one retry, only when it is safe', () => {
  it('retries a read once after a lost connection, and replaces the suspect pool', async () => {
    const { db, replaced, events } = database();
    const w = work(captured(LOST));
    await expect(db.run('read', budget(), w.fn)).resolves.toBe('ok');
    expect(w.runs.count).toBe(2);
    expect(replaced).toEqual(['connection_lost']);
    expect(events).toEqual(['retry:connection_lost']);
  });

  it('never retries what another attempt cannot fix: a constraint violation is answered as it is, once', async () => {
    const { db, replaced } = database();
    const violation = captured('prisma unique violation');
    const w = work(violation);
    await expect(db.run('write', budget(), w.fn)).rejects.toBe(violation);
    expect(w.runs.count).toBe(1);
    expect(replaced).toEqual([]);
  });

  it('passes application errors through untouched', async () => {
    const { db } = database();
    const bug = new TypeError('a bug in the handler');
    await expect(db.run('read', budget(), work(bug).fn)).rejects.toBe(bug);
  });

  it('does not retry when what is left of the deadline is below RETRY_MIN_REMAINING_MS', async () => {
    const { db } = database({}, { retryMinRemainingMs: 5_000 });
    const w = work(captured(LOST));
    const error = await db.run('read', budget(1_000), w.fn).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false });
    expect(w.runs.count).toBe(1);
  });

  it('replaces the pool for a lost connection or a read-only server, never for a timeout', async () => {
    const lost = database();
    await lost.db.run('read', budget(), work(captured('prisma write on read-only server')).fn);
    expect(lost.replaced).toEqual(['read_only']);
    const slow = database();
    await slow.db.run('read', budget(), work(captured('prisma read behind a held lock, read timeout, statement cancelled')).fn);
    expect(slow.replaced).toEqual([]);
  });

  it('with resilience off, tries once and rebuilds nothing', async () => {
    const { db, replaced } = database({}, { resilient: false });
    const w = work(captured(LOST));
    await expect(db.run('read', budget(), w.fn)).rejects.toBeInstanceOf(DbFailure);
    expect(w.runs.count).toBe(1);
    expect(replaced).toEqual([]);
  });
});

describe('Database.run: a write whose connection is lost at COMMIT', () => {
  it('that landed (pg_xact_status committed on the same server) answers with its result, without running it again', async () => {
    const { db, events } = database({ commitError: () => captured(LOST_IN_TX), xactStatus: 'committed' });
    const w = work();
    await expect(db.run('write', budget(), w.fn)).resolves.toBe('ok');
    expect(w.runs.count).toBe(1);
    expect(events).toContain('commit:committed');
  });

  it('that was rolled back runs again, once', async () => {
    let commits = 0;
    const { db, events } = database({ commitError: () => (++commits === 1 ? captured(LOST_IN_TX) : undefined), xactStatus: 'aborted' });
    const w = work();
    await expect(db.run('write', budget(), w.fn)).resolves.toBe('ok');
    expect(events).toContain('commit:aborted');
    expect(w.runs.count).toBe(2);
  });

  it('whose server was replaced meanwhile (another instance) is unknown: not retried, and said so', async () => {
    const { db, events } = database({ commitError: () => captured(LOST_IN_TX), xactStatus: 'committed', serverStartedAt: 'instance-2' });
    const w = work();
    const error = await db.run('write', budget(), w.fn).catch((e: unknown) => e);
    expect(error).toMatchObject({ commitOutcomeUnknown: true, retryable: false });
    expect(w.runs.count).toBe(1);
    expect(events).toContain('commit:unknown');
  });

  it('that is idempotent (keyed by its request id) is simply run again: the work finds its own record', async () => {
    let commits = 0;
    const { db, events } = database({ commitError: () => (++commits === 1 ? captured(LOST_IN_TX) : undefined) });
    const w = work();
    await expect(db.run('write', budget(), w.fn, { idempotent: true })).resolves.toBe('ok');
    expect(events).toContain('commit:idempotent-retry');
    expect(w.runs.count).toBe(2);
  });

  it('that only read (consistent-read) is retried like any read: nothing was written', async () => {
    let commits = 0;
    const { db, events } = database({ commitError: () => (++commits === 1 ? captured(LOST_IN_TX) : undefined) });
    const w = work();
    await expect(db.run('consistent-read', budget(), w.fn)).resolves.toBe('ok');
    expect(w.runs.count).toBe(2);
    expect(events.filter((e) => e.startsWith('commit:'))).toEqual([]);
  });
});
