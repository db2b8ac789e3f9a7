import { status as Status } from '@grpc/grpc-js';
import type { AuthzPolicy } from '../config/AuthzPolicy.ts';
import { callerOf } from './callerOf.ts';
import type { MethodPolicy } from './methodPolicies.ts';
import type { CallMiddleware } from './serverMiddleware.ts';

/**
 * Tenant authorization: a call of one of `methods` (by path) is allowed only when the caller's
 * client certificate names an identity the policy lets read (or, for writes, write) the
 * request's tenant. Other paths (health, reflection) stay open.
 */
export function callAuthorization(policy: AuthzPolicy, methods: ReadonlyMap<string, MethodPolicy>): CallMiddleware {
  return (call) => ({
    message: (message) => {
      const method = methods.get(call.path);
      if (!method) return undefined;
      const caller = callerOf(call.authContext());
      if (!caller) {
        return { code: Status.UNAUTHENTICATED, details: 'this service needs to know its callers: connect with a client certificate' };
      }
      if (!policy.knows(caller.names)) {
        return { code: Status.PERMISSION_DENIED, details: `caller "${caller.label}" is not in the authorization policy` };
      }
      const tenant = tenantOf(message);
      const access = method.access === 'write' ? 'write' : 'read';
      if (tenant === undefined || !policy.allows(caller.names, tenant, access)) {
        return { code: Status.PERMISSION_DENIED, details: `caller "${caller.label}" may not ${access} tenant "${tenant ?? ''}"` };
      }
      return undefined;
    },
  });
}

function tenantOf(message: unknown): string | undefined {
  const value = typeof message === 'object' && message !== null ? (message as { tenantId?: unknown }).tenantId : undefined;
  return typeof value === 'string' ? value : undefined;
}
