import type { DbErrorKind } from './classifyDbError.ts';
import type { CommitOutcome } from './resolveCommitOutcome.ts';
import type { FailurePhase } from './DbFailure.ts';
import type { RebuildEvent } from './ResilientPool.ts';

export type PoolRole = 'read' | 'write';

// Events rather than logging inside (cockatiel style): logs and metrics subscribe to these.
export interface DatabaseEvents {
  dbError: [{ pool: PoolRole; kind: DbErrorKind; generation: number; attempt: number; phase: FailurePhase; message: string }];
  rebuild: [RebuildEvent & { pool: PoolRole }];
  rebuildSkipped: [{ pool: PoolRole; why: string }];
  retry: [{ pool: PoolRole; kind: DbErrorKind }];
  retryOutcome: [{ pool: PoolRole; outcome: 'succeeded' | 'failed' }];
  /** 'idempotent-retry': the outcome is found by running the idempotent write again. */
  commitOutcome: [{ outcome: CommitOutcome | 'idempotent-retry' }];
  clientError: [{ pool: PoolRole; generation: number; message: string }];
}
