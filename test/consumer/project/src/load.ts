// Load from another process: `node dist/load.js <port> <ms> <concurrency>`. Every caller places an
// order and reads it back, through one channel of the channel pool; prints the counts as JSON.
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceError, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ChannelPool } from '@pos-masterdata/channel-pool';

const [port = '0', ms = '4000', concurrency = '8'] = process.argv.slice(2);
const proto = fileURLToPath(new URL('../proto/orders.proto', import.meta.url));
const loaded = loadPackageDefinition(loadSync(proto, { keepCase: true })) as unknown as {
  orders: { v1: { OrderService: ServiceClientConstructor } };
};
type Unary = (request: object, options: { deadline: number }, callback: (error: ServiceError | null, response?: object) => void) => void;

const pool = new ChannelPool();
const target = `127.0.0.1:${port}`;
const call = (method: 'GetOrder' | 'PlaceOrder', request: object) =>
  new Promise<object | undefined>((resolve, reject) => {
    // A client per call, as a request-scoped framework would make: the pool keeps one channel.
    const client = pool.client(loaded.orders.v1.OrderService, target) as unknown as Record<string, Unary>;
    client[method]?.(request, { deadline: Date.now() + 3_000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });

const counts = { ok: 0, failed: 0, errors: {} as Record<string, number> };
const until = Date.now() + Number(ms);
await Promise.all(
  Array.from({ length: Number(concurrency) }, async (_, worker) => {
    for (let i = 0; Date.now() < until; i++) {
      const requestId = `${process.pid}-${worker}-${i}`;
      try {
        await call('PlaceOrder', { request_id: requestId, customer: `c${worker}` });
        await call('GetOrder', { order_id: `o-${requestId}` });
        counts.ok += 2;
      } catch (error) {
        counts.failed += 1;
        const key = (error as ServiceError).details ?? String(error);
        counts.errors[key] = (counts.errors[key] ?? 0) + 1;
      }
    }
  }),
);
console.log(JSON.stringify({ ...counts, channels: pool.stats(target).created }));
pool.close();
