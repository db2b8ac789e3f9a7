import { defineConfig } from 'prisma/config';

// `prisma generate` needs no database; `prisma migrate deploy` (where Prisma's
// engines can be downloaded) reads DATABASE_URL like `npm run db:migrate` does.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
