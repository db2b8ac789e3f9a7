import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { GrpcPolicies } from './grpcPolicies.ts';

// Two packages with a service of the same short name, as proto-loader loads them.
const dir = mkdtempSync(join(tmpdir(), 'grpc-policies-'));
const proto = (pkg: string, body: string) => {
  const file = join(dir, `${pkg}.proto`);
  writeFileSync(file, `syntax = "proto3";\npackage ${pkg};\nmessage M { string id = 1; }\n${body}\n`);
  return loadSync(file, { keepCase: true });
};
const orders = proto(
  'orders.v1',
  `service OrderService {
     rpc GetOrder(M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; }
     rpc PlaceOrder(M) returns (M) { option idempotency_level = IDEMPOTENT; }
     rpc Cancel(M) returns (M);
   }
   service Admin { rpc Purge(M) returns (M); }`,
);
const legacy = proto('legacy.v1', 'service Admin { rpc Purge(M) returns (M) { option idempotency_level = IDEMPOTENT; } }');

describe('GrpcPolicies', () => {
  const policies = new GrpcPolicies([orders, legacy]);

  it("finds a method by the service's short name, as @GrpcMethod('OrderService') names it, or by its full name", () => {
    expect(policies.find('OrderService', 'GetOrder')).toMatchObject({ access: 'read', path: '/orders.v1.OrderService/GetOrder' });
    expect(policies.find('orders.v1.OrderService', 'PlaceOrder')).toMatchObject({ access: 'write', idempotent: true });
    // No idempotency_level: a write not safe to repeat, as protobuf's default says.
    expect(policies.find('OrderService', 'Cancel')).toMatchObject({ access: 'write', idempotent: false });
  });

  it('finds a short name two packages share by full name only, and says what it knows', () => {
    expect(policies.find('Admin', 'Purge')).toBeUndefined();
    expect(policies.find('legacy.v1.Admin', 'Purge')).toMatchObject({ idempotent: true });
    expect(policies.find('orders.v1.Admin', 'Purge')).toMatchObject({ idempotent: false });
    expect(policies.find('OrderService', 'NoSuchMethod')).toBeUndefined();
    expect(policies.services()).toEqual(['orders.v1.OrderService', 'orders.v1.Admin', 'legacy.v1.Admin']);
  });
});
