// `npm run db:migrate`: applies pending migrations to DATABASE_URL like `prisma migrate deploy`.
import { redactUrl } from '../../config/redactUrl.ts';
import { migrateDatabase } from './migrateDatabase.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgresql://user@127.0.0.1:5432/masterdata npm run db:migrate');
  process.exit(2);
}
try {
  const result = await migrateDatabase(url);
  for (const name of result.modified) console.warn(`warning: migration ${name} was modified after it was applied`);
  console.log(result.applied.length === 0
    ? `No pending migrations to apply (${redactUrl(url)}).`
    : `Applied ${result.applied.length} migration(s) to ${redactUrl(url)}: ${result.applied.join(', ')}`);
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
