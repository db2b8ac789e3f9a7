import { status as Status } from '@grpc/grpc-js';
import { HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { DomainErrorMapper } from '@pos-masterdata/grpc-chain';

/** RpcException's object carries a gRPC code as a plain number: the Status it is. */
const STATUS_BY_NUMBER = new Map<number, Status>(
  Object.values(Status)
    .filter((v): v is Status => typeof v === 'number')
    .map((s) => [s, s]),
);

/** NestJS's own refusals (RpcException, HttpException) a handler throws on purpose. */
export function isNestException(error: unknown): error is RpcException | HttpException {
  return error instanceof RpcException || error instanceof HttpException;
}

/**
 * The chain's word on a NestJS exception: a refusal, not a bug (never logged as internal, never
 * retried). The interceptor then hands the exception itself to NestJS, so the application's
 * exception filters answer it as they would without the chain.
 */
export const nestExceptionMapper: DomainErrorMapper = (error) => {
  if (error instanceof RpcException) {
    const status = error.getError();
    const code: unknown = typeof status === 'object' && status !== null && 'code' in status ? status.code : undefined;
    return { code: (typeof code === 'number' ? STATUS_BY_NUMBER.get(code) : undefined) ?? Status.UNKNOWN, message: error.message };
  }
  if (error instanceof HttpException) return { code: Status.UNKNOWN, message: error.message };
  return undefined;
};
