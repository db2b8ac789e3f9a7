import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../../src/clients/itemServiceClient.ts';
import { freePort } from '@pos-masterdata/failover-testkit';
import { sleep } from '../../harness/runLoad.ts';
import { itemFields } from '../../harness/itemFields.ts';

// Smoke test of docker-compose.yml as a user runs it: up, one call, `patronictl switchover`, one
// call, down. The images come from scripts/docker/buildHaImages.sh (.ci/run builds them).
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAGES = ['masterdata-ha-base:bookworm', 'masterdata-service:local'];

async function composeCommand(): Promise<string[] | undefined> {
  for (const cmd of [['docker-compose'], ['docker', 'compose']]) {
    try {
      await run(cmd[0] as string, [...cmd.slice(1), 'version']);
      await run('docker', ['image', 'inspect', ...IMAGES]);
      return cmd;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const compose = await composeCommand();
if (!compose) {
  const why = 'needs Docker, docker-compose and the images of scripts/docker/buildHaImages.sh';
  if (process.env.CI === 'true')
    it('runs the docker-compose smoke test (required in CI)', () => {
      throw new Error(why);
    });
  else it.skip(`docker-compose smoke test skipped: ${why}`, () => undefined);
}

const item = itemFields({ description: 'compose smoke', shortDescription: 'SMOKE' });

describe.runIf(compose)('docker-compose.yml: etcd, three Patroni nodes and the service', () => {
  it('comes up, serves a call, follows the writer through a switchover, and goes down', async () => {
    const [cmd = 'docker-compose', ...sub] = compose ?? [];
    const project = `masterdata-smoke-${randomUUID().slice(0, 8)}`;
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const env = { ...process.env, GRPC_HOST_PORT: String(grpcPort), METRICS_HOST_PORT: String(metricsPort) };
    const dc = (...args: string[]) => run(cmd, [...sub, '-p', project, ...args], { cwd: ROOT, env, timeout: 180_000 });
    const pool = new ChannelPool({ defaultDeadlineMs: 3_000 });
    const api = itemServiceApi(itemServiceClient(pool, `127.0.0.1:${grpcPort}`, credentials.createInsecure()));
    const eventually = async <T>(what: string, call: () => Promise<T>, ms: number): Promise<T> => {
      const end = performance.now() + ms;
      for (;;) {
        try {
          return await call();
        } catch (error) {
          if (performance.now() > end) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
          await sleep(500);
        }
      }
    };
    const upsert = () =>
      api.upsertItem({
        tenantId: 'demo',
        storeCode: 'S001',
        itemCode: `SMOKE-${randomUUID().slice(0, 8)}`,
        requestId: randomUUID(),
        expectedVersion: 0,
        item,
      });
    const writer = async () =>
      (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).match(
        /masterdata_db_writer\{pool="write",host="([^"]+)"\} 1/,
      )?.[1];
    try {
      await dc('up', '-d');
      const first = await eventually(
        'the first call',
        () => api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }),
        150_000,
      );
      expect(first.itemCode).toBe('4011');
      await eventually('a write before the switchover', upsert, 30_000);
      const before = await writer();

      // Synchronous mode allows a switchover only to the synchronous standby, once there is one.
      const [leader, candidate] = await eventually(
        'a leader and a synchronous standby',
        async () => {
          const { stdout } = await dc('exec', '-T', 'patroni1', 'patronictl', '-c', '/etc/patroni.yml', 'list', '-f', 'json');
          const members = JSON.parse(stdout) as { Member: string; Role: string }[];
          const names = ['Leader', 'Sync Standby'].map((role) => members.find((m) => m.Role === role)?.Member);
          if (names.includes(undefined)) throw new Error(stdout);
          return names as [string, string];
        },
        60_000,
      );
      await dc(
        'exec',
        '-T',
        'patroni1',
        'patronictl',
        '-c',
        '/etc/patroni.yml',
        'switchover',
        '--leader',
        leader,
        '--candidate',
        candidate,
        '--force',
      );

      await eventually('a write after the switchover', upsert, 30_000);
      const after = await writer();
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      expect(after?.startsWith(candidate)).toBe(true);
    } finally {
      pool.close();
      await dc('down', '-v', '--remove-orphans').catch(() => undefined);
    }
  }, 420_000);
});
