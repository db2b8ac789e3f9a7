import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { afterAll, beforeAll } from 'vitest';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';

/** A throwaway PostgreSQL server, migrated and seeded with the demo data; dispose it when done. */
export async function startSeededCluster(): Promise<PostgresCluster> {
  const cluster = await PostgresCluster.start();
  await migrateDatabase(cluster.url());
  await seedDemoData(cluster.url());
  return cluster;
}

/**
 * A PostgreSQL server of the test file's own (so a test may stop, restart or freeze it), migrated
 * and seeded before the first test, removed after the last. Read `.cluster` inside tests.
 */
export function clusterPerFile(): { readonly cluster: PostgresCluster } {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startSeededCluster();
  });
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('clusterPerFile: read .cluster inside a test');
      return cluster;
    },
  };
}
