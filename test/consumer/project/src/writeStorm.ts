// Writes with deadlines and cancellations across 1-60 ms, from another process:
// `node dist/writeStorm.js <port> <calls> <concurrency> <seed> <prefix>`. Prints one JSON line per
// call (request_id, status, whether the client decided the status itself) for the test to check
// against the orders table.
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, status, type ClientUnaryCall, type ServiceError, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ChannelPool } from '@pos-masterdata/channel-pool';

const [port = '0', callsArg = '400', concurrencyArg = '8', seedArg = '1', prefix = 'S'] = process.argv.slice(2);
const proto = fileURLToPath(new URL('../proto/orders.proto', import.meta.url));
const loaded = loadPackageDefinition(loadSync(proto, { keepCase: true })) as unknown as {
  orders: { v1: { OrderService: ServiceClientConstructor } };
};
type Unary = (
  request: object,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: object) => void,
) => ClientUnaryCall;

/** mulberry32: small and seedable, so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(Number(seedArg));
const pool = new ChannelPool();
const target = `127.0.0.1:${port}`;
const client = pool.client(loaded.orders.v1.OrderService, target) as unknown as Record<'PlaceOrder', Unary>;
const total = Number(callsArg);
let issued = 0;

function once(n: number): Promise<object> {
  const draw = next();
  const ends = draw < 0.45 ? 'deadline' : draw < 0.9 ? 'cancel' : 'answer';
  const ms = 1 + Math.floor(next() * 60);
  const requestId = `${prefix}-${n}`;
  return new Promise((resolve) => {
    const call = client.PlaceOrder(
      { request_id: requestId, customer: 'storm' },
      { deadline: Date.now() + (ends === 'deadline' ? ms : 5_000) },
      (error) => {
        const details = error?.details ?? '';
        // grpc-js's own words when the client decides: its deadline timer, or its cancel.
        const local = /^Deadline exceeded after|^Cancelled on client/.test(details);
        resolve({ requestId, ends, ms, code: error ? error.code : status.OK, details, local });
      },
    );
    if (ends === 'cancel') setTimeout(() => call.cancel(), ms);
  });
}

// A warm-up call first, so the first deadlines are not spent connecting.
await new Promise<void>((resolve) =>
  client.PlaceOrder({ request_id: `${prefix}-warm`, customer: 'storm' }, { deadline: Date.now() + 10_000 }, () => resolve()),
);
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (issued < total) {
      issued += 1;
      process.stdout.write(`${JSON.stringify(await once(issued))}\n`);
    }
  }),
);
pool.close();
