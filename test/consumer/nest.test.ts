import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDatabase } from '../../harness/TestDatabase.ts';
import { listening, sleep, startProcess, stopProcess } from '../../harness/childProcesses.ts';
import { BUILD_TOOLS, installFromTarballs, LAYER_PEERS, node22 as findNode22, prismaGenerate, run } from './consumerInstall.ts';

// A NestJS team's cart service (test/consumer/nest): its own schema and protos, compiled as
// NestJS compiles by default (CommonJS, decorators), the packages from their tarballs alone.
// Its request-scoped repository calls a pricing service over gRPC on every request.

const PROJECT = fileURLToPath(new URL('./nest', import.meta.url));
const NODE_24 = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'cart-nest-'));
let node22: string;
let db: TestDatabase;

type Load = { ok: number; failed: number; errors: Record<string, number>; acknowledged: string[] };
type Stats = { channels: number; heapUsed: number; rss: number };

beforeAll(async () => {
  cpSync(PROJECT, dir, { recursive: true });
  await installFromTarballs(
    dir,
    [
      ...LAYER_PEERS,
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/microservices',
      '@nestjs/platform-express',
      '@nestjs/terminus',
      'reflect-metadata',
      'rxjs',
    ],
    BUILD_TOOLS,
  );
  await prismaGenerate(NODE_24, join(dir, 'node_modules/prisma/build/index.js'), dir);
  await run(NODE_24, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: dir });
  node22 = await findNode22(dir);
  db = await TestDatabase.create({ migrate: false, seed: false });
  await db.query(
    `CREATE TABLE cart_lines (request_id text PRIMARY KEY, cart_id text NOT NULL, sku text NOT NULL, quantity int NOT NULL,
       price_cents int NOT NULL, added_at timestamp(3) NOT NULL DEFAULT now())`,
  );
}, 600_000);

afterAll(async () => {
  await db?.[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

/** The pricing service and the cart service in their own processes; stopped by their groups. */
async function startServices(node: string, mode: 'pooled' | 'per-request' | 'plain') {
  const pricing = start(NODE_24, ['dist/pricingServer.js'], {});
  const pricingPort = Number((await listening(pricing, /listening (\d+)/))[1]);
  const cart = start(node, ['--expose-gc', 'dist/main.js'], {
    CART_MODE: mode,
    DATABASE_URL: db.url(),
    PRICING_TARGET: `127.0.0.1:${pricingPort}`,
  });
  const [, grpc, http] = await listening(cart, /listening grpc=(\d+) http=(\d+)/).catch(async (e: unknown) => {
    await stop(pricing);
    throw e;
  });
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`http://127.0.0.1:${http}${path}`);
    return { status: response.status, body: await response.json() };
  };
  return {
    grpcPort: Number(grpc),
    get,
    /** Stops both; what the pricing service saw (distinct connections, calls). */
    async stop(): Promise<{ peers: number; calls: number }> {
      await stop(cart);
      const out = collect(pricing);
      await stop(pricing);
      return JSON.parse(out().trim().split('\n').pop() || '{}') as { peers: number; calls: number };
    },
  };
}

describe('a NestJS gRPC service on the packages, from the tarballs alone', () => {
  it.each([
    ['22', () => node22],
    ['24', () => NODE_24],
  ])(
    'on Node %s: under load with every backend terminated twice, 0 failed calls, connections within the ceiling, one channel downstream',
    async (version, node) => {
      expect((await run(node(), ['--version'])).stdout.trim()).toMatch(new RegExp(`^v${version}\\.`));
      const services = await startServices(node(), 'pooled');
      try {
        const { load, terminated, maxConnections } = await underTerminations(services.grpcPort, `n${version}`, 'cart-');
        const stats = (await services.get('/stats')).body as Stats;
        const pricing = await services.stop();
        const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cart_lines WHERE request_id = ANY($1)', [
          load.acknowledged,
        ]);
        console.log(
          `NestJS + packages on Node ${version}: ${load.ok} ok, ${load.failed} failed, terminated ${terminated.join(' + ')}, ` +
            `at most ${maxConnections} connections (ceiling 7), ${stats.channels} channel(s), pricing saw ${pricing.peers} connection(s) for ${pricing.calls} calls; ${JSON.stringify(load.errors)}`,
        );
        expect(terminated.every((n) => n > 0)).toBe(true);
        expect(load.failed, JSON.stringify(load.errors)).toBe(0);
        expect(load.ok).toBeGreaterThan(100);
        // max 3 per pool: read + write + the health monitor's one.
        expect(maxConnections).toBeLessThanOrEqual(2 * 3 + 1);
        expect(stored[0]?.n).toBe(load.acknowledged.length);
        expect(stats.channels).toBe(1);
        expect(pricing.peers).toBe(1);
      } finally {
        await services.stop();
      }
    },
    120_000,
  );

  it('the same service without the module (one global PrismaClient) under the same terminations, side by side: printed', async () => {
    const services = await startServices(NODE_24, 'plain');
    try {
      const { load, terminated } = await underTerminations(services.grpcPort, 'plain', 'cart-plain');
      console.log(
        `NestJS + one global PrismaClient: ${load.ok} ok, ${load.failed} failed (terminated ${terminated.join(' + ')}): ${JSON.stringify(load.errors)}`,
      );
      expect(load.ok).toBeGreaterThan(0);
    } finally {
      await services.stop();
    }
  }, 120_000);

  it('3 users, 200 lines through a request-scoped repository: one channel with ChannelPoolModule, one per request with ClientProxyFactory', async () => {
    const counts: Record<string, { channels: number; peers: number; ok: number }> = {};
    for (const mode of ['pooled', 'per-request'] as const) {
      const services = await startServices(NODE_24, mode);
      try {
        const { stdout } = await run(NODE_24, ['dist/load.js', String(services.grpcPort), '60000', '3', `inc-${mode}`, '200'], {
          cwd: dir,
        });
        const load = JSON.parse(stdout) as Load;
        const { channels } = (await services.get('/stats')).body as Stats;
        const { peers } = await services.stop();
        counts[mode] = { channels, peers, ok: load.ok };
        expect(load.failed, JSON.stringify(load.errors)).toBe(0);
      } finally {
        await services.stop();
      }
    }
    console.log(`cart incident in NestJS form, 200 lines by 3 users: ${JSON.stringify(counts)}`);
    expect(counts.pooled).toMatchObject({ channels: 1, peers: 1, ok: 400 });
    expect(counts['per-request']?.channels).toBeGreaterThanOrEqual(200);
  }, 180_000);

  it('terminus health checked 1,000 times: one channel, heap flat; the HTTP route with @DbCall reads through the scope', async () => {
    const services = await startServices(NODE_24, 'pooled');
    try {
      await run(NODE_24, ['dist/load.js', String(services.grpcPort), '60000', '1', 'http', '3'], { cwd: dir });
      const cart = await services.get('/carts/http-cart-0');
      expect(cart).toMatchObject({ status: 200, body: { cart_id: 'http-cart-0' } });
      expect((cart.body as { lines: unknown[] }).lines).toHaveLength(3);
      const check = async () => (await services.get('/health')).body as { status: string };
      // The monitor's first probe answers within its interval.
      for (let i = 0; i < 50 && (await check()).status !== 'ok'; i++) await sleep(100);
      for (let i = 0; i < 100; i++) await check();
      const before = (await services.get('/stats')).body as Stats;
      const results = new Map<string, number>();
      for (let i = 0; i < 1_000; i++) {
        const body = await check();
        results.set(body.status, (results.get(body.status) ?? 0) + 1);
      }
      const after = (await services.get('/stats')).body as Stats;
      const pricing = await services.stop();
      console.log(
        `terminus, 1,000 checks: ${JSON.stringify(Object.fromEntries(results))}; channels ${before.channels} → ${after.channels}; ` +
          `heap ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MB; pricing saw ${pricing.peers} connection(s) for ${pricing.calls} calls`,
      );
      expect(results.get('ok')).toBe(1_000);
      expect(after.channels).toBe(1);
      expect(pricing.peers).toBe(1);
      // A channel per check would keep its resolver, timers and buffers: megabytes over 1,000.
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 2 ** 20);
    } finally {
      await services.stop();
    }
  }, 120_000);
});

/** The load for 5 s from another process, every backend of `apps` terminated at 1.5 s and 3 s, connections counted every 100 ms. */
async function underTerminations(grpcPort: number, prefix: string, apps: string) {
  const loading = run(NODE_24, ['dist/load.js', String(grpcPort), '5000', '8', prefix], { cwd: dir });
  let maxConnections = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxConnections = Math.max(maxConnections, await db.connectionCount(apps));
      await sleep(100);
    }
  })();
  const terminated: number[] = [];
  for (const wait of [1_500, 1_500]) {
    await sleep(wait);
    terminated.push(await db.terminateBackends(apps));
  }
  const load = JSON.parse((await loading).stdout) as Load;
  sampling = false;
  await sampler;
  return { load, terminated, maxConnections };
}

const start = (node: string, args: string[], env: Record<string, string>) => startProcess(node, args, env, dir);
const stop = stopProcess;

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}
