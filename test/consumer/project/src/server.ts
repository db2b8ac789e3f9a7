// The order service of another team: its own schema, its own proto (loaded by proto-loader), the
// layer from the tarballs. Prints `listening <port>`; on SIGTERM prints its metrics and exits.
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { loadSync, type ServiceDefinition } from '@grpc/proto-loader';
import { CallChain, callDeadline, callLog, callScope, policiesFromPackageDefinition, ServerError } from '@pos-masterdata/grpc-chain';
import { attachLogger, Database } from '@pos-masterdata/resilient-prisma';
import { attachPrometheus } from '@pos-masterdata/resilient-prisma/prometheus';
import { Registry } from 'prom-client';
import { PrismaClient } from './generated/prisma/client.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');

const db = new Database({
  endpoint: url,
  readEndpoint: process.env.DATABASE_READ_URL,
  createClient: (adapter) => new PrismaClient({ adapter }),
  applicationName: 'orders',
  max: 4,
});
const registry = new Registry();
const metrics = attachPrometheus(db, registry, { prefix: 'orders' });
const line = (fields: object, message: string) => console.error(JSON.stringify({ ...fields, message }));
attachLogger(db, { debug: () => undefined, info: line, warn: line, error: line });

const proto = fileURLToPath(new URL('../proto/orders.proto', import.meta.url));
const service = loadSync(proto, { keepCase: true })['orders.v1.OrderService'] as ServiceDefinition;
const policies = policiesFromPackageDefinition(service, ['GetOrder', 'PlaceOrder']);

class OrderNotFound extends Error {}
const chain = CallChain.create({
  defaultDeadlineMs: 3_000,
  onInternalError: (error) => console.error('internal', error),
  errors: {
    domain: [(e) => (e instanceof OrderNotFound ? { code: status.NOT_FOUND, message: e.message } : undefined)],
    commitOutcomeUnknownMessage: 'the order may or may not be placed: repeat with the same request_id',
  },
})
  .use(callLog(() => undefined))
  .use(callDeadline)
  .use(callScope(db));

interface Order {
  order_id: string;
  customer: string;
}

const server = new Server();
server.addService(service, {
  GetOrder: chain.unary(policies.GetOrder, async (request: { order_id: string }): Promise<Order> => {
    const order = await db.scope.db().order.findUnique({ where: { id: request.order_id } });
    if (!order) throw new OrderNotFound(`order ${request.order_id} does not exist`);
    return { order_id: order.id, customer: order.customer };
  }),
  PlaceOrder: chain.unary(policies.PlaceOrder, async (request: { request_id: string; customer: string }): Promise<Order> => {
    if (!request.request_id) throw new ServerError(status.INVALID_ARGUMENT, 'request_id is required');
    const orders = db.scope.db().order;
    // Keyed by request_id: running it again after a lost COMMIT answers what the first one stored.
    const order =
      (await orders.findUnique({ where: { requestId: request.request_id } })) ??
      (await orders.create({ data: { id: `o-${request.request_id}`, requestId: request.request_id, customer: request.customer } }));
    return { order_id: order.id, customer: order.customer };
  }),
});

await db.start();
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
);
console.log(`listening ${port}`);

process.once('SIGTERM', () => {
  server.tryShutdown(() => {
    void (async () => {
      const rebuilds = (await metrics.rebuilds.get()).values.reduce((sum, v) => sum + v.value, 0);
      const retries = (await metrics.retries.get()).values.reduce((sum, v) => sum + v.value, 0);
      console.log(JSON.stringify({ rebuilds, retries }));
      await db.close();
      process.exit(0);
    })();
  });
});
