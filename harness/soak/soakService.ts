import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import {
  clusterFaults,
  heldLockFault,
  LocalFailoverCluster,
  passwordRotationFault,
  PgBouncer,
  pgbouncerPauseFault,
  runSoak,
  withClient,
  type SoakFault,
  type SoakReport,
} from '@pos-masterdata/failover-testkit';
import { itemServiceClient } from '../../src/clients/itemServiceClient.ts';
import { migrateDatabase } from '../../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../../src/ops/seedDemoData.ts';
import { listening, startProcess, stopProcess } from '../childProcesses.ts';
import { makeCertificates, signCertificate } from '../tlsCertificates.ts';
import { itemSoakWorkload } from './itemSoakWorkload.ts';

export const SOAK_POOL_MAX = 4;
/**
 * What the service may hold at once, on both servers: the write pool, the read side's pools on the
 * writer and on the standby (each DB_POOL_MAX), the health probe, the replica probes (the standby
 * and the writer's position), and one: a backend terminated or retired stays in pg_stat_activity
 * until it has exited, after the service has let it go (measured: 16 at most in 30 minutes).
 */
export const SOAK_CEILING = 3 * SOAK_POOL_MAX + 4;

export interface ServiceSoak {
  readonly report: SoakReport;
  /** The service process ran the whole soak (no restart, no crash). */
  readonly serviceSurvived: boolean;
}

/**
 * The item service in a process of its own against a LocalFailoverCluster (scram passwords, a
 * standby for plain and token reads, TLS to its callers), and a seeded soak of every fault the
 * kit knows plus this service's own: a held lock on `item`, password and certificate rotation.
 * `pgbouncer`: the writer's address (writes, consistent reads, probes) is a stock PgBouncer in
 * transaction mode in front of the primary, which the soak also PAUSEs and RESUMEs; a rotated
 * password is given to PgBouncer too (RELOAD), as its operator would. `resilience: false`: the
 * same service with DB_RESILIENCE=off, the baseline the checker's findings are read against.
 */
export async function soakService(options: {
  seed: number;
  durationMs: number;
  pgbouncer?: boolean;
  resilience?: boolean;
  onProgress?: (line: string) => void;
}): Promise<ServiceSoak> {
  const dir = mkdtempSync(join(tmpdir(), 'soak-'));
  await using cluster = await LocalFailoverCluster.start({ passwordAuth: true });
  await withClient(cluster.adminUrl(), async (c) => {
    await c.query("CREATE ROLE svc LOGIN SUPERUSER PASSWORD 'soak-start'");
    await c.query('CREATE DATABASE masterdata');
  });
  await migrateDatabase(cluster.adminUrl('masterdata'));
  await seedDemoData(cluster.adminUrl('masterdata'));
  const writer = new URL(cluster.url('masterdata', 'svc'));
  await using bouncer = options.pgbouncer
    ? await PgBouncer.start({ port: Number(writer.port), user: 'svc', password: 'soak-start', database: 'masterdata' })
    : undefined;
  // PgBouncer trusts its local clients and logs in to the server with the role's password itself.
  if (bouncer) writer.port = String(bouncer.port);
  const passwordFile = join(dir, 'db-password');
  writeFileSync(passwordFile, 'soak-start\n');
  const certs = await makeCertificates(dir);
  const served = { cert: join(dir, 'served.crt'), key: join(dir, 'served.key') };
  copyFileSync(certs.serverCert, served.cert);
  copyFileSync(certs.serverKey, served.key);

  const proc = startProcess(
    process.execPath,
    ['src/main.ts'],
    {
      DATABASE_URL: writer.href,
      DATABASE_READ_URL: cluster.readUrl('masterdata', 'svc'),
      DATABASE_PASSWORD_FILE: passwordFile,
      GRPC_TLS_CERT_FILE: served.cert,
      GRPC_TLS_KEY_FILE: served.key,
      GRPC_TLS_RELOAD_MS: '500',
      GRPC_PORT: '0',
      METRICS_PORT: 'off',
      // The data layer under test: every read reaches the database.
      ITEM_CACHE: 'off',
      DB_POOL_MAX: String(SOAK_POOL_MAX),
      HEALTH_PROBE_INTERVAL_MS: '500',
      DB_RESILIENCE: options.resilience === false ? 'off' : 'on',
    },
    process.cwd(),
  );
  const pool = new ChannelPool({ defaultDeadlineMs: 3_000 });
  try {
    const [, address = ''] = await listening(proc, /item service listening on (\S+?)"/);
    const client = itemServiceClient(pool, address, { rootCerts: readFileSync(certs.ca) });
    const workload = itemSoakWorkload({ client, adminUrl: () => cluster.adminUrl('masterdata'), keys: 48, deadlineMs: 3_000 });
    await workload.create();
    const faults: SoakFault[] = [
      ...clusterFaults(cluster, { applicationPrefix: 'masterdata' }),
      heldLockFault(() => cluster.adminUrl('masterdata'), 'item'),
      passwordRotationFault({
        adminUrl: () => cluster.adminUrl(),
        role: 'svc',
        file: passwordFile,
        ...(bouncer ? { alsoTo: (password: string) => bouncer.setPassword(password) } : {}),
      }),
      certificateRotationFault(dir, served),
      ...(bouncer ? [pgbouncerPauseFault(bouncer)] : []),
    ];
    const count = (url: string) =>
      withClient(
        url,
        async (c) =>
          (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'svc'")).rows[0]?.n ?? 0,
      );
    const report = await runSoak({
      seed: options.seed,
      durationMs: options.durationMs,
      faults,
      workload,
      concurrency: 6,
      burstConcurrency: 18,
      connections: async () => {
        let total = 0;
        for (const url of cluster.serverUrls()) total += await count(url);
        return total;
      },
      ceiling: SOAK_CEILING,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return { report, serviceSurvived: proc.exitCode === null && proc.signalCode === null };
  } finally {
    pool.close();
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** cert-manager's renewal: a new server certificate and key from the same CA, written over the served files. */
function certificateRotationFault(dir: string, served: { cert: string; key: string }): SoakFault {
  return {
    name: 'rotate-certificate',
    overlaps: true,
    holdMs: [0, 0],
    inject: async () => {
      const renewed = await signCertificate(dir, '127.0.0.1', 'IP:127.0.0.1,DNS:localhost');
      // Each file replaced by a rename, as a secret volume's update does: never half written.
      for (const [from, to] of [
        [renewed.key, served.key],
        [renewed.cert, served.cert],
      ] as const) {
        copyFileSync(from, `${to}.new`);
        renameSync(`${to}.new`, to);
      }
    },
  };
}
