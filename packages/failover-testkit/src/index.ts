// The public entry point of @pos-masterdata/failover-testkit: PostgreSQL fixtures that fail the
// way production does, for proving a service (yours) against them.
export type { PostgresFixture } from './PostgresFixture.ts';
export { PostgresCluster, freePort } from './PostgresCluster.ts';
export { TcpProxy, type Endpoint } from './TcpProxy.ts';
export { DEFAULT_IMAGE, FAILOVER_LABEL, FailoverCluster, FailoverClusterBuilder, type ClusterEvent } from './FailoverCluster.ts';
export { PgBouncer, pgbouncerAvailable, type PgBouncerTarget } from './PgBouncer.ts';
export { PatroniCluster, type Member } from './PatroniCluster.ts';
export { patroniConfig, type NodeSettings, type PatroniTimings } from './patroniConfig.ts';
export { patroniAvailable } from './patroniAvailable.ts';
export { dockerAvailable } from './dockerAvailable.ts';
export { ConnectionSampler } from './ConnectionSampler.ts';
export { withClient } from './withClient.ts';
export { runDrill, type DrillCall, type DrillOptions, type DrillRecord, type DrillReport } from './runDrill.ts';
