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
  /** A timeout cut from the call's deadline (less than the static query timeout was left): the deadline ran out. */
  readonly deadlineBound: boolean;

  constructor(
    classification: DbErrorClass,
    init: { phase: FailurePhase; retryable: boolean; commitOutcomeUnknown?: boolean; deadlineBound?: boolean; cause: unknown },
  ) {
    super(`database ${classification.kind} during ${init.phase}`, { cause: init.cause });
    this.classification = classification;
    this.phase = init.phase;
    this.retryable = init.retryable;
    this.commitOutcomeUnknown = init.commitOutcomeUnknown ?? false;
    this.deadlineBound = init.deadlineBound ?? false;
  }
}
