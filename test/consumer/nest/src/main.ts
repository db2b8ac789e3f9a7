// The cart service: `CART_MODE=pooled|per-request|plain DATABASE_URL=… PRICING_TARGET=… node dist/main.js`.
// A hybrid NestJS application: gRPC (cart.v1.CartService) and HTTP (health, stats, a cart route).
// Prints `listening grpc=<port> http=<port>`; closes on SIGTERM (shutdown hooks).
import 'reflect-metadata';
import { createServer, type AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { AppModule, type Mode } from './appModule';
import { CART_PROTO } from './protos';

/** NestJS's gRPC transport does not say which port it bound: take a free one first. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

async function main(): Promise<void> {
  const { DATABASE_URL: url, PRICING_TARGET: pricing, CART_MODE: mode = 'pooled' } = process.env;
  if (!url || !pricing) throw new Error('DATABASE_URL and PRICING_TARGET are required');
  const app = await NestFactory.create(AppModule.forMode(mode as Mode, url, pricing), { logger: ['error', 'warn'] });
  const grpcPort = await freePort();
  // inheritAppConfig: a hybrid application's gRPC transport otherwise has none of the global
  // interceptors (ResilientPrismaModule's among them).
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.GRPC,
      options: { package: 'cart.v1', protoPath: CART_PROTO, url: `127.0.0.1:${grpcPort}`, loader: { keepCase: true } },
    },
    { inheritAppConfig: true },
  );
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  console.log(`listening grpc=${grpcPort} http=${port}`);
}

void main();
