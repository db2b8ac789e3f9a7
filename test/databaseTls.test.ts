import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { runService } from '../harness/runService.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { withClient } from '../harness/TestDatabase.ts';
import { makeCertificates, type TestCertificates } from '../harness/tlsCertificates.ts';

// TLS to a real PostgreSQL with ssl=on and certificates made here: libpq's sslmode meanings,
// verification that refuses a wrong CA and a wrong host name, and one line naming the setting
// for every mismatch at start.
let certs: TestCertificates;
let pg: PostgresCluster;
const tlsUrl = (params: string, host = '127.0.0.1') => `postgresql://postgres@${host}:${String(pg.port)}/postgres?${params}`;

beforeAll(async () => {
  certs = await makeCertificates(mkdtempSync(join(tmpdir(), 'tls-')));
  pg = await PostgresCluster.start({ tls: { cert: certs.serverCert, key: certs.serverKey } });
  await migrateDatabase(pg.url());
  await seedDemoData(pg.url());
});
afterAll(async () => {
  await pg[Symbol.asyncDispose]();
});

/** Whether every connection of the service is encrypted, as the server sees it. */
const allEncrypted = () =>
  withClient(pg.url(), async (c) => {
    const { rows } = await c.query<{ n: number; ssl: boolean | null }>(
      `SELECT count(*)::int AS n, bool_and(s.ssl) AS ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'masterdata-%'`,
    );
    return rows[0];
  });

const stopWhenListening = (proc: { kill(signal: NodeJS.Signals): boolean }) => proc.kill('SIGTERM');

describe('TLS to the database', () => {
  it('verify-full with the right CA and host name connects, and every connection is encrypted', async () => {
    await using t = await startTestServer(DatabaseEndpoint.parse(tlsUrl(`sslmode=verify-full&sslrootcert=${certs.ca}`)));
    expect(await t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })).toMatchObject({ itemCode: '4011' });
    expect(await allEncrypted()).toMatchObject({ ssl: true });
  });

  it('sslmode=require means what libpq says: encrypted, the certificate not checked', async () => {
    await using t = await startTestServer(DatabaseEndpoint.parse(tlsUrl('sslmode=require')));
    expect(await t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })).toMatchObject({ itemCode: '4011' });
    expect(await allEncrypted()).toMatchObject({ ssl: true });
  });

  it('DATABASE_TLS_CA_FILE verifies (verify-full by default) and the start-up log says which mode is in force', async () => {
    const run = await runService(
      { DATABASE_URL: tlsUrl(''), DATABASE_TLS_CA_FILE: certs.ca, GRPC_PORT: '0', METRICS_PORT: 'off' },
      stopWhenListening,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`"write":"sslmode=verify-full, CA from ${certs.ca}"`);
    expect(run.stdout + run.stderr).not.toMatch(/BEGIN (RSA |EC )?PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('every mismatch at start stops the service with one line naming the problem and the setting, never a stack', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { DATABASE_URL: tlsUrl(`sslmode=verify-full&sslrootcert=${certs.otherCa}`) },
        /not signed by a CA this service trusts: give that CA in DATABASE_TLS_CA_FILE/,
      ],
      [{ DATABASE_URL: tlsUrl(`sslmode=verify-full&sslrootcert=${certs.ca}`, '127.0.0.2') }, /does not name the host in DATABASE_URL/],
      [{ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres?sslmode=require' }, /does not accept TLS, but sslmode asks for it/],
      [
        { DATABASE_URL: tlsUrl('sslmode=verify-full'), DATABASE_TLS_CA_FILE: certs.ca, DATABASE_TLS_KEY_FILE: '/nonexistent/client.key' },
        /DATABASE_TLS_KEY_FILE: cannot read \/nonexistent\/client.key \(ENOENT\)/,
      ],
      [
        { DATABASE_URL: tlsUrl('sslmode=verify-full&sslrootcert=/nonexistent/ca.crt') },
        /DATABASE_URL \(sslrootcert\): cannot read \/nonexistent\/ca.crt \(ENOENT\)/,
      ],
      [
        { DATABASE_URL: tlsUrl('sslmode=sometimes') },
        /DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full/,
      ],
    ];
    for (const [env, expected] of cases) {
      const run = await runService({ ...env, GRPC_PORT: '0', METRICS_PORT: 'off' });
      expect([env, run.code]).toEqual([env, 2]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(expected);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
