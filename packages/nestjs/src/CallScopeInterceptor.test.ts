import { EventEmitter } from 'node:events';
import { status } from '@grpc/grpc-js';
import { HttpException, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { CallChain, ServerError } from '@pos-masterdata/grpc-chain';
import { CircuitOpenError, classifyDbError, DbFailure } from '@pos-masterdata/resilient-prisma';
import { lastValueFrom, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CallScopeInterceptor } from './CallScopeInterceptor.ts';
import { DbCall } from './DbCall.ts';
import { GrpcPolicies } from './grpcPolicies.ts';
import { nestExceptionMapper } from './nestExceptions.ts';

// The interceptor with a chain whose one middleware records the policy and may refuse, driven
// with the ExecutionContext NestJS builds for an HTTP route and for a gRPC handler.

class Controller {
  read(): void {}
  plain(): void {}
}
DbCall('read')(Controller.prototype, 'read', Object.getOwnPropertyDescriptor(Controller.prototype, 'read') as PropertyDescriptor);

function interceptor(refuse?: () => never) {
  const seen: string[] = [];
  const chain = CallChain.create({
    defaultDeadlineMs: 1_000,
    onInternalError: () => undefined,
    errors: { domain: [nestExceptionMapper] },
  }).use(async (request, ctx, next) => {
    seen.push(`${ctx.method.name}:${ctx.method.access}`);
    if (refuse) refuse();
    return next(request, ctx);
  });
  return { seen, interceptor: new CallScopeInterceptor(chain, new GrpcPolicies([]), new Reflector()) };
}

/** The method itself, as NestJS hands it to interceptors (unbound). */
function handlerOf(name: keyof Controller): unknown {
  const method: unknown = Reflect.get(Controller.prototype, name);
  return method;
}

function httpContext(handler: keyof Controller, response: EventEmitter & { headers: Record<string, string> }): ExecutionContext {
  return {
    getType: () => 'http',
    getClass: () => Controller,
    getHandler: () => handlerOf(handler),
    switchToHttp: () => ({
      getResponse: () => Object.assign(response, { setHeader: (k: string, v: string) => (response.headers[k] = v) }),
    }),
  } as unknown as ExecutionContext;
}

const handle = (value: unknown): CallHandler => ({ handle: () => of(value) });
const response = () => Object.assign(new EventEmitter(), { headers: {} });

describe('CallScopeInterceptor', () => {
  it('runs a @DbCall route in the chain with its policy, and passes a route without one through', async () => {
    const { seen, interceptor: i } = interceptor();
    expect(await lastValueFrom(i.intercept(httpContext('read', response()), handle('cart')))).toBe('cart');
    expect(await lastValueFrom(i.intercept(httpContext('plain', response()), handle('other')))).toBe('other');
    expect(seen).toEqual(['Controller.read:read']);
  });

  it("answers the chain's refusal over HTTP with the status paired with its gRPC code and its message", async () => {
    const { interceptor: i } = interceptor(() => {
      throw new ServerError(status.UNAVAILABLE, 'the database is unavailable; retry shortly');
    });
    const res = response();
    const error = await lastValueFrom(i.intercept(httpContext('read', res), handle('x'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(503);
    expect((error as HttpException).message).toBe('the database is unavailable; retry shortly');
  });

  it('tells an HTTP caller when to come back: the pushback of an open circuit as Retry-After, in whole seconds rounded up', async () => {
    const open = new CircuitOpenError('the database is down');
    const { interceptor: i } = interceptor(() => {
      throw new DbFailure(classifyDbError(open), { phase: 'work', retryable: false, retryAfterMs: 1_500, cause: open });
    });
    const res = response();
    const error = await lastValueFrom(i.intercept(httpContext('read', res), handle('x'))).catch((e: unknown) => e);
    expect((error as HttpException).getStatus()).toBe(503);
    expect(res.headers).toEqual({ 'Retry-After': '2' });
  });

  it("hands a NestJS exception the handler threw to NestJS as it was (the application's filters answer it)", async () => {
    const { interceptor: i } = interceptor();
    const thrown = new RpcException({ code: status.INVALID_ARGUMENT, message: 'request_id is required' });
    const failing: CallHandler = { handle: () => throwError(() => thrown) };
    const error = await lastValueFrom(i.intercept(httpContext('read', response()), failing)).catch((e: unknown) => e);
    expect(error).toBe(thrown);
  });

  it('refuses a gRPC handler whose method no given proto describes, naming the setting', () => {
    const { interceptor: i } = interceptor();
    const handler = () => undefined;
    Reflect.defineMetadata('microservices:pattern', [{ service: 'OrderService', rpc: 'GetOrder', streaming: 'no_stream' }], handler);
    const rpc = { getType: () => 'rpc', getHandler: () => handler, getClass: () => Controller } as unknown as ExecutionContext;
    expect(() => i.intercept(rpc, handle('x'))).toThrow(/no proto describes OrderService\/GetOrder: pass its package definition/);
  });
});
