// The team's protos, loaded once with proto-loader (as NestJS's gRPC transport loads them).
import { join } from 'node:path';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { clientConstructor } from '@pos-masterdata/channel-pool';

export const CART_PROTO = join(__dirname, '..', 'proto', 'cart.proto');
export const PRICING_PROTO = join(__dirname, '..', 'proto', 'pricing.proto');
export const cartDefinition = loadSync(CART_PROTO, { keepCase: true });
export const PricingClient = clientConstructor(
  loadPackageDefinition(loadSync(PRICING_PROTO, { keepCase: true })),
  'pricing.v1.PricingService',
);
export const CartClient = clientConstructor(loadPackageDefinition(cartDefinition), 'cart.v1.CartService');
