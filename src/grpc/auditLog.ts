import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '../log/createLogger.ts';
import type { CallMiddleware, TransportRefusal } from '@pos-masterdata/grpc-chain';
import { callerOf } from './callerOf.ts';
import { requestKey, type RequestKey } from './requestKeys.ts';

/** The keys of a write request: never its content. */
const KEYS: readonly RequestKey[] = ['tenantId', 'storeCode', 'itemCode', 'requestId'];

/**
 * One audit line per write (every method whose policy is a write), refused ones too: who (the
 * identity authorization established, else the client certificate's), which keys, which request
 * id, the status answered (`outcome`) and what happened to the data (`data`: committed,
 * rolled_back, none, or unknown). A write answered while its COMMIT was still under way (the
 * deadline, a cancel) says unknown, and a second line (`resolved: true`) says what it came to
 * once the database answered. Outside authorization in the chain, so it sees its refusals.
 */
export function auditLog(log: Logger): CallMiddleware {
  return async (request, ctx, next) => {
    if (ctx.method.access !== 'write') return next(request, ctx);
    const keys: Partial<Record<RequestKey, string>> = {};
    for (const key of KEYS) {
      const value = requestKey(request, key);
      if (value !== undefined) keys[key] = value;
    }
    const { writes } = ctx;
    const audit = (code: Status, resolved = false) => {
      const caller = ctx.identity ?? callerOf(ctx.authContext())?.label ?? 'anonymous';
      const outcome = Status[code] ?? String(code);
      const method = ctx.method.name;
      const data = writes.outcome;
      const line = `audit: ${caller} ${method} ${outcome}, data ${data}${resolved ? ' (resolved after the answer)' : ''}`;
      log.info({ event: 'audit', caller, method, ...keys, outcome, data, ...(resolved ? { resolved } : {}) }, line);
    };
    try {
      const response = await next(request, ctx);
      audit(Status.OK);
      return response;
    } catch (error) {
      const code = ctx.convertError(error).serviceError.code ?? Status.UNKNOWN;
      audit(code);
      if (writes.committing) void writes.settled.then(() => audit(code, true));
      throw error;
    }
  };
}

/**
 * The audit line of a request that does not decode (refused by the transport, before the chain):
 * a client sending garbage, so the operator sees who, where and how much, never the bytes.
 */
export function auditUndecodable(log: Logger, refusal: TransportRefusal): void {
  const { peer: caller, path: method, bytes } = refusal;
  log.warn(
    { event: 'audit', caller, method, outcome: 'INTERNAL', data: 'none', undecodable: true, bytes },
    `audit: ${caller} ${method} sent a request that does not decode (${String(bytes ?? '?')} bytes)`,
  );
}
