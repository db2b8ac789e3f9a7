import type { DatabaseOptions } from '@pos-masterdata/resilient-prisma';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

/** Database options for tests that build a Database directly: the service's defaults, short timeouts. */
export function databaseSettings(
  url: string,
  over: Partial<Omit<DatabaseOptions<PrismaClient>, 'createClient'>> = {},
): Omit<DatabaseOptions<PrismaClient>, 'createClient'> {
  return {
    endpoint: url,
    max: 2,
    connectTimeoutMs: 1_000,
    queryTimeoutMs: 2_000,
    statementTimeoutMs: 2_000,
    idleTimeoutMs: 10_000,
    resilient: true,
    minRebuildIntervalMs: 0,
    retryMinRemainingMs: 50,
    admissionQueueMax: 1_000,
    cancelGraceMs: 250,
    breaker: { openAfterMs: 2_000, halfOpenAfterMs: 500 },
    maxReplicaLagMs: 2_000,
    replicaProbeIntervalMs: 1_000,
    ...over,
  };
}
