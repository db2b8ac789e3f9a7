import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { methodPolicies, policiesFromPackageDefinition } from './methodPolicies.ts';

const PROTO = fileURLToPath(new URL('../test/orders.proto', import.meta.url));

describe('policiesFromPackageDefinition (proto-loader)', () => {
  it("reads access and retry safety from each method's idempotency_level", () => {
    const service = loadSync(PROTO)['orders.v1.OrderService'];
    if (!service || !('GetOrder' in service)) throw new Error('OrderService not loaded');
    expect(policiesFromPackageDefinition(service)).toEqual({
      GetOrder: { name: 'GetOrder', path: '/orders.v1.OrderService/GetOrder', access: 'read', idempotent: false },
      PlaceOrder: { name: 'PlaceOrder', path: '/orders.v1.OrderService/PlaceOrder', access: 'write', idempotent: true },
      CancelOrder: { name: 'CancelOrder', path: '/orders.v1.OrderService/CancelOrder', access: 'write', idempotent: false },
    });
  });

  it('keyed by the methods you name, each checked against the proto', () => {
    const service = loadSync(PROTO)['orders.v1.OrderService'];
    if (!service || !('GetOrder' in service)) throw new Error('OrderService not loaded');
    const policies = policiesFromPackageDefinition(service, ['GetOrder', 'PlaceOrder']);
    expect(Object.keys(policies)).toEqual(['GetOrder', 'PlaceOrder']);
    expect(policies.PlaceOrder.access).toBe('write');
    // @ts-expect-error a name not in the list is a compile error
    expect(policies.GetOrdr).toBeUndefined();
    expect(() => policiesFromPackageDefinition(service, ['GetOrdr'])).toThrow(
      /not methods of the loaded service: GetOrdr \(it has GetOrder, /,
    );
  });

  it('refuses a level it does not know', () => {
    const definition = { Odd: { path: '/orders.v1.OrderService/Odd', options: { idempotency_level: 'SOMETIMES' } } };
    expect(() => policiesFromPackageDefinition(definition)).toThrow(/Odd: unknown idempotency_level SOMETIMES/);
  });
});

describe('methodPolicies (ts-proto descriptors)', () => {
  const method = (path: string) => ({
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: unknown) => Buffer.from(String(v)),
    requestDeserialize: (b: Buffer) => b.toString(),
    responseSerialize: (v: unknown) => Buffer.from(String(v)),
    responseDeserialize: (b: Buffer) => b.toString(),
  });
  const definition = { getOrder: method('/orders.v1.OrderService/GetOrder'), cancelOrder: method('/orders.v1.OrderService/CancelOrder') };
  const file = {
    package: 'orders.v1',
    service: [
      {
        name: 'OrderService',
        method: [
          { name: 'GetOrder', options: { idempotencyLevel: 1 } },
          { name: 'CancelOrder', options: undefined },
        ],
      },
    ],
  };

  it('reads the level from the file descriptor; no level is a write not safe to repeat', () => {
    expect(methodPolicies(definition, file)).toEqual({
      getOrder: { name: 'GetOrder', path: '/orders.v1.OrderService/GetOrder', access: 'read', idempotent: false },
      cancelOrder: { name: 'CancelOrder', path: '/orders.v1.OrderService/CancelOrder', access: 'write', idempotent: false },
    });
  });

  it('refuses a definition and a descriptor from different generations of the code', () => {
    expect(() => methodPolicies({ ...definition, refund: method('/orders.v1.OrderService/Refund') }, file)).toThrow(
      /Refund is not in the file descriptor of orders.v1: regenerate/,
    );
  });
});
