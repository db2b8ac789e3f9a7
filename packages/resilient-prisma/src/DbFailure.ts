import { classifyDbError, type DbErrorClass } from './classifyDbError.ts';

export type FailurePhase = 'work' | 'commit';

/**
 * A write's COMMIT was not sent: the call was cancelled, or less of its deadline was left than a
 * COMMIT and its answer need (`commitReserveMs`). The transaction was rolled back: nothing written.
 */
export class CommitWithheldError extends Error {
  override readonly name = 'CommitWithheldError';
  readonly code = 'COMMIT_WITHHELD';
  readonly reason: 'cancelled' | 'deadline';
  constructor(reason: 'cancelled' | 'deadline', message: string, options?: ErrorOptions) {
    super(`COMMIT withheld: ${message}`, options);
    this.reason = reason;
  }
}

/**
 * The answer is due while a COMMIT is still under way: the write may or may not land. Thrown by
 * whoever answers the caller (grpc-chain's callDeadline) rather than wait past the deadline.
 */
export class CommitPendingError extends Error {
  override readonly name = 'CommitPendingError';
  readonly code = 'COMMIT_PENDING';
  constructor(options?: ErrorOptions) {
    super('the answer was due while COMMIT was still under way', options);
  }
}

/** A database failure after classification: what went wrong, when, and whether one more attempt is safe. */
export class DbFailure extends Error {
  override readonly name = 'DbFailure';
  readonly classification: DbErrorClass;
  readonly phase: FailurePhase;
  readonly retryable: boolean;
  /** The connection was lost at COMMIT and the server could not say whether it landed. */
  readonly commitOutcomeUnknown: boolean;
  /** A time limit ran out because the call's deadline did: the caller sees DEADLINE_EXCEEDED. */
  readonly deadlineBound: boolean;
  /** A write rolled back instead of committing past its deadline (CommitWithheldError): nothing was written. */
  readonly commitWithheld: boolean;
  /** When a new call has a chance (sent to the client as grpc-retry-pushback-ms). */
  readonly retryAfterMs: number | undefined;

  constructor(
    classification: DbErrorClass,
    init: {
      phase: FailurePhase;
      retryable: boolean;
      commitOutcomeUnknown?: boolean;
      deadlineBound?: boolean;
      commitWithheld?: boolean;
      retryAfterMs?: number;
      cause: unknown;
    },
  ) {
    super(`database ${classification.kind} during ${init.phase}`, { cause: init.cause });
    this.classification = classification;
    this.phase = init.phase;
    this.retryable = init.retryable;
    this.commitOutcomeUnknown = init.commitOutcomeUnknown ?? false;
    this.deadlineBound = init.deadlineBound ?? false;
    this.commitWithheld = init.commitWithheld ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The failure to answer when the answer is due while a write's COMMIT is under way. */
export function commitPending(cause?: unknown): DbFailure {
  const pending = new CommitPendingError({ cause });
  return new DbFailure(classifyDbError(pending), { phase: 'commit', retryable: false, commitOutcomeUnknown: true, cause: pending });
}
