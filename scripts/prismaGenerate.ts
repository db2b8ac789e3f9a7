// `prisma generate` without network: Prisma's CLI downloads its schema-engine binary before
// any command, although `generate` never runs it. Pointing it at an existing file skips the
// download (set PRISMA_SCHEMA_ENGINE_BINARY yourself to use a real engine).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
// The service's client, then the one the resilient-prisma README's quick start compiles against.
for (const args of [[], ['--schema', 'packages/resilient-prisma/examples/prisma/schema.prisma']]) {
  const result = spawnSync(process.execPath, [cli, 'generate', ...args], { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
