// The order service on Connect-ES: `node dist/server.js` (PLAIN=1: no chain, one global PrismaClient).
// Serves gRPC, gRPC-Web and Connect over HTTP/2; prints `listening <port>`.
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { status } from '@grpc/grpc-js';
import { PrismaPg } from '@prisma/adapter-pg';
import { CallChain, callDeadline, callScope } from '@pos-masterdata/grpc-chain';
import { connectCallChain } from '@pos-masterdata/grpc-chain/connect';
import { Database } from '@pos-masterdata/resilient-prisma';
import { OrderService } from './gen/orders_pb.js';
import { PrismaClient } from './generated/prisma/client.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const plain = process.env.PLAIN === '1';

class OrderNotFound extends Error {}
const db = new Database({ endpoint: url, createClient: (adapter) => new PrismaClient({ adapter }), applicationName: 'connect', max: 3 });
const global = plain
  ? new PrismaClient({ adapter: new PrismaPg({ connectionString: url, application_name: 'connect-plain', max: 3 }) })
  : undefined;
const client = () => global ?? db.scope.db();

const chain = CallChain.create({
  defaultDeadlineMs: 3_000,
  onInternalError: (error) => console.error('internal', error),
  errors: { domain: [(e) => (e instanceof OrderNotFound ? { code: status.NOT_FOUND, message: e.message } : undefined)] },
})
  .use(callDeadline)
  .use(callScope(db));

const routes = (router: ConnectRouter) =>
  router.service(OrderService, {
    async getOrder(request) {
      const order = await client().order.findUnique({ where: { id: request.orderId } });
      if (!order) {
        if (plain) throw new ConnectError(`order ${request.orderId} does not exist`, Code.NotFound);
        throw new OrderNotFound(`order ${request.orderId} does not exist`);
      }
      return { orderId: order.id, customer: order.customer };
    },
    async placeOrder(request) {
      if (!request.requestId) throw new ConnectError('request_id is required', Code.InvalidArgument);
      const orders = client().order;
      // Keyed by request_id: run again after a lost COMMIT, it answers what the first one stored.
      const order =
        (await orders.findUnique({ where: { requestId: request.requestId } })) ??
        (await orders.create({ data: { id: `o-${request.requestId}`, requestId: request.requestId, customer: request.customer } }));
      return { orderId: order.id, customer: order.customer };
    },
  });

if (!plain) await db.start();
const server = createServer(connectNodeAdapter({ routes, interceptors: plain ? [] : [connectCallChain(chain)] }));
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => {
  server.close();
  void (global ? global.$disconnect() : db.close()).then(() => process.exit(0));
});
