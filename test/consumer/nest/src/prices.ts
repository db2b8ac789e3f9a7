// Where the cart's repository gets prices: another gRPC service, through a client made per
// request, as a request-scoped provider makes it. Pooled: the pool's client (one channel).
// Per request: NestJS's ClientProxyFactory, the way the cart incident happens in NestJS.
import { Scope, type FactoryProvider } from '@nestjs/common';
import type { ServiceError } from '@grpc/grpc-js';
import { ClientProxyFactory, Transport, type ClientGrpc } from '@nestjs/microservices';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { lastValueFrom, type Observable } from 'rxjs';
import { PRICING_PROTO, PricingClient } from './protos';

export const PRICES = Symbol('PRICES');
export type Prices = (sku: string) => Promise<number>;

type PricingCallback = {
  GetPrice(r: { sku: string }, o: { deadline: number }, cb: (e: ServiceError | null, p?: { cents: number }) => void): void;
};

export function pooledPrices(target: string): FactoryProvider<Prices> {
  return {
    provide: PRICES,
    scope: Scope.REQUEST,
    inject: [ChannelPool],
    useFactory: (pool: ChannelPool) => {
      const client = pool.client(PricingClient, target) as unknown as PricingCallback;
      return (sku) =>
        new Promise((resolve, reject) =>
          client.GetPrice({ sku }, { deadline: Date.now() + 2_000 }, (e, p) => (e ? reject(e) : resolve(p?.cents ?? 0))),
        );
    },
  };
}

export function perRequestPrices(target: string): FactoryProvider<Prices> {
  return {
    provide: PRICES,
    scope: Scope.REQUEST,
    useFactory: () => {
      const proxy = ClientProxyFactory.create({
        transport: Transport.GRPC,
        options: { package: 'pricing.v1', protoPath: PRICING_PROTO, url: target, loader: { keepCase: true } },
      }) as unknown as ClientGrpc;
      const pricing = proxy.getService<{ GetPrice(r: { sku: string }): Observable<{ cents: number }> }>('PricingService');
      return async (sku) => (await lastValueFrom(pricing.GetPrice({ sku }))).cents;
    },
  };
}
