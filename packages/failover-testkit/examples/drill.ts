import { spawn } from 'node:child_process';
import { credentials, loadPackageDefinition, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { FailoverCluster, runDrill } from '@pos-masterdata/failover-testkit';

// A primary and a synchronous standby in containers, behind one address that never changes.
const cluster = await FailoverCluster.builder().withImage('postgres:15').start();
// Your service, in a process of its own, on that address (it creates its schema at start).
const service = spawn('node', ['dist/server.js'], { env: { ...process.env, DATABASE_URL: cluster.url(), PORT: '50051' } });
try {
  const proto = loadPackageDefinition(loadSync('proto/orders.proto', { keepCase: true }));
  const OrderService = (proto.orders as { v1: { OrderService: ServiceClientConstructor } }).v1.OrderService;
  type GetOrder = (req: object, opts: { deadline: number }, cb: (e: ServiceError | null, r?: object) => void) => void;
  const orders = new OrderService('127.0.0.1:50051', credentials.createInsecure()) as unknown as { GetOrder: GetOrder };
  const getOrder = (id: string) =>
    new Promise((resolve, reject) => {
      orders.GetOrder({ order_id: id }, { deadline: Date.now() + 3_000 }, (e, r) => (e ? reject(e) : resolve(r)));
    });

  // Your own method under steady load while the primary dies and the standby is promoted.
  const report = await runDrill({ cluster, incident: () => cluster.swap(), call: (n) => getOrder(`o-${n % 100}`) });
  console.log(`${report.failed} of ${report.calls} calls failed; slowest ${report.maxLatencyMs.toFixed(0)} ms`, report.failures);
} finally {
  service.kill('SIGTERM');
  await cluster[Symbol.asyncDispose]();
}
