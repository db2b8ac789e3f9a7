// The public entry point of @pos-masterdata/nestjs.
export {
  ResilientPrismaModule,
  type ResilientPrismaModuleAsyncOptions,
  type ResilientPrismaModuleOptions,
} from './ResilientPrismaModule.ts';
export { CallScopeInterceptor } from './CallScopeInterceptor.ts';
export { DbCall, DB_CALL_METADATA, type DbCallPolicy } from './DbCall.ts';
export { GrpcPolicies, type PackageDefinitionLike } from './grpcPolicies.ts';
export { ChannelPoolModule, type ChannelPoolModuleOptions, type PooledClient } from './ChannelPoolModule.ts';
export { GrpcHealthIndicator, type GrpcHealthCheckOptions } from './GrpcHealthIndicator.ts';
export { DatabaseHealthIndicator, type HealthIndicatorResult } from './DatabaseHealthIndicator.ts';
