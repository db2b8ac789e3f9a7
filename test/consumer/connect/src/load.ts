// Load from another process over gRPC: `node dist/load.js <port> <ms> <workers> <prefix>`. Each worker
// places an order and reads it back; prints the counts, the acknowledged request_ids and what a
// missing order was answered, as JSON.
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { OrderService } from './gen/orders_pb.js';

const [port = '0', ms = '5000', workers = '8', prefix = 'C'] = process.argv.slice(2);
const orders = createClient(OrderService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
const counts = { ok: 0, failed: 0, errors: {} as Record<string, number>, acknowledged: [] as string[], missing: '' };

counts.missing = await orders.getOrder({ orderId: 'no-such-order' }, { timeoutMs: 3_000 }).then(
  () => 'found',
  (e: unknown) => `${Code[ConnectError.from(e).code]}: ${ConnectError.from(e).rawMessage}`,
);
const until = Date.now() + Number(ms);
await Promise.all(
  Array.from({ length: Number(workers) }, async (_, w) => {
    for (let i = 0; Date.now() < until; i++) {
      const requestId = `${prefix}-${w}-${i}`;
      try {
        await orders.placeOrder({ requestId, customer: `c${w}` }, { timeoutMs: 3_000 });
        counts.acknowledged.push(requestId);
        await orders.getOrder({ orderId: `o-${requestId}` }, { timeoutMs: 3_000 });
        counts.ok += 2;
      } catch (error) {
        counts.failed += 1;
        const key = ConnectError.from(error).message;
        counts.errors[key] = (counts.errors[key] ?? 0) + 1;
      }
    }
  }),
);
console.log(JSON.stringify(counts));
