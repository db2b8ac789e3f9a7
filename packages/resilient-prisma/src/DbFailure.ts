import type { DbErrorClass } from './classifyDbError.ts';

export type FailurePhase = 'work' | 'commit';

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
  /** When a new call has a chance (sent to the client as grpc-retry-pushback-ms). */
  readonly retryAfterMs: number | undefined;

  constructor(
    classification: DbErrorClass,
    init: {
      phase: FailurePhase;
      retryable: boolean;
      commitOutcomeUnknown?: boolean;
      deadlineBound?: boolean;
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
    this.retryAfterMs = init.retryAfterMs;
  }
}
