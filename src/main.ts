// The item master-data service: `npm start`. With DATABASE_URL it serves that database;
// without it, an embedded PostgreSQL with demo data.
import { randomBytes } from 'node:crypto';
import { describeStartupFailure } from './app/describeStartupFailure.ts';
import { startItemServer } from './app/startItemServer.ts';
import { loadConfig } from './config/config.ts';
import { loadOrExit } from './config/loadOrExit.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { migrateDatabase } from './ops/migrate/migrateDatabase.ts';
import { seedDemoData } from './ops/seedDemoData.ts';
import { embeddedDatabaseConfig, startEmbeddedDatabase, type EmbeddedDatabase } from './ops/startEmbeddedDatabase.ts';
import { createLogger } from './log/createLogger.ts';
import { routeGrpcJsLog } from './log/routeGrpcJsLog.ts';
import { startOtlpTracing } from './ops/startOtlpTracing.ts';

const config = loadOrExit(loadConfig, process.env);
const log = createLogger(config.LOG_LEVEL);
routeGrpcJsLog(log);
const tracing = config.TRACING ? startOtlpTracing(process.env) : undefined;
if (config.TRACING)
  log.info(
    { event: 'tracing', exporter: tracing ? 'otlp' : 'process' },
    tracing ? 'tracing: spans exported over OTLP/HTTP' : 'tracing: spans go to the SDK this process was started with (none: not recorded)',
  );

let embedded: EmbeddedDatabase | undefined;
let server: Awaited<ReturnType<typeof startItemServer>>;
try {
  let endpoint = config.DATABASE_URL;
  if (!endpoint) {
    embedded = await startEmbeddedDatabase();
    endpoint = DatabaseEndpoint.parse(embedded.url);
    log.info(
      { event: 'embedded_database' },
      'DATABASE_URL is not set: started an embedded PostgreSQL (Prisma Postgres local); data lasts until the service stops',
    );
  }
  const tls = { write: endpoint.tlsDescription, ...(config.DATABASE_READ_URL ? { read: config.DATABASE_READ_URL.tlsDescription } : {}) };
  log.info({ event: 'database_tls', ...tls }, `database TLS: ${tls.write}`);
  const migrated = await migrateDatabase(endpoint);
  log.info({ event: 'migrate', applied: migrated.applied, database: String(endpoint) }, `migrations: ${migrated.applied.length} applied`);
  if (config.SEED_DEMO_DATA ?? embedded !== undefined) {
    const seeded = await seedDemoData(endpoint);
    log.info({ event: 'seed', ...seeded }, 'demo data seeded (tenant "demo", stores S001 and S002)');
  }

  if (!config.PAGE_TOKEN_SECRET)
    log.warn(
      { event: 'config' },
      'PAGE_TOKEN_SECRET is not set: page tokens are valid only until this process stops, and only on this instance',
    );
  server = await startItemServer({
    config: embedded ? embeddedDatabaseConfig(config) : config,
    endpoint,
    log,
    pageTokenSecret: config.PAGE_TOKEN_SECRET ?? randomBytes(32).toString('hex'),
  });
} catch (error) {
  // The database refused or could not be reached at start: one line naming the setting, no stack.
  const { line, exitCode } = describeStartupFailure(error);
  console.error(line);
  await embedded?.close().catch(() => undefined);
  process.exit(exitCode);
}
const where = `${config.GRPC_HOST}:${server.port}`;
log.info({ event: 'listening', address: where, metricsPort: server.metricsPort }, `item service listening on ${where}`);
console.error(
  [
    '',
    `  Item master-data service listening on ${where} (gRPC, plaintext; health and reflection enabled)`,
    server.metricsPort === undefined ? '' : `  Metrics: http://${config.GRPC_HOST}:${server.metricsPort}/metrics`,
    '  Try it:',
    `    npm run item -- get demo S001 4011          # one item`,
    `    npm run item -- list demo S001              # a page of items`,
    `    grpcurl -plaintext -d '{"tenant_id":"demo","store_code":"S001","item_code":"4011"}' ${where} masterdata.v1.ItemService/GetItemDetail`,
    '  Stop with Ctrl-C.',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n'),
);

let signals = 0;
const stop = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(130); // a second Ctrl-C means now
  log.info({ event: 'shutdown', signal }, 'shutting down: draining calls in flight');
  void server
    .shutdown()
    .then(() => embedded?.close())
    .then(() => tracing?.shutdown())
    .then(() => log.info({ event: 'shutdown' }, 'stopped'))
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
