import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// How every consumer test gets the packages: built and packed here, installed from the tarballs
// alone into a directory outside the workspace, with the versions this repository runs.

export const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a service on the layer installs beside the tarballs (the packages' peers, and proto-loader). */
export const LAYER_PEERS = ['@prisma/client', '@prisma/adapter-pg', 'pg', '@grpc/grpc-js', '@grpc/proto-loader', 'prom-client'] as const;
/** What it compiles and generates with. */
export const BUILD_TOOLS = ['prisma', 'typescript', '@types/node', '@types/pg'] as const;

/** The versions this repository runs, so the consumer gets the same from the npm cache. */
export async function pinned(name: string): Promise<string> {
  const manifest = await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8');
  return `${name}@${(JSON.parse(manifest) as { version: string }).version}`;
}

/** Packs the workspaces into `dir` and installs them there with `peers` (and `tools` as devDependencies). */
export async function installFromTarballs(dir: string, peers: readonly string[], tools: readonly string[]): Promise<void> {
  await run('npm', ['run', 'build'], { cwd: ROOT });
  await run('npm', ['pack', '--workspaces', '--pack-destination', dir], { cwd: ROOT });
  const tarballs = readdirSync(dir)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => `./${f}`);
  const npm = (args: string[]) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, timeout: 300_000 });
  await npm(['install', ...tarballs, ...(await Promise.all(peers.map(pinned)))]);
  await npm(['install', '--save-dev', ...(await Promise.all(tools.map(pinned)))]);
}

/** `prisma generate` in `cwd`; Prisma's CLI downloads a schema engine `generate` never runs: point it at any file. */
export async function prismaGenerate(node: string, cli: string, cwd: string): Promise<void> {
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: cli, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
  await run(node, [cli, 'generate', '--schema', 'prisma/schema.prisma'], { cwd, env });
}

/** Node 22's binary, fetched from npm (the packages' oldest supported Node). */
export async function node22(cwd: string): Promise<string> {
  return (await run('npx', ['--yes', 'node@22', '-p', 'process.execPath'], { cwd, timeout: 300_000 })).stdout.trim();
}
