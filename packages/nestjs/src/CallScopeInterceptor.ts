import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { HttpException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import {
  grpcCallSource,
  RETRY_PUSHBACK_KEY,
  type CallAnswer,
  type CallChain,
  type CallSource,
  type MethodPolicy,
} from '@pos-masterdata/grpc-chain';
import { from, lastValueFrom, mergeMap, of, throwError, type Observable } from 'rxjs';
import { DB_CALL_METADATA, type DbCallPolicy } from './DbCall.ts';
import type { GrpcPolicies } from './grpcPolicies.ts';
import { httpStatusOf } from './httpStatusOf.ts';
import { isNestException } from './nestExceptions.ts';

/** NestJS's own key for `@GrpcMethod`'s pattern ({ service, rpc, streaming }). */
const PATTERN_METADATA = 'microservices:pattern';

interface GrpcPattern {
  readonly service?: string;
  readonly rpc?: string;
  readonly streaming?: string;
}

/** What of Express's (or Fastify's raw) response is used: its end, and a header for the pushback. */
interface HttpResponseLike {
  readonly writableFinished?: boolean;
  once(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

/**
 * Runs each handler in the chain (deadline, call scope, one conversion of failures):
 * `@GrpcMethod` unary handlers with the policy the proto gives their method, HTTP routes with
 * the one `@DbCall` gives them. Handlers with neither, and streaming methods, pass through.
 * A retry after a lost connection runs the handler again (`next.handle()` once more), so what
 * the handler does must be its database work, as with grpc-chain.
 */
export class CallScopeInterceptor implements NestInterceptor {
  readonly #chain: CallChain;
  readonly #policies: GrpcPolicies;
  readonly #reflector: Reflector;

  constructor(chain: CallChain, policies: GrpcPolicies, reflector: Reflector) {
    this.#chain = chain;
    this.#policies = policies;
    this.#reflector = reflector;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'rpc') return this.#rpc(context, next);
    if (context.getType() === 'http') return this.#http(context, next);
    return next.handle();
  }

  #rpc(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const patterns = this.#reflector.get<GrpcPattern[] | undefined>(PATTERN_METADATA, context.getHandler()) ?? [];
    const pattern = patterns.find((p) => typeof p.rpc === 'string');
    // Not a gRPC handler (another transport), or a streaming one: not ours to scope.
    if (!pattern?.service || !pattern.rpc || (pattern.streaming ?? 'no_stream') !== 'no_stream') return next.handle();
    const method = this.#policies.find(pattern.service, pattern.rpc);
    if (!method)
      throw new Error(
        `no proto describes ${pattern.service}/${pattern.rpc}: pass its package definition to ResilientPrismaModule.forRoot({ grpc: { packageDefinitions } }) (it has ${this.#policies.services().join(', ') || 'none'})`,
      );
    const call = context.getArgByIndex<ServerUnaryCall<unknown, unknown>>(2);
    const source = grpcCallSource(call);
    return this.#answer(method, source, next, (answer) => {
      // NestJS answers through its own callback, which sends no trailers: the chain's go as headers.
      if (answer.ok && Object.keys(answer.trailers.getMap()).length > 0) call.sendMetadata(answer.trailers);
      // RpcException's object is what NestJS hands grpc-js as the status: code, details, metadata.
      return answer.ok ? answer.response : new RpcException(answer.error);
    });
  }

  #http(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const policy = this.#reflector.getAllAndOverride<DbCallPolicy | undefined>(DB_CALL_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) return next.handle();
    const response = context.switchToHttp().getResponse<HttpResponseLike>();
    const name = `${context.getClass().name}.${context.getHandler().name}`;
    const method: MethodPolicy = { name, path: name, access: policy.access, idempotent: policy.idempotent ?? false };
    const source: CallSource = {
      request: undefined,
      deadline: undefined,
      metadata: new Metadata(),
      onCancelled: (listener) => {
        // The client went away before the answer: the same as a gRPC cancel.
        const onClose = () => response.writableFinished !== true && listener();
        response.once('close', onClose);
        return () => response.removeListener('close', onClose);
      },
    };
    return this.#answer(method, source, next, (answer) => {
      if (answer.ok) return answer.response;
      const pushback = answer.error.metadata?.get(RETRY_PUSHBACK_KEY)[0];
      if (pushback !== undefined) {
        const seconds = String(Math.max(1, Math.ceil(Number(pushback) / 1_000)));
        if (response.setHeader) response.setHeader('Retry-After', seconds);
        else response.header?.('Retry-After', seconds);
      }
      return new HttpException(answer.error.details ?? 'error', httpStatusOf(answer.error.code));
    });
  }

  /** The handler inside the chain; an Error from `settle` is thrown to NestJS's exception layer. */
  #answer(
    method: MethodPolicy,
    source: CallSource,
    next: CallHandler,
    settle: (answer: CallAnswer<unknown>) => unknown,
  ): Observable<unknown> {
    // The NestJS exception the handler's last attempt threw, if any: NestJS's filters answer it.
    let refusal: { error: unknown; message: string } | undefined;
    // Each attempt subscribes afresh, so a retry runs the handler again inside its new scope.
    const serve = this.#chain.serve(method, async (): Promise<unknown> => {
      refusal = undefined;
      try {
        return await lastValueFrom<unknown, undefined>(next.handle(), { defaultValue: undefined });
      } catch (error) {
        // nestExceptionMapper answers it with its own message.
        if (isNestException(error)) refusal = { error, message: error.message };
        throw error;
      }
    });
    return from(serve(source)).pipe(
      mergeMap((answer) => {
        // Answered from that exception (not a deadline that passed after it): NestJS's own.
        if (!answer.ok && refusal && answer.error.details === refusal.message) return throwError(() => refusal?.error);
        const settled = settle(answer);
        return settled instanceof Error ? throwError(() => settled) : of(settled);
      }),
    );
  }
}
