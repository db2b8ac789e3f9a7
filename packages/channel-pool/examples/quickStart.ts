import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { Registry } from 'prom-client';

// Any generated client class: ts-proto's OrderServiceClient, or proto-loader's.
const OrderServiceClient = makeGenericClientConstructor({}, 'orders.v1.OrderService');

// One per process. Clients made per request share the channel of their target.
const pool = new ChannelPool({ registry: new Registry(), alarmThreshold: 4, defaultDeadlineMs: 2_000 });

export function handleRequest(): void {
  const client = pool.client(OrderServiceClient, 'orders.internal:50051');
  client.close(); // harmless: the channel is the pool's
}

for (let i = 0; i < 100; i++) handleRequest();
console.log(pool.stats('orders.internal:50051')); // { created: 1, reused: 99, live: 1, calls: 0 }
process.once('SIGTERM', () => pool.close());
