// npm run bench:scope — GetItemDetail through the real gRPC server with the call-scope
// wrapper and without it, plus raw pg and plain Prisma findUnique as floors, in one run.
// Prints numbers; asserts nothing. Needs the local PostgreSQL (TEST_PG_URL to override).
import { Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { startItemServer } from '../src/app/startItemServer.ts';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { loadConfig } from '../src/config/config.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { ItemServiceService } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { CallChain, type CallMiddleware } from '@pos-masterdata/grpc-chain';
import { callLog, callRecorder } from '@pos-masterdata/grpc-chain';
import type { ScopeContext } from '@pos-masterdata/grpc-chain';
import { transportLimits } from '@pos-masterdata/grpc-chain';
import { createItemService } from '../src/grpc/createItemService.ts';
import { ItemLookup } from '../src/items/ItemLookup.ts';
import { ItemRepository } from '../src/items/ItemRepository.ts';
import { PageTokenCodec } from '../src/items/PageTokenCodec.ts';
import { UpsertRequestRepository } from '../src/items/UpsertRequestRepository.ts';
import { createLogger } from '../src/log/createLogger.ts';
import { ServiceMetrics } from '../src/metrics/ServiceMetrics.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { fmt, percentiles, table } from './stats.ts';
import { EventEmitter } from 'node:events';
import { DatabaseEndpoint, type DatabaseEvents } from '@pos-masterdata/resilient-prisma';
import { SERVICE_ERRORS } from '../src/grpc/serviceErrors.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const key = { tenantId: 'demo', storeCode: 'S001', itemCode: '4011' };

await using db = await TestDatabase.create();
// The item cache off: this bench measures the wrapper around database work, and a hit does none.
const config = { ...loadConfig({ GRPC_PORT: '0', METRICS_PORT: 'off', LOG_LEVEL: 'silent', ITEM_CACHE: 'off' }) };
const log = createLogger('silent');

// With the wrapper: the service exactly as shipped.
const scoped = await startItemServer({
  config,
  endpoint: DatabaseEndpoint.parse(db.url()),
  log,
  pageTokenSecret: 'bench-secret-0123456789',
});
// The same with TRACING=on: once with no SDK (the API's no-op tracer) and once with an SDK that
// keeps every span in memory. Both need a context manager to nest spans; it is registered for the
// whole process, so the no-SDK row pays for AsyncLocalStorage too (without an SDK a process has none).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const memory = new InMemorySpanExporter();
const sdk = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
const traced = (tracer: Tracer) =>
  startItemServer({
    config: { ...config, TRACING: true },
    endpoint: DatabaseEndpoint.parse(db.url()),
    log,
    pageTokenSecret: 'bench-secret-0123456789',
    tracer,
  });
// No provider is registered in this process: the API's tracer is its no-op one.
const noSdk = await traced(trace.getTracer('bench'));
const inMemory = await traced(sdk.getTracer('bench'));

// Without it: the same handlers, the same transport limits and the same call log, repositories
// on one plain PrismaClient: no deadline, no scope, no retry. Only the wrapper differs.
const plainPool = new pg.Pool({ connectionString: db.url(), max: config.DB_POOL_MAX });
const plainPrisma = new PrismaClient({ adapter: new PrismaPg(plainPool) });
const direct = { db: () => plainPrisma };
// Only its call-duration histogram is used here: no data layer's events to follow.
const metrics = new ServiceMetrics({ events: new EventEmitter<DatabaseEvents>() });
const bare = new Server({
  interceptors: [
    transportLimits(
      {
        maxCallsInFlight: config.GRPC_MAX_CALLS_IN_FLIGHT,
        maxMetadataBytes: config.GRPC_MAX_METADATA_BYTES,
        messageTimeoutMs: config.GRPC_MESSAGE_TIMEOUT_MS,
      },
      { inFlight: () => undefined, refused: () => undefined },
    ),
  ],
});
const calls = CallChain.create({
  defaultDeadlineMs: config.GRPC_DEFAULT_DEADLINE_MS,
  onInternalError: () => undefined,
  errors: SERVICE_ERRORS,
}).use(callLog(callRecorder(log, metrics.callDuration)));
// No scope: what a handler registers for after the commit runs at once.
const unscoped: CallMiddleware<ScopeContext> = (request, ctx, next) =>
  next(request, Object.assign(ctx, { onCommit: (effect: () => void) => effect() }));
bare.addService(
  ItemServiceService,
  createItemService({
    items: new ItemRepository(direct),
    upserts: new UpsertRequestRepository(direct),
    pageTokens: new PageTokenCodec('bench-secret-0123456789'),
    lookup: new ItemLookup({ read: (_budget, work) => work(), items: new ItemRepository(direct), staleIfErrorMs: 0 }),
    calls,
    scoped: calls.use(unscoped),
  }),
);
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
);

const channels = new ChannelPool();
const scopedApi = itemServiceApi(itemServiceClient(channels, `127.0.0.1:${scoped.port}`, credentials.createInsecure()));
const noSdkApi = itemServiceApi(itemServiceClient(channels, `127.0.0.1:${noSdk.port}`, credentials.createInsecure()));
const inMemoryApi = itemServiceApi(itemServiceClient(channels, `127.0.0.1:${inMemory.port}`, credentials.createInsecure()));
const bareApi = itemServiceApi(itemServiceClient(channels, `127.0.0.1:${barePort}`, credentials.createInsecure()));

const variants: Record<string, () => Promise<unknown>> = {
  'raw pg query (floor)': () =>
    plainPool.query('SELECT * FROM item WHERE tenant_id = $1 AND store_code = $2 AND item_code = $3', [
      key.tenantId,
      key.storeCode,
      key.itemCode,
    ]),
  'Prisma findUnique (floor)': () => plainPrisma.item.findUnique({ where: { tenantId_storeCode_itemCode: key } }),
  'gRPC GetItemDetail, no wrapper': () => bareApi.getItemDetail(key),
  'gRPC GetItemDetail, scope wrapper': () => scopedApi.getItemDetail(key),
  'gRPC GetItemDetail, scope wrapper, TRACING=on, no SDK': () => noSdkApi.getItemDetail(key),
  'gRPC GetItemDetail, scope wrapper, TRACING=on, in-memory SDK': () => inMemoryApi.getItemDetail(key),
};

const latencies = new Map<string, number[]>();
const throughput = new Map<string, number[]>();
for (const fn of Object.values(variants)) for (let i = 0; i < 300; i++) await fn(); // warm up
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved rounds: drift and noise hit every variant alike.
  for (const [name, fn] of Object.entries(variants)) {
    const samples = latencies.get(name) ?? [];
    for (let i = 0; i < CALLS / ROUNDS; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    latencies.set(name, samples);
    memory.reset(); // spans kept in memory are the SDK's cost, not a leak to measure
    let done = 0;
    const t0 = performance.now();
    const stopAt = t0 + 1_000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < stopAt) {
          await fn();
          done += 1;
        }
      }),
    );
    throughput.set(name, [...(throughput.get(name) ?? []), done / ((performance.now() - t0) / 1000)]);
  }
}

const rows = Object.keys(variants).map((name) => {
  const p = percentiles(latencies.get(name) ?? []);
  const tps = (throughput.get(name) ?? []).sort((x, y) => x - y);
  return [name, fmt(p.p50), fmt(p.p99), Math.round(tps[Math.floor(tps.length / 2)] ?? 0)];
});
const p50 = (name: string) => percentiles(latencies.get(name) ?? []).p50;
const overhead = (p50('gRPC GetItemDetail, scope wrapper') / p50('gRPC GetItemDetail, no wrapper') - 1) * 100;
console.log(
  `\nGetItemDetail, ${CALLS} sequential calls per variant (p50/p99 ms) and ${CONCURRENCY}-way throughput (calls/s, median of ${ROUNDS} 1 s rounds); node ${process.version}, ${new Date().toISOString()}\n`,
);
console.log(table(['variant', 'p50 ms', 'p99 ms', 'calls/s'], rows));
console.log(`\nscope wrapper overhead at p50: ${overhead.toFixed(1)} % (goal ≤ 5 %)`);
const scopedP50 = p50('gRPC GetItemDetail, scope wrapper');
for (const row of ['no SDK', 'in-memory SDK']) {
  const cost = (p50(`gRPC GetItemDetail, scope wrapper, TRACING=on, ${row}`) / scopedP50 - 1) * 100;
  console.log(`tracing (${row}) over tracing absent at p50: ${cost.toFixed(1)} %`);
}

channels.close();
await new Promise<void>((r) => bare.tryShutdown(() => r()));
await plainPrisma.$disconnect();
await plainPool.end();
await scoped.shutdown(1_000);
await noSdk.shutdown(1_000);
await inMemory.shutdown(1_000);
await sdk.shutdown();
