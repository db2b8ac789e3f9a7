import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The PostgreSQL image of this repository's failover runs: POSTGRES_IMAGE; else what
 * scripts/docker/ensureDocker.sh chose (.failover-image: the official image where a registry
 * answers); else the one built from the machine's binaries.
 */
export const FAILOVER_IMAGE = process.env.POSTGRES_IMAGE ?? chosenImage() ?? 'masterdata-postgres:15-local';

function chosenImage(): string | undefined {
  const file = fileURLToPath(new URL('../../.failover-image', import.meta.url));
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}
