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
export { LocalFailoverCluster } from './LocalFailoverCluster.ts';
export { runSoak, type SoakOptions } from './soak/runSoak.ts';
export { summarizeSoak, type FaultRun, type SoakReport } from './soak/summarizeSoak.ts';
export { checkSoak, type SoakEvidence } from './soak/checkSoak.ts';
export { checkAvailability, longestWithoutOk, type AvailabilityRules } from './soak/checkAvailability.ts';
export { drawSchedule, type ScheduleOptions } from './soak/drawSchedule.ts';
export { SoakRandom, randomSeed } from './soak/SoakRandom.ts';
export { soakReportHtml } from './soak/soakReportHtml.ts';
export { clusterFaults, heldLockFault, passwordRotationFault, pgbouncerPauseFault } from './soak/soakFaults.ts';
export type {
  CallOutcome,
  KeyState,
  SoakCall,
  SoakFault,
  SoakState,
  SoakStep,
  SoakWorkload,
  Violation,
  ViolationKind,
} from './soak/soakTypes.ts';
