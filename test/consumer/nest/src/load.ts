// Load from another process: `node dist/load.js <grpcPort> <ms> <workers> <prefix> [<lines>]`
// (stops after <lines> lines in all, when given). Each worker adds a
// line to its cart and reads the cart back, one call after the other; prints the counts and the
// request_ids of acknowledged lines as JSON.
import { ChannelPool } from '@pos-masterdata/channel-pool';
import type { ServiceError } from '@grpc/grpc-js';
import { CartClient } from './protos';

type Unary = (request: object, options: { deadline: number }, callback: (error: ServiceError | null, response?: object) => void) => void;
const [port = '0', ms = '5000', workers = '8', prefix = 'L', lines = 'Infinity'] = process.argv.slice(2);
let started = 0;
const pool = new ChannelPool();
const client = pool.client(CartClient, `127.0.0.1:${port}`) as unknown as Record<'AddLine' | 'GetCart', Unary>;
const call = (method: 'AddLine' | 'GetCart', request: object) =>
  new Promise<object | undefined>((resolve, reject) =>
    client[method](request, { deadline: Date.now() + 5_000 }, (e, r) => (e ? reject(e) : resolve(r))),
  );

async function main(): Promise<void> {
  const counts = { ok: 0, failed: 0, errors: {} as Record<string, number>, acknowledged: [] as string[] };
  const until = Date.now() + Number(ms);
  await Promise.all(
    Array.from({ length: Number(workers) }, async (_, w) => {
      for (let i = 0; Date.now() < until && started < Number(lines); i++) {
        started += 1;
        const requestId = `${prefix}-${w}-${i}`;
        for (const [method, request] of [
          ['AddLine', { request_id: requestId, cart_id: `${prefix}-cart-${w}`, sku: `sku-${i % 13}`, quantity: 1 }],
          ['GetCart', { cart_id: `${prefix}-cart-${w}` }],
        ] as const) {
          try {
            await call(method, request);
            counts.ok += 1;
            if (method === 'AddLine') counts.acknowledged.push(requestId);
          } catch (error) {
            counts.failed += 1;
            const key = `${method}: ${(error as ServiceError).details ?? String(error)}`;
            counts.errors[key] = (counts.errors[key] ?? 0) + 1;
          }
        }
      }
    }),
  );
  console.log(JSON.stringify(counts));
  pool.close();
}

void main();
