import type { MisconfigurationReason } from './misconfigurationHints.ts';
import type { AdmissionRejection } from './AdmissionGate.ts';
import type { DbErrorKind } from './classifyDbError.ts';
import type { CommitOutcome } from './resolveCommitOutcome.ts';
import type { FailurePhase } from './DbFailure.ts';
import type { HostStatus } from './ReplicaSet.ts';
import type { RebuildEvent } from './ResilientPool.ts';

export type PoolRole = 'read' | 'write';

// Events rather than logging inside (cockatiel style): logs and metrics subscribe to these.
export interface DatabaseEvents {
  dbError: [
    { pool: PoolRole; kind: DbErrorKind; generation: number; attempt: number; phase: FailurePhase; message: string; probeHealth: boolean },
  ];
  /** A permanent refusal, once per pool generation, with what to change. */
  misconfigured: [{ pool: PoolRole; generation: number; reason: MisconfigurationReason; hint: string; message: string }];
  rebuild: [RebuildEvent & { pool: PoolRole }];
  rebuildSkipped: [{ pool: PoolRole; why: string }];
  retry: [{ pool: PoolRole; kind: DbErrorKind; attempt: number }];
  retryOutcome: [{ pool: PoolRole; outcome: 'succeeded' | 'failed' }];
  /** 'idempotent-retry': the outcome is found by running the idempotent write again. */
  commitOutcome: [{ outcome: CommitOutcome | 'idempotent-retry' }];
  /** A write rolled back instead of committing: its call was cancelled, or too little of its deadline was left. */
  commitWithheld: [{ pool: PoolRole; reason: 'cancelled' | 'deadline'; afterUnknownCommit: boolean }];
  clientError: [{ pool: PoolRole; generation: number; message: string }];
  admitted: [{ pool: PoolRole; waitedMs: number; queued: number }];
  admissionRejected: [{ pool: PoolRole; reason: AdmissionRejection; queued: number }];
  breaker: [{ state: 'open' | 'closed'; by?: 'calls' | 'health-monitor' }];
  /** A pool generation found the writer among several hosts and connects there. */
  writerFound: [{ pool: PoolRole; generation: number; host: string }];
  /** Every measurement of a read host (role, lag). */
  replicaProbed: [HostStatus];
  /** A read host began (exclusion undefined) or stopped serving plain reads. */
  replicaChanged: [HostStatus];
  /** One attempt of a call ran on this host; `readAfter`: it carried a read-your-writes position. */
  routed: [{ pool: PoolRole; host: string; replica: boolean; readAfter: boolean }];
  /** A read-your-writes token was not honoured: not a token, or one of another cluster. */
  readAfterIgnored: [{ reason: 'malformed' | 'other-cluster' }];
}
