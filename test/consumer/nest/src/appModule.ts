import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrismaPg } from '@prisma/adapter-pg';
import { ChannelPoolModule, ResilientPrismaModule } from '@pos-masterdata/nestjs';
import { DbScope } from '@pos-masterdata/resilient-prisma';
import { CartController } from './cartController';
import { CART_DATA, CartRepository, type CartData } from './cartRepository';
import { PrismaClient } from './generated/prisma/client.js';
import { HealthController, PRICING_TARGET, StatsController } from './healthController';
import { perRequestPrices, pooledPrices } from './prices';
import { cartDefinition } from './protos';

const DATABASE_URL = Symbol('DATABASE_URL');

@Module({})
class ConfigModule {
  static forRoot(url: string): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: DATABASE_URL, useValue: url }], exports: [DATABASE_URL] };
  }
}

/** pooled: the packages. per-request: the same, prices through ClientProxyFactory per request. plain: one global PrismaClient, no module. */
export type Mode = 'pooled' | 'per-request' | 'plain';

@Module({})
export class AppModule {
  static forMode(mode: Mode, databaseUrl: string, pricingTarget: string): DynamicModule {
    const data: Provider =
      mode === 'plain'
        ? {
            // What a team writes without us: one client for the process, adapter-pg as it comes.
            provide: CART_DATA,
            useFactory: (): CartData => {
              const prisma = new PrismaClient({
                adapter: new PrismaPg({ connectionString: databaseUrl, application_name: 'cart-plain', max: 3 }),
              });
              return { lines: () => prisma.cartLine };
            },
          }
        : {
            provide: CART_DATA,
            inject: [DbScope],
            useFactory: (scope: DbScope<PrismaClient>): CartData => ({ lines: () => scope.db().cartLine }),
          };
    return {
      module: AppModule,
      imports: [
        ...(mode === 'plain'
          ? []
          : [
              ResilientPrismaModule.forRoot({
                database: {
                  endpoint: databaseUrl,
                  createClient: (adapter) => new PrismaClient({ adapter }),
                  applicationName: 'cart',
                  max: 3,
                },
                grpc: { packageDefinitions: [cartDefinition] },
                healthIntervalMs: 500,
              }),
            ]),
        ChannelPoolModule.forRoot(),
        TerminusModule,
      ],
      controllers: [CartController, StatsController, ...(mode === 'plain' ? [] : [HealthController])],
      providers: [
        CartRepository,
        data,
        mode === 'per-request' ? perRequestPrices(pricingTarget) : pooledPrices(pricingTarget),
        { provide: PRICING_TARGET, useValue: pricingTarget },
      ],
    };
  }
}
