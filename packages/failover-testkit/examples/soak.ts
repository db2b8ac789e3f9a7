import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { credentials, loadPackageDefinition, status, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  clusterFaults,
  heldLockFault,
  LocalFailoverCluster,
  randomSeed,
  runSoak,
  soakReportHtml,
  withClient,
  type SoakState,
} from '@pos-masterdata/failover-testkit';

// A primary and a synchronous standby from local binaries, each behind an address that never changes.
await using cluster = await LocalFailoverCluster.start();
// Your service, in a process of its own (it creates its schema at start).
const service = spawn('node', ['dist/server.js'], {
  env: { ...process.env, DATABASE_URL: cluster.url(), DATABASE_READ_URL: cluster.readUrl(), PORT: '50051' },
});
try {
  const proto = loadPackageDefinition(loadSync('proto/prices.proto', { keepCase: true }));
  const PriceService = (proto.prices as { v1: { PriceService: ServiceClientConstructor } }).v1.PriceService;
  type Unary = (req: object, opts: { deadline: number }, cb: (e: ServiceError | null, r?: { version: number }) => void) => void;
  const prices = new PriceService('127.0.0.1:50051', credentials.createInsecure()) as unknown as { SetPrice: Unary; GetPrice: Unary };
  const call = (method: Unary, req: object) =>
    new Promise<{ version: number }>((resolve, reject) => {
      method.call(prices, req, { deadline: Date.now() + 3_000 }, (e, r) => (e || !r ? reject(e ?? new Error('no answer')) : resolve(r)));
    });
  const keys = Array.from({ length: 32 }, (_, i) => `sku-${String(i)}`);
  for (const sku of keys) await call(prices.SetPrice, { sku, cents: 100, request_id: `create-${sku}` });

  const seed = Number(process.env.SOAK_SEED ?? randomSeed());
  const report = await runSoak({
    seed,
    durationMs: 10 * 60_000,
    // Swaps, kill -9, terminations, black holes, paused replay; a lock on your own table; bursts of your calls.
    faults: [...clusterFaults(cluster), heldLockFault(() => cluster.adminUrl(), 'prices')],
    burstConcurrency: 24,
    workload: {
      keys,
      write: (sku, requestId) => call(prices.SetPrice, { sku, cents: 250, request_id: requestId }),
      read: (sku) => call(prices.GetPrice, { sku }),
      // Only an answer your service gives when nothing was written is "failed"; the rest may have landed.
      outcomeOf: (e) =>
        (e as ServiceError).code === status.UNAVAILABLE && !/may have been applied/.test((e as ServiceError).details)
          ? 'failed'
          : 'unknown',
      // Refusals with no fault at all (two writers of one key) do not count against the recovery.
      refusedByDesign: (e) => (e as ServiceError).code === status.ABORTED,
      // The checker reads the database itself: each key's version, and each request id with the version it made.
      inspect: () =>
        withClient(cluster.adminUrl(), async (c) => {
          const state = new Map<string, { version: number; writes: Map<string, number> }>();
          for (const row of (await c.query<{ sku: string; version: number }>('SELECT sku, version FROM prices')).rows)
            state.set(row.sku, { version: row.version, writes: new Map() });
          for (const row of (
            await c.query<{ sku: string; request_id: string; version: number }>('SELECT sku, request_id, version FROM price_writes')
          ).rows)
            state.get(row.sku)?.writes.set(row.request_id, row.version);
          return state satisfies SoakState;
        }),
    },
  });
  writeFileSync('soak.html', soakReportHtml(report, `SOAK_SEED=${String(seed)} node soak.js`));
  console.log(
    `seed ${String(seed)}: ${String(report.faults.length)} faults`,
    report.faultsByKind,
    `${String(report.calls.length)} calls`,
    report.outcomes,
  );
  console.log(`${String(report.violations.length)} violations`, report.violations.slice(0, 10));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
} finally {
  service.kill('SIGTERM');
}
