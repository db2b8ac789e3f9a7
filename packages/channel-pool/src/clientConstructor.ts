import type { GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';

/**
 * The client class of a service in what `loadPackageDefinition` returned, by its full name
 * (`clientConstructor(loaded, 'orders.v1.OrderService')`), typed for `pool.client(...)`: grpc-js
 * types every entry of a GrpcObject as a union, which would need a cast. Throws, naming the
 * service, when the name is not a service of the loaded protos.
 */
export function clientConstructor(loaded: GrpcObject, fullName: string): ServiceClientConstructor {
  let node: unknown = loaded;
  for (const part of fullName.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node))
    throw new Error(`clientConstructor: "${fullName}" is not a service of the loaded protos`);
  return node as ServiceClientConstructor;
}
