import type { DynamicModule, FactoryProvider, InjectionToken } from '@nestjs/common';
import {
  ChannelPool,
  type ChannelPoolOptions,
  type ClientExtras,
  type GrpcClientConstructor,
  type Transport,
} from '@pos-masterdata/channel-pool';
import { GrpcHealthIndicator } from './GrpcHealthIndicator.ts';

/** A gRPC client to provide: its token, its class (generated, or `clientConstructor(loaded, 'pkg.Service')`), its target. */
export interface PooledClient {
  readonly provide: InjectionToken;
  readonly client: GrpcClientConstructor<unknown>;
  readonly target: string;
  readonly transport?: Transport;
  readonly options?: ClientExtras;
}

export interface ChannelPoolModuleOptions {
  /** The pool's own options (alarm threshold, metrics registry, channel options). */
  readonly pool?: ChannelPoolOptions;
  readonly clients?: readonly PooledClient[];
}

const LIFECYCLE = Symbol('ChannelPoolModuleLifecycle');

/**
 * One ChannelPool per application (global): inject `ChannelPool`, or a client by the token you
 * gave it. A request-scoped provider (`Scope.REQUEST`) that injects a client, or calls
 * `pool.client(...)` itself on every request, gets a client on the target's one channel: the
 * cart incident (a channel per request) cannot happen through it. The pool closes its channels
 * on the application's shutdown hooks.
 */
export class ChannelPoolModule {
  static forRoot(options: ChannelPoolModuleOptions = {}): DynamicModule {
    const pool: FactoryProvider = { provide: ChannelPool, useFactory: () => new ChannelPool(options.pool ?? {}) };
    const clients: FactoryProvider[] = (options.clients ?? []).map((c) => ({
      provide: c.provide,
      inject: [ChannelPool],
      useFactory: (p: ChannelPool) => p.client(c.client, c.target, c.transport ?? 'insecure', c.options ?? {}),
    }));
    const lifecycle: FactoryProvider = {
      provide: LIFECYCLE,
      inject: [ChannelPool],
      useFactory: (p: ChannelPool) => ({ onApplicationShutdown: () => p.close() }),
    };
    const health: FactoryProvider = {
      provide: GrpcHealthIndicator,
      inject: [ChannelPool],
      useFactory: (p: ChannelPool) => new GrpcHealthIndicator(p),
    };
    return {
      module: ChannelPoolModule,
      global: true,
      providers: [pool, ...clients, lifecycle, health],
      exports: [ChannelPool, GrpcHealthIndicator, ...clients.map((c) => c.provide)],
    };
  }
}
