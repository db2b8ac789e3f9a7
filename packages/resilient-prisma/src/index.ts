// The public entry point of @pos-masterdata/resilient-prisma: everything a service needs, nothing
// of how it is built (pools' generations, sides, gates stay inside).
export { Database, type CallBudget, type RunOptions } from './Database.ts';
export { DEFAULT_SETTINGS, type DatabaseOptions, type DatabaseSettings } from './databaseSettings.ts';
export {
  DbScope,
  type AccessMode,
  type CallScopeState,
  type PrismaClientLike,
  type RawQueryable,
  type ScopedClient,
  type ScopedClientSource,
} from './DbScope.ts';
export { CommitPendingError, CommitWithheldError, commitPending, DbFailure, type FailurePhase } from './DbFailure.ts';
export { classifyDbError, causeChain, POLICY, type DbErrorClass, type DbErrorKind, type DbErrorPolicy } from './classifyDbError.ts';
export { DEFAULT_HINTS, type MisconfigurationHints, type MisconfigurationReason } from './misconfigurationHints.ts';
export {
  DatabaseEndpoint,
  DatabaseUrlError,
  hostLabel,
  SSL_MODES,
  TARGET_SESSION_ATTRS,
  type DatabaseHost,
  type TargetSessionAttrs,
} from './DatabaseEndpoint.ts';
export type { DatabaseEvents, PoolRole } from './DatabaseEvents.ts';
export type { AttemptStart, CallStep, CallTracer } from './CallTracer.ts';
export { ReadYourWrites } from './ReadYourWrites.ts';
export { decodeReadAfter, encodeReadAfter, readPosition, servesReadAfter, type ReadAfterPosition } from './readAfterToken.ts';
export { CircuitOpenError, DatabaseBreaker, type BreakerSettings } from './DatabaseBreaker.ts';
export { AdmissionRejectedError, type AdmissionRejection } from './AdmissionGate.ts';
export { ResilientPool, type RebuildEvent, type ResilientPoolOptions } from './ResilientPool.ts';
export type { Exclusion, HostStatus } from './ReplicaSet.ts';
export type { CommitOutcome } from './resolveCommitOutcome.ts';
export {
  connectionConfig,
  createPgPool,
  hostTargets,
  ReadOnlyServerError,
  type ConnectionConfig,
  type PgPoolSettings,
} from './createPgPool.ts';
export { PasswordSource, type PasswordProvider, type PasswordRequest } from './PasswordSource.ts';
export { NoWritableHostError, WriterFinder, writerUrl } from './WriterFinder.ts';
export { WritableHealthMonitor, type ProbeResult, type WritableHealthMonitorOptions } from './WritableHealthMonitor.ts';
export { watchWritable, type WatchWritableOptions } from './watchWritable.ts';
export { attachLogger, type EventLogger, type EventSource } from './attachLogger.ts';
export { resilientPg, ResilientPgAdapterFactory, type ResilientPgOptions } from './resilientPg.ts';
export { probeHost, type HostReport, type HostTarget } from './probeHost.ts';
