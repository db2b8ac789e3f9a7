// `npm run db:migrate`: applies pending migrations to DATABASE_URL (its writer, when it lists
// several hosts) like `prisma migrate deploy`.
import { loadConfig } from '../../config/config.ts';
import { loadOrExit } from '../../config/loadOrExit.ts';
import { migrateDatabase } from './migrateDatabase.ts';

const endpoint = loadOrExit(loadConfig, process.env).DATABASE_URL;
if (!endpoint) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgresql://user@127.0.0.1:5432/masterdata npm run db:migrate');
  process.exit(2);
}
try {
  const result = await migrateDatabase(endpoint);
  for (const name of result.modified) console.warn(`warning: migration ${name} was modified after it was applied`);
  console.log(
    result.applied.length === 0
      ? `No pending migrations to apply (${String(endpoint)}).`
      : `Applied ${result.applied.length} migration(s) to ${String(endpoint)}: ${result.applied.join(', ')}`,
  );
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Migration failed: ${message.replace(/postgres(ql)?:\/\/\S+/g, '<DATABASE_URL>')}`);
  process.exitCode = 1;
}
