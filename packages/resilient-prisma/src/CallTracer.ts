import type { AdmissionRejection } from './AdmissionGate.ts';
import type { DbErrorKind } from './classifyDbError.ts';
import type { PoolRole } from './DatabaseEvents.ts';
import type { AccessMode } from './DbScope.ts';
import type { CommitOutcome } from './resolveCommitOutcome.ts';

/** One attempt of a call's database work, as the layer starts it. */
export interface AttemptStart {
  readonly pool: PoolRole;
  readonly mode: AccessMode;
  /** 0 for the first attempt, 1 for the one retry. */
  readonly attempt: number;
  /** The pool generation it runs on (a rebuild makes the next one). */
  readonly generation: number;
  /** `host:port` it reaches, when known. */
  readonly host: string | undefined;
  /** A standby (plain reads with a read endpoint), or the writer. */
  readonly replica: boolean;
}

/** A moment in one call's way through the layer. */
export type CallStep =
  /** Admitted to a pool after waiting this long (0: at once). */
  | { readonly step: 'admitted'; readonly pool: PoolRole; readonly waitedMs: number }
  /** Turned away before touching the database: the breaker is open, or the queue would outlast the deadline. */
  | {
      readonly step: 'rejected';
      readonly pool: PoolRole;
      readonly by: 'breaker' | 'admission';
      readonly reason: AdmissionRejection | 'circuit_open';
      readonly retryAfterMs: number;
    }
  /** The attempt that just failed is retried, for this kind of failure. */
  | { readonly step: 'retry'; readonly pool: PoolRole; readonly kind: DbErrorKind; readonly attempt: number }
  /** The failure replaced the pool: `generation` is the one given up. */
  | { readonly step: 'rebuild'; readonly pool: PoolRole; readonly kind: DbErrorKind; readonly generation: number }
  /** A connection lost at COMMIT, and what the layer found out about it. */
  | { readonly step: 'commitOutcome'; readonly outcome: CommitOutcome | 'idempotent-retry' };

/**
 * Where the layer reports each call's steps, called in the call's own async context: an attempt
 * runs inside `attempt` (a span of its own, in OpenTelemetry), the other steps are moments of the
 * call. `@pos-masterdata/resilient-prisma/opentelemetry` has one; with none, the layer reports
 * nothing and pays nothing. Events on `db.events` are not enough for this: the gate admits a
 * waiting call from the context of the call that left, not from the waiting call's own.
 */
export interface CallTracer {
  attempt<T>(start: AttemptStart, work: () => Promise<T>): Promise<T>;
  step(step: CallStep): void;
}
