import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { ChannelPool, type TlsMaterial, type Transport } from '@pos-masterdata/channel-pool';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { classifyDbError, resilientPg } from '@pos-masterdata/resilient-prisma';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemServiceApi, type ItemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { listening, startProcess, stopProcess } from '../harness/childProcesses.ts';
import { runLoad, sleep, summarise } from '../harness/runLoad.ts';
import { TestDatabase, withClient } from '../harness/TestDatabase.ts';
import { makeCertificates, signCertificate } from '../harness/tlsCertificates.ts';

// A server that asks for passwords (scram-sha-256), the service in a process of its own with
// DATABASE_PASSWORD_FILE, and load from this process: the role's password and the file change
// together (as Vault's agent or a Kubernetes secret update does), then every backend is killed,
// so every connection after it must log in with the new password.

const POOL_MAX = 4;
let pg: PostgresCluster;
let db: TestDatabase;
let dir: string;
const passwordFile = () => join(dir, 'password');

beforeAll(async () => {
  pg = await PostgresCluster.start({ passwordAuth: true });
  db = await TestDatabase.create({ adminUrl: pg.url() });
  await db.admin("CREATE ROLE svc LOGIN SUPERUSER PASSWORD 'pw-0'");
  dir = mkdtempSync(join(tmpdir(), 'rotation-'));
});
afterAll(async () => {
  await db[Symbol.asyncDispose]();
  await pg[Symbol.asyncDispose]();
});

interface Service {
  readonly proc: ChildProcess;
  readonly api: ItemServiceApi;
  readonly pool: ChannelPool;
  readonly address: string;
  /** Every JSON log line so far. */
  logs(): Record<string, unknown>[];
}

/** `fixedPassword`: in DATABASE_URL, read once at start (the baseline); else DATABASE_PASSWORD_FILE. */
async function startService(fixedPassword?: string, env: Record<string, string> = {}, transport: Transport = 'insecure'): Promise<Service> {
  const user = fixedPassword === undefined ? 'svc' : `svc:${fixedPassword}`;
  const url = `postgresql://${user}@127.0.0.1:${String(pg.port)}/${db.name}`;
  const proc = startProcess(
    process.execPath,
    ['src/main.ts'],
    {
      DATABASE_URL: url,
      ...(fixedPassword === undefined ? { DATABASE_PASSWORD_FILE: passwordFile() } : {}),
      GRPC_PORT: '0',
      METRICS_PORT: 'off',
      ITEM_CACHE: 'off',
      DB_POOL_MAX: String(POOL_MAX),
      HEALTH_PROBE_INTERVAL_MS: '250',
      ...env,
    },
    process.cwd(),
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const [, address = ''] = await listening(proc, /item service listening on (\S+?)"/);
  const pool = new ChannelPool({ defaultDeadlineMs: 3_000 });
  return {
    proc,
    pool,
    address,
    api: itemServiceApi(itemServiceClient(pool, address, transport)),
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const rotate = async (password: string) => {
  await db.admin(`ALTER ROLE svc PASSWORD '${password}'`);
  writeFileSync(passwordFile(), `${password}\n`);
};
const svcConnections = () =>
  withClient(pg.url(), async (c) => {
    const { rows } = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'svc'");
    return rows[0]?.n ?? 0;
  });
const terminateSvc = () =>
  withClient(pg.url(), (c) => c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'svc'"));
const read = (api: ItemServiceApi) => api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }, { timeoutMs: 2_000 });

describe('database password rotation, the service in its own process', () => {
  it('the password and its file changed together, then every backend killed, twice: 0 failed calls, no restart, within the ceiling', async () => {
    await rotate('pw-1');
    const service = await startService();
    try {
      const stop = new AbortController();
      let peak = 0;
      const sampling = (async () => {
        while (!stop.signal.aborted) {
          peak = Math.max(peak, await svcConnections());
          await sleep(100);
        }
      })();
      const load = runLoad({ api: service.api, concurrency: 6, writeEvery: 3, deadlineMs: 3_000, signal: stop.signal });
      await sleep(1_500);
      for (const password of ['pw-2', 'pw-3']) {
        await rotate(password);
        await terminateSvc();
        await sleep(1_500);
      }
      stop.abort();
      const records = await load;
      await sampling;
      const counts = summarise(records);
      console.log(`[rotation] calls ${JSON.stringify(counts)}; peak svc connections ${String(peak)} (ceiling ${String(2 * POOL_MAX + 2)})`);
      expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
      expect(records.length).toBeGreaterThan(50);
      // Read and write pools, the health probe, the writer's change listener (off here).
      expect(peak).toBeLessThanOrEqual(2 * POOL_MAX + 2);
      expect(service.proc.exitCode).toBeNull();
      expect(await svcConnections()).toBeGreaterThan(0);
      expect(JSON.stringify(service.logs())).not.toMatch(/pw-[0-9]/);
    } finally {
      service.pool.close();
      await stopProcess(service.proc);
    }
  }, 60_000);

  it('the baseline, the password in DATABASE_URL (read once): after the same rotation every call fails until a restart', async () => {
    await rotate('pw-6');
    const service = await startService('pw-6');
    try {
      expect(await read(service.api)).toMatchObject({ itemCode: '4011' });
      await rotate('pw-7');
      await terminateSvc();
      await sleep(500);
      const codes: Status[] = [];
      for (let i = 0; i < 10; i += 1)
        codes.push(
          await read(service.api).then(
            () => Status.OK,
            (e: unknown) => (e as ServiceError).code,
          ),
        );
      console.log(`[rotation] baseline after rotation: ${JSON.stringify(codes)}`);
      expect(codes.filter((c) => c === Status.OK)).toEqual([]);
    } finally {
      service.pool.close();
      await stopProcess(service.proc);
    }
  }, 60_000);

  it('a wrong password in the file: one line naming the setting, UNAVAILABLE with a retry hint, no rebuild storm; right again: calls succeed', async () => {
    await rotate('pw-4');
    const service = await startService();
    try {
      expect(await read(service.api)).toMatchObject({ itemCode: '4011' });
      // The role changes; the file is left behind (a rotation that reached the server only).
      await db.admin("ALTER ROLE svc PASSWORD 'pw-5'");
      await terminateSvc();
      const failures: ServiceError[] = [];
      const until = performance.now() + 3_000;
      while (performance.now() < until) {
        try {
          await read(service.api);
        } catch (error) {
          failures.push(error as ServiceError);
        }
        await sleep(50);
      }
      expect(failures.length).toBeGreaterThan(10);
      expect(new Set(failures.map((f) => f.code))).toEqual(new Set([Status.UNAVAILABLE]));
      expect(failures.every((f) => /retry/.test(f.details))).toBe(true);
      // Once the breaker is open, the answer says when to come back.
      expect(failures.some((f) => pushback(f.metadata) !== undefined)).toBe(true);
      const logs = service.logs();
      const refusals = logs.filter((l) => l.event === 'db_misconfigured');
      console.log(`[rotation] wrong password: ${String(failures.length)} UNAVAILABLE, ${String(refusals.length)} log lines`);
      expect(refusals.length).toBeGreaterThanOrEqual(1);
      // One line per place that connects (a pool, the health probe), not one per failed call.
      expect(refusals.length).toBeLessThanOrEqual(3);
      expect(refusals.every((l) => /DATABASE_PASSWORD_FILE/.test(String(l.msg)))).toBe(true);
      expect(logs.filter((l) => l.event === 'pool_rebuild').length).toBeLessThanOrEqual(2);

      writeFileSync(passwordFile(), 'pw-5\n');
      const fixedAt = performance.now();
      let recovered = false;
      while (!recovered && performance.now() - fixedAt < 15_000) {
        recovered = await read(service.api).then(
          () => true,
          () => false,
        );
        if (!recovered) await sleep(100);
      }
      console.log(`[rotation] right again: first success after ${String(Math.round(performance.now() - fixedAt))} ms`);
      expect(recovered).toBe(true);
      expect(service.proc.exitCode).toBeNull();
    } finally {
      service.pool.close();
      await stopProcess(service.proc);
    }
  }, 60_000);
});

describe('gRPC certificate rotation, the service in its own process', () => {
  it('a server certificate and client CA from a new CA: new callers trusting only it connect, calls on old connections keep succeeding', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'ca-old-'));
    const newDir = mkdtempSync(join(tmpdir(), 'ca-new-'));
    const [oldCa, newCa] = [await makeCertificates(oldDir), await makeCertificates(newDir)];
    const caller = async (where: string, ca: string): Promise<TlsMaterial> => {
      const own = await signCertificate(where, 'till.acme');
      return { rootCerts: readFileSync(ca), certChain: readFileSync(own.cert), privateKey: readFileSync(own.key) };
    };
    const [oldCaller, newCaller] = [await caller(oldDir, oldCa.ca), await caller(newDir, newCa.ca)];
    // The files the service watches, as cert-manager's secret volume holds them.
    const served = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'ca.crt') };
    copyFileSync(oldCa.serverCert, served.cert);
    copyFileSync(oldCa.serverKey, served.key);
    copyFileSync(oldCa.ca, served.ca);
    await rotate('pw-8');
    const tlsEnv = {
      GRPC_TLS_CERT_FILE: served.cert,
      GRPC_TLS_KEY_FILE: served.key,
      GRPC_TLS_CLIENT_CA_FILE: served.ca,
      GRPC_TLS_RELOAD_MS: '200',
    };
    const service = await startService(undefined, tlsEnv, oldCaller);
    const newPool = new ChannelPool({ defaultDeadlineMs: 3_000 });
    try {
      const stop = new AbortController();
      const loadStart = performance.now();
      const load = runLoad({ api: service.api, concurrency: 4, writeEvery: 4, deadlineMs: 3_000, signal: stop.signal });
      await sleep(1_000);
      const fresh = itemServiceApi(itemServiceClient(newPool, service.address, newCaller));
      expect(
        await read(fresh).then(
          () => Status.OK,
          (e: unknown) => (e as ServiceError).code,
        ),
      ).toBe(Status.UNAVAILABLE);
      copyFileSync(newCa.serverCert, served.cert);
      copyFileSync(newCa.serverKey, served.key);
      copyFileSync(newCa.ca, served.ca);
      const rotatedAt = performance.now();
      let accepted = false;
      while (!accepted && performance.now() - rotatedAt < 10_000) {
        // A fresh pool per try: a channel that failed its handshake waits out its backoff.
        const tryPool = new ChannelPool({ defaultDeadlineMs: 1_000 });
        accepted = await read(itemServiceApi(itemServiceClient(tryPool, service.address, newCaller))).then(
          () => true,
          () => false,
        );
        tryPool.close();
        if (!accepted) await sleep(200);
      }
      const acceptedAfter = Math.round(performance.now() - rotatedAt);
      await sleep(1_000);
      stop.abort();
      const records = await load;
      console.log(
        `[rotation] certificates: a new-CA caller accepted after ${String(acceptedAfter)} ms; old connection ${JSON.stringify(summarise(records))}`,
      );
      expect(accepted).toBe(true);
      expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
      // Calls went on over the connection made before the rotation, trusting the old CA only.
      expect(records.filter((r) => r.start > rotatedAt - loadStart + acceptedAfter).length).toBeGreaterThan(10);
    } finally {
      newPool.close();
      service.pool.close();
      await stopProcess(service.proc);
    }
  }, 60_000);
});

describe('database TLS rotation, the service in its own process', () => {
  it("the server's certificate moves to a new CA and DATABASE_TLS_CA_FILE follows: every backend killed, 0 failed calls, all encrypted", async () => {
    const [oldCa, newCa] = [
      await makeCertificates(mkdtempSync(join(tmpdir(), 'dbca-old-'))),
      await makeCertificates(mkdtempSync(join(tmpdir(), 'dbca-new-'))),
    ];
    await using tlsPg = await PostgresCluster.start({ tls: { cert: oldCa.serverCert, key: oldCa.serverKey } });
    await using tlsDb = await TestDatabase.create({ adminUrl: tlsPg.url() });
    const caFile = join(dir, 'db-ca.crt');
    copyFileSync(oldCa.ca, caFile);
    const proc = startProcess(
      process.execPath,
      ['src/main.ts'],
      { DATABASE_URL: tlsDb.url(), DATABASE_TLS_CA_FILE: caFile, GRPC_PORT: '0', METRICS_PORT: 'off', ITEM_CACHE: 'off', DB_POOL_MAX: '4' },
      process.cwd(),
    );
    const pool = new ChannelPool({ defaultDeadlineMs: 3_000 });
    try {
      const [, address = ''] = await listening(proc, /item service listening on (\S+?)"/);
      const api = itemServiceApi(itemServiceClient(pool, address));
      const stop = new AbortController();
      const load = runLoad({ api, concurrency: 4, writeEvery: 4, deadlineMs: 3_000, signal: stop.signal });
      await sleep(1_000);
      // As a CA rotation goes: trust both, move the server, trust the new one only.
      writeFileSync(caFile, readFileSync(oldCa.ca, 'utf8') + readFileSync(newCa.ca, 'utf8'));
      await tlsPg.rotateTls({ cert: newCa.serverCert, key: newCa.serverKey });
      await tlsDb.terminateBackends();
      await sleep(1_000);
      copyFileSync(newCa.ca, caFile);
      await tlsDb.terminateBackends();
      await sleep(1_500);
      stop.abort();
      const records = await load;
      const encrypted = await withClient(tlsPg.url(), async (c) => {
        const { rows } = await c.query<{ n: number; ssl: boolean | null }>(
          "SELECT count(*)::int AS n, bool_and(s.ssl) AS ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'masterdata-%'",
        );
        return rows[0];
      });
      console.log(`[rotation] database CA: ${JSON.stringify(summarise(records))}; connections now ${JSON.stringify(encrypted)}`);
      expect(records.filter((r) => r.code !== Status.OK)).toEqual([]);
      expect(encrypted).toMatchObject({ ssl: true });
      expect(encrypted?.n).toBeGreaterThan(0);
    } finally {
      pool.close();
      await stopProcess(proc);
    }
  }, 60_000);
});

describe('a password provider (the packages, no service)', () => {
  it('asks for each new connection; a refused password is asked for once more, told of the rejection, and the query succeeds', async () => {
    await db.admin("ALTER ROLE svc PASSWORD 'cached-1'");
    let cached = 'cached-1';
    const asks: boolean[] = [];
    const factory = resilientPg({
      endpoint: `postgresql://svc@127.0.0.1:${String(pg.port)}/${db.name}`,
      // A secrets-manager client: the cached password until told it was refused.
      password: ({ afterRejection }) => {
        asks.push(afterRejection);
        if (afterRejection) cached = 'cached-2';
        return cached;
      },
      max: 2,
    });
    try {
      expect((await factory.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await db.admin("ALTER ROLE svc PASSWORD 'cached-2'");
      await terminateSvc();
      expect((await factory.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      // The first connection, the one refused (the cached password), the one asked again.
      expect(asks.slice(0, 3)).toEqual([false, false, true]);
      await db.admin("ALTER ROLE svc PASSWORD 'nobody-knows'");
      await terminateSvc();
      const refused = await factory.pool.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(classifyDbError(refused)).toMatchObject({ kind: 'misconfigured', hint: 'authentication', credentialsRejected: true });
    } finally {
      await factory.pool.end();
    }
  });
});

function pushback(metadata: Metadata | undefined): string | undefined {
  const value = metadata?.get('grpc-retry-pushback-ms')[0];
  return value === undefined ? undefined : String(value);
}
