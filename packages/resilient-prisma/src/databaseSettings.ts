import type { PrismaPg } from '@prisma/adapter-pg';
import type { CallTracer } from './CallTracer.ts';
import type { BreakerSettings } from './DatabaseBreaker.ts';
import { DatabaseEndpoint } from './DatabaseEndpoint.ts';
import type { SideSettings } from './DatabaseSide.ts';
import type { MisconfigurationHints } from './misconfigurationHints.ts';
import { PasswordSource, type PasswordProvider } from './PasswordSource.ts';

/** Every setting of a Database, resolved (defaults applied, URLs parsed). */
export interface DatabaseSettings<C> extends SideSettings<C> {
  /** A retry starts only if at least this much of the call's deadline is left. */
  readonly retryMinRemainingMs: number;
  /**
   * A write's COMMIT is sent only if at least this much of the call's deadline is left (the time for
   * COMMIT and for its answer to reach the caller); with less, or once the call was cancelled, the
   * transaction is rolled back and the caller is told nothing was written.
   */
  readonly commitReserveMs: number;
  readonly breaker: BreakerSettings;
  /** Your wording of the misconfiguration hints, naming your own settings (the defaults name none). */
  readonly hints: MisconfigurationHints;
  /** Reports each call's steps (`otelTracer()` from `/opentelemetry`); none: nothing reported, nothing paid. */
  readonly tracer?: CallTracer | undefined;
}

/**
 * What `new Database(options)` takes: where the database is and how to make your client; every
 * knob has a default fit for a service on a LAN-near PostgreSQL.
 */
export interface DatabaseOptions<C> extends Partial<
  Omit<DatabaseSettings<C>, 'endpoint' | 'readEndpoint' | 'createClient' | 'hints' | 'password'>
> {
  /** libpq's URL, multi-host welcome: `postgresql://u:pw@db1,db2/orders?target_session_attrs=read-write`. */
  readonly endpoint: DatabaseEndpoint | string;
  /** Standbys for plain reads; leave it out and every read runs on the writer. */
  readonly readEndpoint?: DatabaseEndpoint | string | undefined;
  /** `(adapter) => new PrismaClient({ adapter, errorFormat: 'minimal' })`: your schema's client. */
  readonly createClient: (adapter: PrismaPg) => C;
  /**
   * The password, asked for each new connection instead of the URL's: `() => readFile(path, 'utf8')`
   * follows a rotated secret with no restart. A refused password is asked for once more, with
   * `afterRejection` set, before the call fails as misconfigured.
   */
  readonly password?: PasswordProvider | undefined;
  readonly hints?: Partial<MisconfigurationHints>;
}

export const DEFAULT_SETTINGS = {
  applicationName: 'app',
  max: 10,
  connectTimeoutMs: 2_000,
  queryTimeoutMs: 5_000,
  statementTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  resilient: true,
  minRebuildIntervalMs: 1_000,
  retryMinRemainingMs: 100,
  commitReserveMs: 10,
  admissionQueueMax: 10_000,
  cancelGraceMs: 250,
  breaker: { openAfterMs: 2_000, halfOpenAfterMs: 500 },
  maxReplicaLagMs: 2_000,
  replicaProbeIntervalMs: 1_000,
} as const satisfies Omit<DatabaseSettings<unknown>, 'endpoint' | 'createClient' | 'hints'>;

const asEndpoint = (e: DatabaseEndpoint | string): DatabaseEndpoint => (typeof e === 'string' ? DatabaseEndpoint.parse(e) : e);

export function resolveDatabaseSettings<C>(options: DatabaseOptions<C>, defaultHints: MisconfigurationHints): DatabaseSettings<C> {
  const { endpoint, readEndpoint, hints, createClient, password, ...rest } = options;
  return {
    ...DEFAULT_SETTINGS,
    ...withoutUndefined(rest),
    createClient,
    ...(password === undefined ? {} : { password: new PasswordSource(password) }),
    endpoint: asEndpoint(endpoint),
    ...(readEndpoint === undefined ? {} : { readEndpoint: asEndpoint(readEndpoint) }),
    hints: { ...defaultHints, ...withoutUndefined(hints ?? {}) },
  };
}

/** `{ max: undefined }` (an unset option passed along) keeps the default. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
