import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '../log/createLogger.ts';
import { callerOf } from './callerOf.ts';
import type { MethodPolicy } from './methodPolicies.ts';
import { requestKey, type RequestKey } from './requestKeys.ts';
import type { CallMiddleware } from './serverMiddleware.ts';

/** The keys of a write request: never its content. */
const KEYS: readonly RequestKey[] = ['tenantId', 'storeCode', 'itemCode', 'requestId'];

/**
 * One audit line per write (every method whose policy is a write), refused ones too: who
 * (the client certificate's identity), which keys, which request id, and the outcome.
 */
export function auditLog(log: Logger, methods: ReadonlyMap<string, MethodPolicy>): CallMiddleware {
  return (call) => {
    const method = methods.get(call.path);
    if (method?.access !== 'write') return {};
    const keys: Partial<Record<RequestKey, string>> = {};
    return {
      message: (message) => {
        for (const key of KEYS) {
          const value = requestKey(message, key);
          if (value !== undefined) keys[key] = value;
        }
        return undefined;
      },
      status: (status) => {
        const caller = call.identity ?? callerOf(call.authContext())?.label ?? 'anonymous';
        const outcome = Status[status.code] ?? String(status.code);
        log.info({ event: 'audit', caller, method: method.name, ...keys, outcome }, `audit: ${caller} ${method.name} ${outcome}`);
      },
    };
  };
}
