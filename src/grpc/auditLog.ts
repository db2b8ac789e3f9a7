import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '../log/createLogger.ts';
import type { CallMiddleware } from '@pos-masterdata/grpc-chain';
import { callerOf } from './callerOf.ts';
import { requestKey, type RequestKey } from './requestKeys.ts';

/** The keys of a write request: never its content. */
const KEYS: readonly RequestKey[] = ['tenantId', 'storeCode', 'itemCode', 'requestId'];

/**
 * One audit line per write (every method whose policy is a write), refused ones too: who (the
 * identity authorization established, else the client certificate's), which keys, which request
 * id, and the outcome. Outside authorization in the chain, so it sees its refusals.
 */
export function auditLog(log: Logger): CallMiddleware {
  return async (request, ctx, next) => {
    if (ctx.method.access !== 'write') return next(request, ctx);
    const keys: Partial<Record<RequestKey, string>> = {};
    for (const key of KEYS) {
      const value = requestKey(request, key);
      if (value !== undefined) keys[key] = value;
    }
    const audit = (code: Status) => {
      const caller = ctx.identity ?? callerOf(ctx.authContext())?.label ?? 'anonymous';
      const outcome = Status[code] ?? String(code);
      const method = ctx.method.name;
      log.info({ event: 'audit', caller, method, ...keys, outcome }, `audit: ${caller} ${method} ${outcome}`);
    };
    try {
      const response = await next(request, ctx);
      audit(Status.OK);
      return response;
    } catch (error) {
      audit(ctx.convertError(error).serviceError.code ?? Status.UNKNOWN);
      throw error;
    }
  };
}
