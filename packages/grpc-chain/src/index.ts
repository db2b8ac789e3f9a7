// The public entry point of @pos-masterdata/grpc-chain.
export {
  CallChain,
  grpcCallSource,
  type CallAnswer,
  type CallAuthContext,
  type CallChainSettings,
  type CallSource,
  type CallContext,
  type CallMiddleware,
  type Next,
} from './CallChain.ts';
export { callDeadline } from './callDeadline.ts';
export { callScope, type ScopeContext, type ScopeRunner } from './callScope.ts';
export { readAfterWrites, type ReadAfterContext, type ReadAfterTokens, type ReadAfterWritesOptions } from './readAfterWrites.ts';
export { callLog, callRecorder, type CallDurationHistogram, type CallLogOptions, type CallRecord } from './callLog.ts';
export { methodPolicies, policiesFromPackageDefinition, policyOf, type MethodPolicy } from './methodPolicies.ts';
export { ServerError } from './ServerError.ts';
export { WriteOutcome, type DataOutcome } from './WriteOutcome.ts';
export {
  COMMIT_OUTCOME_UNKNOWN_MESSAGE,
  COMMIT_WITHHELD_MESSAGE,
  DEADLINE_EXCEEDED_MESSAGE,
  RETRY_PUSHBACK_KEY,
  toServiceError,
  type ConvertedError,
  type DomainErrorMapper,
  type ErrorMapping,
} from './toServiceError.ts';
export { http2HeaderLimits, type Http2HeaderLimits } from './http2HeaderLimits.ts';
export {
  reportUndecodable,
  transportLimits,
  type LimitReason,
  type TransportLimits,
  type TransportLimitsObserver,
  type TransportRefusal,
} from './transportLimits.ts';
export { serveDatabaseHealth, type DatabaseHealthOptions, type HealthStatusSink } from './serveDatabaseHealth.ts';
