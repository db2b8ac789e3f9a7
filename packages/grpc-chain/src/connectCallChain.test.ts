import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileDesc, serviceDesc, type GenMessage, type GenService } from '@bufbuild/protobuf/codegenv2';
import type { Message } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallChain } from './CallChain.ts';
import { callDeadline } from './callDeadline.ts';
import { connectCallChain } from './connectCallChain.ts';
import { connectService } from './connectService.ts';
import { ServerError } from './ServerError.ts';

// orders.proto as protoc-gen-es describes it (GetOrder NO_SIDE_EFFECTS, PlaceOrder IDEMPOTENT).
const file = fileDesc(
  'CgxvcmRlcnMucHJvdG8SCW9yZGVycy52MSIjCg9HZXRPcmRlclJlcXVlc3QSEAoIb3JkZXJfaWQYASABKAkiOQoRUGxhY2VPcmRlclJlcXVlc3QSEgoKcmVxdWVzdF9pZBgBIAEoCRIQCghjdXN0b21lchgCIAEoCSIrCgVPcmRlchIQCghvcmRlcl9pZBgBIAEoCRIQCghjdXN0b21lchgCIAEoCTKQAQoMT3JkZXJTZXJ2aWNlEj0KCEdldE9yZGVyEhoub3JkZXJzLnYxLkdldE9yZGVyUmVxdWVzdBoQLm9yZGVycy52MS5PcmRlciIDkAIBEkEKClBsYWNlT3JkZXISHC5vcmRlcnMudjEuUGxhY2VPcmRlclJlcXVlc3QaEC5vcmRlcnMudjEuT3JkZXIiA5ACAmIGcHJvdG8z',
);
type GetOrderRequest = Message<'orders.v1.GetOrderRequest'> & { orderId: string };
type PlaceOrderRequest = Message<'orders.v1.PlaceOrderRequest'> & { requestId: string; customer: string };
type Order = Message<'orders.v1.Order'> & { orderId: string; customer: string };
const OrderService: GenService<{
  getOrder: { methodKind: 'unary'; input: GenMessage<GetOrderRequest>; output: GenMessage<Order> };
  placeOrder: { methodKind: 'unary'; input: GenMessage<PlaceOrderRequest>; output: GenMessage<Order> };
}> = serviceDesc(file, 0);

describe('connectCallChain: a Connect-ES server in the chain', () => {
  const seen: { path: string; access: string; idempotent: boolean; remainingMs: number; header: string | undefined }[] = [];
  let server: Http2Server;
  let port: number;
  beforeAll(async () => {
    const chain = CallChain.create({ defaultDeadlineMs: 2_000, onInternalError: () => undefined })
      .use(async (request, ctx, next) => {
        seen.push({
          path: ctx.method.path,
          access: ctx.method.access,
          idempotent: ctx.method.idempotent,
          remainingMs: ctx.deadline - performance.now(),
          header: ctx.metadata.get('x-tenant')[0]?.toString(),
        });
        ctx.trailers.set('x-stale', '1');
        return next(request, ctx);
      })
      .use(callDeadline);
    server = createServer(
      connectNodeAdapter({
        interceptors: [connectCallChain(chain)],
        routes: (router) =>
          router.service(OrderService, {
            getOrder: (request) => {
              if (request.orderId === 'missing') throw new ServerError(status.NOT_FOUND, 'order missing does not exist');
              if (request.orderId === 'slow') return new Promise(() => undefined);
              return { orderId: request.orderId, customer: 'c' };
            },
            placeOrder: (request) => ({ orderId: `o-${request.requestId}`, customer: request.customer }),
          }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => createClient(OrderService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));

  it("takes each method's policy from its idempotency_level, its deadline from grpc-timeout, its metadata from the headers; the chain's trailers arrive", async () => {
    let trailer: string | null = null;
    const order = await client().getOrder(
      { orderId: 'a' },
      { timeoutMs: 1_500, headers: { 'x-tenant': 'demo' }, onTrailer: (t) => (trailer = t.get('x-stale')) },
    );
    await client().placeOrder({ requestId: 'r1', customer: 'c' });
    expect(order.orderId).toBe('a');
    expect(trailer).toBe('1');
    expect(seen[0]).toMatchObject({ path: '/orders.v1.OrderService/GetOrder', access: 'read', idempotent: false, header: 'demo' });
    expect(seen[0]?.remainingMs).toBeLessThanOrEqual(1_500);
    expect(seen[0]?.remainingMs).toBeGreaterThan(500);
    // No deadline sent: the chain's default.
    expect(seen[1]).toMatchObject({ path: '/orders.v1.OrderService/PlaceOrder', access: 'write', idempotent: true });
    expect(seen[1]?.remainingMs).toBeGreaterThan(1_000);
  });

  it('answers a refusal with the same code and message, and a call past its deadline as DeadlineExceeded from the server', async () => {
    const missing = await client()
      .getOrder({ orderId: 'missing' })
      .catch((e: unknown) => ConnectError.from(e));
    expect(missing).toMatchObject({ code: Code.NotFound, rawMessage: 'order missing does not exist' });
    const slow = await client()
      .getOrder({ orderId: 'slow' }, { timeoutMs: 300 })
      .catch((e: unknown) => ConnectError.from(e));
    expect(slow).toMatchObject({ code: Code.DeadlineExceeded });
  });
});

describe('connectService: one service wrapped, for an adapter whose interceptors are not yours', () => {
  const seen: { access: string; remainingMs: number }[] = [];
  let server: Http2Server;
  let port: number;
  beforeAll(async () => {
    const chain = CallChain.create({ defaultDeadlineMs: 2_000, onInternalError: () => undefined })
      .use(async (request, ctx, next) => {
        seen.push({ access: ctx.method.access, remainingMs: ctx.deadline - performance.now() });
        ctx.trailers.set('x-stale', '1');
        return next(request, ctx);
      })
      .use(callDeadline);
    const impl = connectService(chain, OrderService, {
      getOrder: (request) => {
        if (request.orderId === 'missing') throw new ServerError(status.NOT_FOUND, 'order missing does not exist');
        return { orderId: request.orderId, customer: 'c' };
      },
      placeOrder: (request) => ({ orderId: `o-${request.requestId}`, customer: request.customer }),
    });
    server = createServer(connectNodeAdapter({ routes: (router) => router.service(OrderService, impl) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs each unary method in the chain with its policy and the call deadline; refusals keep their code and message', async () => {
    const client = createClient(OrderService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    let trailer: string | null = null;
    await client.getOrder({ orderId: 'a' }, { timeoutMs: 1_500, onTrailer: (t) => (trailer = t.get('x-stale')) });
    await client.placeOrder({ requestId: 'r', customer: 'c' });
    const missing = await client.getOrder({ orderId: 'missing' }).catch((e: unknown) => ConnectError.from(e));
    expect(trailer).toBe('1');
    expect(seen.map((s) => s.access)).toEqual(['read', 'write', 'read']);
    expect(seen[0]?.remainingMs).toBeLessThanOrEqual(1_500);
    expect(seen[1]?.remainingMs).toBeGreaterThan(1_500); // no deadline sent: the chain's default
    expect(missing).toMatchObject({ code: Code.NotFound, rawMessage: 'order missing does not exist' });
  });
});
