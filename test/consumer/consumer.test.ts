import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDatabase } from '../../harness/TestDatabase.ts';
import { listening, sleep, startProcess, stopProcess } from '../../harness/childProcesses.ts';
import { BUILD_TOOLS, installFromTarballs, LAYER_PEERS, node22 as findNode22, prismaGenerate, run } from './consumerInstall.ts';

// A team that is not us: its own Prisma schema (orders) and proto, the packages installed from
// their tarballs alone into a project outside this workspace, compiled with a plain tsconfig
// (nodenext, strict, no TypeScript-extension flags, skipLibCheck false), run on Node 22 and 24.

const PROJECT = fileURLToPath(new URL('./project', import.meta.url));
const CJS_PROJECT = fileURLToPath(new URL('./cjs', import.meta.url));
const CONNECT_PROJECT = fileURLToPath(new URL('./connect', import.meta.url));
const NODE_24 = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'orders-consumer-'));
let node22: string;
let db: TestDatabase;

beforeAll(async () => {
  cpSync(PROJECT, dir, { recursive: true });
  await installFromTarballs(dir, [...LAYER_PEERS, '@connectrpc/connect', '@connectrpc/connect-node', '@bufbuild/protobuf'], BUILD_TOOLS);
  const cli = join(dir, 'node_modules/prisma/build/index.js');
  await prismaGenerate(NODE_24, cli, dir);
  await run(NODE_24, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: dir });
  // The same packages from a CommonJS project (NestJS's default), beside it in the same install.
  cpSync(CJS_PROJECT, join(dir, 'cjs'), { recursive: true });
  await prismaGenerate(NODE_24, cli, join(dir, 'cjs'));
  await run(NODE_24, ['../node_modules/typescript/bin/tsc', '-p', '.'], { cwd: join(dir, 'cjs') });
  // The same service written with Connect-ES, beside them.
  cpSync(CONNECT_PROJECT, join(dir, 'connect'), { recursive: true });
  await prismaGenerate(NODE_24, cli, join(dir, 'connect'));
  await run(NODE_24, ['../node_modules/typescript/bin/tsc', '-p', '.'], { cwd: join(dir, 'connect') });
  node22 = await findNode22(dir);
  db = await TestDatabase.create({ migrate: false, seed: false });
  await db.query(
    'CREATE TABLE orders (id text PRIMARY KEY, request_id text NOT NULL UNIQUE, customer text NOT NULL, created_at timestamp(3) NOT NULL DEFAULT now())',
  );
}, 600_000);

afterAll(async () => {
  await db?.[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

describe('a consumer outside the workspace, from the tarballs alone', () => {
  it('the tarballs (nestjs among them) hold built JS, types, the README and the CHANGELOG, and no sources, tests or fixtures', async () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.tgz'))).toHaveLength(5);
    for (const tarball of readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
      const { stdout } = await run('tar', ['-tzf', join(dir, tarball)]);
      const files = stdout.trim().split('\n');
      expect(files).toContain('package/README.md');
      expect(files).toContain('package/CHANGELOG.md');
      // Built JS, types, maps, the README and the CHANGELOG (and the manifest, and the testkit's image
      // entrypoint), nothing else.
      expect(
        files.filter(
          (f) => !/^package\/(dist\/.+\.(js|d\.ts|js\.map)|README\.md|CHANGELOG\.md|package\.json|assets\/[\w.-]+\.sh)$/.test(f),
        ),
      ).toEqual([]);
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.filter((f) => /\.test\.|\/src\/|fixtures|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
      // Nothing points at what does not ship: no declaration maps (they would name src/), and
      // the JS maps carry their sources.
      expect(files.filter((f) => f.endsWith('.d.ts.map'))).toEqual([]);
      const { stdout: map } = await run('tar', ['-xzOf', join(dir, tarball), 'package/dist/index.js.map']);
      expect((JSON.parse(map) as { sourcesContent?: unknown[] }).sourcesContent?.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['22', () => node22],
    ['24', () => NODE_24],
  ])('on Node %s: under load with every backend terminated twice, 0 failed calls, as its own application_name', async (version, node) => {
    const { stdout } = await run(node(), ['--version']);
    expect(stdout.trim()).toMatch(new RegExp(`^v${version}\\.`));
    const server = start(node(), ['dist/server.js'], { DATABASE_URL: db.url() });
    try {
      const port = Number((await listening(server))[1]);
      const load = run(node(), ['dist/load.js', String(port), '5000', '8'], { cwd: dir });
      const seen = new Set<string>();
      const terminated: number[] = [];
      for (const at of [1_500, 3_000]) {
        await sleep(at - (terminated.length > 0 ? 1_500 : 0));
        for (const row of await db.query<{ app: string }>(
          "SELECT DISTINCT application_name AS app FROM pg_stat_activity WHERE application_name LIKE 'orders-%'",
        ))
          seen.add(row.app);
        terminated.push(await db.terminateBackends('orders-'));
      }
      const result = JSON.parse((await load).stdout) as { ok: number; failed: number; errors: object; channels: number };
      expect(terminated.every((n) => n > 0)).toBe(true);
      expect(seen).toContain('orders-read');
      expect(seen).toContain('orders-write');
      expect(result, JSON.stringify(result.errors)).toMatchObject({ failed: 0, channels: 1 });
      expect(result.ok).toBeGreaterThan(100);
    } finally {
      await stop(server);
    }
  });

  it.each([
    ['22', () => node22, 20261203],
    ['24', () => NODE_24, Math.floor(Math.random() * 2 ** 31)],
  ])(
    'on Node %s: 400 writes with deadlines and cancels across 1-60 ms through Database: none the server answered as failed is stored, every OK is',
    async (_version, node, seed) => {
      type Record = { requestId: string; ends: string; code: status; details: string; local: boolean };
      const server = start(node(), ['dist/server.js'], { DATABASE_URL: db.url() });
      try {
        const port = Number((await listening(server))[1]);
        const prefix = `storm${seed}`;
        console.log(`consumer write storm seed ${seed}`);
        const { stdout } = await run(NODE_24, ['dist/writeStorm.js', String(port), '400', '8', String(seed), prefix], {
          cwd: dir,
          maxBuffer: 16 * 1024 * 1024,
          timeout: 120_000,
        });
        const records = stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record);
        // A write answered while its COMMIT was under way settles a moment later.
        await sleep(1_000);
        const rows = await db.query<{ request_id: string }>('SELECT request_id FROM orders WHERE request_id LIKE $1', [`${prefix}-%`]);
        const stored = new Set(rows.map((r) => r.request_id));
        const failed = new Set([status.DEADLINE_EXCEEDED, status.CANCELLED]);
        const byStatus: { [k: string]: number } = {};
        for (const r of records)
          byStatus[`${status[r.code]}${r.local ? ' (client)' : ''}`] =
            (byStatus[`${status[r.code]}${r.local ? ' (client)' : ''}`] ?? 0) + 1;
        console.log(`consumer write storm: ${JSON.stringify(byStatus)}, ${stored.size} stored`);
        expect(records).toHaveLength(400);
        expect(records.filter((r) => !r.local && failed.has(r.code) && stored.has(r.requestId))).toEqual([]);
        expect(records.filter((r) => r.code === status.OK && !stored.has(r.requestId))).toEqual([]);
        expect(records.filter((r) => r.code === status.OK).length).toBeGreaterThan(0);
      } finally {
        await stop(server);
      }
    },
    180_000,
  );

  it.each([
    ['22', () => node22],
    ['24', () => NODE_24],
  ])(
    'compiled as CommonJS (module: commonjs, node10 resolution) and run on Node %s: require() loads every package, late and cancelled writes are rolled back',
    async (version, node) => {
      const { stdout } = await run(node(), ['cjs/dist/main.js'], { cwd: dir, env: { ...process.env, DATABASE_URL: db.url() } });
      const result = JSON.parse(stdout) as Record<string, unknown>;
      expect(String(result.node)).toMatch(new RegExp(`^v${version}\\.`));
      expect(result).toMatchObject({
        found: true,
        late: true,
        cancelled: true,
        left: 0,
        kind: 'connection_lost',
        channels: 1,
        chain: 'function',
      });
    },
  );

  it.each([
    ['22', () => node22],
    ['24', () => NODE_24],
  ])(
    'written with Connect-ES on Node %s: under load over gRPC with every backend terminated twice, 0 failed calls, domain errors as the chain maps them',
    async (version, node) => {
      type Load = { ok: number; failed: number; errors: object; acknowledged: string[]; missing: string };
      const cwd = join(dir, 'connect');
      const connect = async (env: Record<string, string>, prefix: string, apps: string) => {
        const server = start(node(), ['dist/server.js'], { DATABASE_URL: db.url(), ...env }, cwd);
        try {
          const port = Number((await listening(server))[1]);
          const loading = run(NODE_24, ['dist/load.js', String(port), '5000', '8', prefix], { cwd });
          const terminated: number[] = [];
          for (const wait of [1_500, 1_500]) {
            await sleep(wait);
            terminated.push(await db.terminateBackends(apps));
          }
          return { load: JSON.parse((await loading).stdout) as Load, terminated };
        } finally {
          await stop(server);
        }
      };
      const { load, terminated } = await connect({}, `connect${version}`, 'connect-');
      const plain = await connect({ PLAIN: '1' }, `plain${version}`, 'connect-plain');
      console.log(
        `Connect-ES on Node ${version}: with connectCallChain ${load.ok} ok / ${load.failed} failed (terminated ${terminated.join(' + ')}); ` +
          `without it, one global PrismaClient: ${plain.load.ok} ok / ${plain.load.failed} failed ${JSON.stringify(plain.load.errors)}`,
      );
      expect(terminated.every((n) => n > 0)).toBe(true);
      expect(load, JSON.stringify(load.errors)).toMatchObject({ failed: 0, missing: 'NotFound: order no-such-order does not exist' });
      expect(load.ok).toBeGreaterThan(100);
      const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE request_id = ANY($1)', [load.acknowledged]);
      expect(stored[0]?.n).toBe(load.acknowledged.length);
    },
    120_000,
  );

  it('with only resilientPg as its adapter: after each termination the next calls succeed, with no restart', async () => {
    type Rounds = { rounds: { terminated: number; ok: number; failed: number; errors: string[] }[] };
    const env = { ...process.env, DATABASE_URL: db.url() };
    const { rounds } = JSON.parse((await run(NODE_24, ['dist/adapterOnly.js'], { cwd: dir, env })).stdout) as Rounds;
    // The same without us (adapter-pg as it comes), side by side: not asserted, it may be lucky.
    const plain = JSON.parse((await run(NODE_24, ['dist/adapterOnly.js', 'plain'], { cwd: dir, env })).stdout) as Rounds;
    console.log(
      `failed calls after each termination: resilientPg ${rounds.map((r) => r.failed).join(', ')}; adapter-pg ${plain.rounds.map((r) => r.failed).join(', ')}`,
    );
    expect(rounds).toHaveLength(2);
    for (const round of rounds) {
      expect(round.terminated).toBeGreaterThan(0);
      expect(round, round.errors.join('; ')).toMatchObject({ ok: 20, failed: 0 });
    }
  });

  it('with only resilientPg under load, every backend terminated twice: within max connections, 0 failed reads, fewer failed writes than adapter-pg, every acknowledged write stored once', async () => {
    type Load = {
      calls: { reads: { ok: number; failed: number }; writes: { ok: number; failed: number } };
      acknowledged: string[];
      maxConnections: number;
      max: number;
      terminated: number[];
      errors: string[];
    };
    const env = { ...process.env, DATABASE_URL: db.url() };
    const layer = JSON.parse((await run(NODE_24, ['dist/adapterLoad.js'], { cwd: dir, env })).stdout) as Load;
    const plain = JSON.parse((await run(NODE_24, ['dist/adapterLoad.js', 'plain'], { cwd: dir, env })).stdout) as Load;
    const line = (label: string, l: Load) =>
      `${label}: reads ${l.calls.reads.ok} ok / ${l.calls.reads.failed} failed, writes ${l.calls.writes.ok} ok / ${l.calls.writes.failed} failed, ` +
      `terminated ${l.terminated.join(' + ')}, at most ${l.maxConnections} connections (max ${l.max})`;
    console.log(`${line('resilientPg', layer)}\n${line('adapter-pg ', plain)}`);
    expect(layer.terminated.every((n) => n > 0)).toBe(true);
    expect(layer.maxConnections).toBeLessThanOrEqual(layer.max);
    expect(layer.calls.reads.failed, layer.errors.join('; ')).toBe(0);
    expect(layer.calls.writes.failed, layer.errors.join('; ')).toBeLessThanOrEqual(plain.calls.writes.failed);
    if (plain.calls.writes.failed > 0) expect(layer.calls.writes.failed).toBeLessThan(plain.calls.writes.failed);
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1)', [layer.acknowledged]);
    expect(stored[0]?.n).toBe(layer.acknowledged.length);
  });
});

const start = (node: string, args: string[], env: Record<string, string>, cwd = dir) => startProcess(node, args, env, cwd);
const stop = stopProcess;
