import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Client, credentials, status as Status, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { runService } from '../harness/runService.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { TestDatabase, withClient } from '../harness/TestDatabase.ts';
import { healthCheck } from '../harness/healthCheck.ts';
import { itemFields } from '../harness/itemFields.ts';

function listServicesByReflection(address: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const protoFile = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const def = loadSync(protoFile)['grpc.reflection.v1.ServerReflection'] as Record<
    string,
    MethodDefinition<object, { listServicesResponse?: { service: { name: string }[] } }>
  >;
  const info = def.ServerReflectionInfo;
  if (!info) throw new Error('reflection proto');
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(info.path, info.requestSerialize, info.responseDeserialize);
    call.on('data', (res: { listServicesResponse?: { service: { name: string }[] } }) => {
      resolve(res.listServicesResponse?.service.map((s) => s.name) ?? []);
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write({ listServices: '' });
  });
}

describe('what operators and stock tools see', () => {
  it('answers the standard health check and lists its services by reflection', async () => {
    await using db = await TestDatabase.create();
    await using t = await startTestServer(db.url());
    expect(await healthCheck(t.address, '')).toBe('SERVING');
    expect(await healthCheck(t.address, 'masterdata.v1.ItemService')).toBe('SERVING');
    expect(await listServicesByReflection(t.address)).toEqual(
      expect.arrayContaining(['masterdata.v1.ItemService', 'grpc.health.v1.Health']),
    );
  });

  it('serves Prometheus metrics over HTTP', async () => {
    await using db = await TestDatabase.create();
    await using t = await startTestServer(db.url());
    await t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' });
    const body = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
    expect(body).toContain(
      'masterdata_grpc_server_handling_seconds_bucket{le="0.005",method="/masterdata.v1.ItemService/GetItemDetail",code="OK"}',
    );
    expect(body).toContain('masterdata_health_serving 1');
    expect(body).not.toContain(db.url());
  });

  it('on shutdown finishes the call in flight, refuses new ones, and closes the database', async () => {
    await using db = await TestDatabase.create();
    const t = await startTestServer(db.url());
    // Hold a row lock so the upsert is in flight when shutdown starts.
    await withClient(db.url(), async (locker) => {
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM item WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011' FOR UPDATE");
      const inFlight = t.api.upsertItem(
        {
          tenantId: 'demo',
          storeCode: 'S001',
          itemCode: '4011',
          requestId: randomUUID(),
          expectedVersion: 0,
          item: itemFields({
            description: 'Bananas, loose',
            shortDescription: 'BANANAS',
            unitPrice: '2.09',
            taxCode: 'FOOD',
            categoryCode: 'produce',
            soldByWeight: true,
          }),
        },
        { timeoutMs: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 300));
      const stopping = t.server.shutdown(10_000);
      await new Promise((r) => setTimeout(r, 100));
      const late = await t.api
        .getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '1001' }, { timeoutMs: 1_000 })
        .catch((e: unknown) => e as ServiceError);
      expect((late as ServiceError).code).toBe(Status.UNAVAILABLE);
      await locker.query('COMMIT');
      await expect(inFlight).resolves.toMatchObject({ item: { unitPrice: '2.09', version: 2 } });
      await stopping;
    });
    expect(await db.connectionCount()).toBe(0);
    t.pool.close();
  });
});

describe('cancellation', () => {
  it('a call cancelled (deadline) while its query waits on a lock releases its connection', async () => {
    await using db = await TestDatabase.create();
    // One connection in the write pool: the next write can only run if the cancelled one gave it back.
    await using t = await startTestServer(db.url(), { DB_POOL_MAX: 1, DB_STATEMENT_TIMEOUT_MS: 30_000, DB_QUERY_TIMEOUT_MS: 30_000 });
    const fields = itemFields({
      description: 'Bananas, loose',
      shortDescription: 'BANANAS',
      unitPrice: '2.19',
      taxCode: 'FOOD',
      categoryCode: 'produce',
      soldByWeight: true,
    });
    await withClient(db.url(), async (locker) => {
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM item WHERE tenant_id = 'demo' AND store_code = 'S001' AND item_code = '4011' FOR UPDATE");
      const blocked = await t.api
        .upsertItem(
          { tenantId: 'demo', storeCode: 'S001', itemCode: '4011', requestId: randomUUID(), expectedVersion: 0, item: fields },
          { timeoutMs: 400 },
        )
        .catch((e: unknown) => e as ServiceError);
      expect((blocked as ServiceError).code).toBe(Status.DEADLINE_EXCEEDED);
      const t0 = performance.now();
      await expect(
        t.api.upsertItem(
          {
            tenantId: 'demo',
            storeCode: 'S001',
            itemCode: '1001',
            requestId: randomUUID(),
            expectedVersion: 0,
            item: { ...fields, description: 'Whole milk 1 l', shortDescription: 'MILK 1L', unitPrice: '1.19' },
          },
          { timeoutMs: 3_000 },
        ),
      ).resolves.toMatchObject({ item: { itemCode: '1001', version: 2 } });
      expect(performance.now() - t0).toBeLessThan(1_500);
      await locker.query('ROLLBACK');
    });
  });
});

describe('the service process', () => {
  const run = runService;

  it('stops with a clear message (and no secret) on a bad configuration value', async () => {
    const result = await run({ GRPC_PORT: 'seventy', DATABASE_URL: 'mysql://u:hunter2@h/d' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^invalid configuration: DATABASE_URL: must look like postgresql:\/\/[^;]*; GRPC_PORT: .*\(got "seventy"\) \(see the configuration table/,
    );
    expect(result.stderr + result.stdout).not.toContain('hunter2');
  });

  it('stops with one line naming the setting, and no stack, when the database refuses it or cannot be reached', async () => {
    const missing = await run({ DATABASE_URL: 'postgresql://postgres:hunter2@127.0.0.1:5432/no_such_database_here' });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'cannot start: the database in DATABASE_URL does not exist: create it or fix the name',
    ]);
    const refused = await run({ DATABASE_URL: 'postgresql://postgres:hunter2@127.0.0.1:1/x' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^cannot start: the database in DATABASE_URL cannot be reached \(connect ECONNREFUSED/);
    expect(missing.stderr + missing.stdout + refused.stderr + refused.stdout).not.toContain('hunter2');
  });

  it('takes its secrets from files (_FILE), and stops with one line naming a file it cannot read', async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'url'), `${db.url()}\n`);
    writeFileSync(join(dir, 'password'), 's3cret-file-pw\n');
    writeFileSync(join(dir, 'token'), 'a-page-token-secret-from-a-file\n');
    const started = await run(
      {
        DATABASE_URL_FILE: join(dir, 'url'),
        DATABASE_PASSWORD_FILE: join(dir, 'password'),
        PAGE_TOKEN_SECRET_FILE: join(dir, 'token'),
        GRPC_PORT: '0',
        METRICS_PORT: 'off',
      },
      (proc) => proc.kill('SIGTERM'),
    );
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('"msg":"stopped"');
    expect(started.stdout).not.toContain('PAGE_TOKEN_SECRET is not set');
    expect(started.stdout + started.stderr).not.toMatch(/s3cret-file-pw|a-page-token-secret-from-a-file/);

    const missing = await run({ DATABASE_URL_FILE: join(dir, 'no-such-file') });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([
      `invalid configuration: DATABASE_URL_FILE: cannot read ${join(dir, 'no-such-file')} (ENOENT) (see the configuration table in README.md)`,
    ]);
  });

  it('migrates, serves, and exits 0 on SIGTERM', async () => {
    await using db = await TestDatabase.create({ migrate: false, seed: false });
    // The local server trusts the connection, so the password is never checked: it is here to be kept secret.
    const withPassword = db.url().replace('postgres@', 'postgres:s3cret-pw@');
    const result = await run({ DATABASE_URL: withPassword, GRPC_PORT: '0', METRICS_PORT: 'off', SEED_DEMO_DATA: 'true' }, (proc) =>
      proc.kill('SIGTERM'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"event":"migrate"');
    expect(result.stdout).toContain('"msg":"stopped"');
    expect(result.stdout + result.stderr).not.toContain('s3cret-pw');
  });

  it('npm start passes SIGTERM to the service: it drains and stops, no orphan is left', async () => {
    await using db = await TestDatabase.create();
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, DATABASE_URL: db.url(), GRPC_PORT: '0', METRICS_PORT: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const listening = new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('listening on')) resolve();
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
    });
    const exited = new Promise<number | null>((resolve) => npm.on('exit', resolve));
    await listening;
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(npm.pid)])
      .toString()
      .trim()
      .split('\n');
    // The script execs node, so npm's child is the service itself, not a shell in between.
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/node src\/main\.ts/);
    const service = Number(children[0]?.trim().split(/\s+/)[0]);
    try {
      npm.kill('SIGTERM'); // to npm only, as a process manager or a script would send it
      await exited;
      for (let i = 0; i < 50 && alive(service); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(service)).toBe(false);
      expect(output).toMatch(/"event":"shutdown".*"msg":"stopped"/);
    } finally {
      if (alive(service)) process.kill(service, 'SIGKILL'); // never leave the orphan this test is about
    }
  }, 30_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
