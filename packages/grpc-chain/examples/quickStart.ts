import { Server, status } from '@grpc/grpc-js';
import { loadSync, type ServiceDefinition } from '@grpc/proto-loader';
import { CallChain, callDeadline, callLog, callScope, policiesFromPackageDefinition, ServerError } from '@pos-masterdata/grpc-chain';
import type { Database, PrismaClientLike } from '@pos-masterdata/resilient-prisma';

export function orderServer<C extends PrismaClientLike>(db: Database<C>, findOrder: (id: string) => Promise<object | null>): Server {
  const service = loadSync('proto/orders.proto', { keepCase: true })['orders.v1.OrderService'] as ServiceDefinition;
  // Read or write, safe to repeat: from idempotency_level; keyed by the methods named, each checked against the proto.
  const policies = policiesFromPackageDefinition(service, ['GetOrder']);
  const calls = CallChain.create({
    defaultDeadlineMs: 2_000,
    onInternalError: (error, method) => console.error(method, error),
    errors: { commitOutcomeUnknownMessage: 'repeat the call with the same request_id' },
  })
    .use(callLog(({ path, code, ms }) => console.info(path, status[code], ms)))
    .use(callDeadline)
    .use(callScope(db)); // the handler's database work in one scope of db, retried once when safe

  const server = new Server();
  server.addService(service, {
    GetOrder: calls.unary(policies.GetOrder, async (request: { order_id: string }) => {
      const order = await findOrder(request.order_id); // repositories use db.scope.db()
      if (!order) throw new ServerError(status.NOT_FOUND, `order ${request.order_id} does not exist`);
      return order;
    }),
  });
  return server;
}
