import { Controller, Get, Inject, Injectable, Module, Param, Scope } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { PrismaPg } from '@prisma/adapter-pg';
import { ChannelPool, clientConstructor } from '@pos-masterdata/channel-pool';
import { ChannelPoolModule, DatabaseHealthIndicator, DbCall, GrpcHealthIndicator, ResilientPrismaModule } from '@pos-masterdata/nestjs';
import { DbScope, type PrismaClientLike } from '@pos-masterdata/resilient-prisma';

// Your generated client (`new PrismaClient({ adapter })`); typed here by what the repository uses.
interface OrdersClient extends PrismaClientLike {
  order: { findUnique(args: { where: { id: string } }): Promise<{ id: string; customer: string } | null> };
}
declare const createClient: (adapter: PrismaPg) => OrdersClient;

const orders = loadSync('proto/orders.proto', { keepCase: true });
const PricingClient = clientConstructor(loadPackageDefinition(loadSync('proto/pricing.proto')), 'pricing.v1.PricingService');

// Request-scoped, as a repository often is: it asks the pool for a client on every request, and
// gets one on the target's one channel.
@Injectable({ scope: Scope.REQUEST })
class OrderRepository {
  constructor(
    private readonly scope: DbScope<OrdersClient>,
    private readonly pool: ChannelPool,
  ) {}

  find(id: string) {
    return this.scope.db().order.findUnique({ where: { id } }); // the call's scoped client
  }

  price(sku: string): Promise<number> {
    const pricing = this.pool.client(PricingClient, 'pricing:50051') as unknown as {
      GetPrice(r: { sku: string }, cb: (e: ServiceError | null, p?: { cents: number }) => void): void;
    };
    return new Promise((resolve, reject) => pricing.GetPrice({ sku }, (e, p) => (e ? reject(e) : resolve(p?.cents ?? 0))));
  }
}

@Controller()
class OrderController {
  constructor(
    private readonly orders: OrderRepository,
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcHealthIndicator,
    @Inject(DatabaseHealthIndicator) private readonly database: DatabaseHealthIndicator,
  ) {}

  @GrpcMethod('OrderService', 'GetOrder') // NO_SIDE_EFFECTS in the proto: a read, retried once when safe
  getOrder(request: { order_id: string }) {
    return this.orders.find(request.order_id);
  }

  @Get('orders/:id')
  @DbCall('read') // no proto says what an HTTP route is: the decorator does
  getOrderHttp(@Param('id') id: string) {
    return this.orders.find(id);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.grpc.check('pricing', { target: 'pricing:50051' }), () => this.database.isHealthy('database')]);
  }
}

@Module({
  imports: [
    ResilientPrismaModule.forRoot({
      database: { endpoint: process.env.DATABASE_URL ?? '', createClient, applicationName: 'orders', max: 5 },
      grpc: { packageDefinitions: [orders] }, // each method's policy: its idempotency_level
    }),
    ChannelPoolModule.forRoot(),
    TerminusModule,
  ],
  controllers: [OrderController],
  providers: [OrderRepository],
})
class AppModule {}

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // inheritAppConfig: without it a hybrid app's gRPC transport runs none of the global interceptors.
  app.connectMicroservice<MicroserviceOptions>(
    { transport: Transport.GRPC, options: { package: 'orders.v1', protoPath: 'proto/orders.proto', url: '0.0.0.0:50051' } },
    { inheritAppConfig: true },
  );
  app.enableShutdownHooks(); // closes the Database and the pool's channels on SIGTERM
  await app.startAllMicroservices();
  await app.listen(3000);
}
