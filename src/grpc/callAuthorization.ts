import { status as Status } from '@grpc/grpc-js';
import type { AuthzPolicy } from '../config/AuthzPolicy.ts';
import type { BearerTokens } from './BearerTokens.ts';
import { callerOf, type Caller } from './callerOf.ts';
import type { MethodPolicy } from './methodPolicies.ts';
import { requestKey } from './requestKeys.ts';
import type { CallMiddleware, CallStatus } from './serverMiddleware.ts';

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Tenant authorization: a call of one of `methods` (by path) is allowed only when its caller
 * may read (or, for writes, write) the request's tenant under the policy. The caller is the
 * bearer token's subject when `tokens` is configured and the call carries one (the certificate
 * then only admits the connection), else the client certificate's CN and subjectAltNames.
 * Other paths (health, reflection) stay open.
 */
export function callAuthorization(policy: AuthzPolicy, methods: ReadonlyMap<string, MethodPolicy>, tokens?: BearerTokens): CallMiddleware {
  return (call) => {
    let token: string | undefined;
    return {
      metadata: (metadata) => {
        const header = metadata.get('authorization')[0];
        token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
        return undefined;
      },
      message: (message) => {
        const method = methods.get(call.path);
        if (!method) return undefined;
        const decide = (caller: Caller | undefined) => {
          call.identity = caller?.label;
          return decision(policy, method, caller, requestKey(message, 'tenantId'));
        };
        if (token === undefined || !tokens) return decide(callerOf(call.authContext()));
        return tokens.subject(token).then(
          (subject) => decide({ label: subject, names: [subject] }),
          (error: unknown) => ({
            code: Status.UNAUTHENTICATED,
            details: `the bearer token is not valid: ${error instanceof Error ? error.message : 'it cannot be verified'}`,
          }),
        );
      },
    };
  };
}

function decision(
  policy: AuthzPolicy,
  method: MethodPolicy,
  caller: Caller | undefined,
  tenant: string | undefined,
): CallStatus | undefined {
  if (!caller) {
    return {
      code: Status.UNAUTHENTICATED,
      details: 'this service needs to know its callers: connect with a client certificate or a bearer token',
    };
  }
  if (!policy.knows(caller.names))
    return { code: Status.PERMISSION_DENIED, details: `caller "${caller.label}" is not in the authorization policy` };
  const access = method.access === 'write' ? 'write' : 'read';
  if (tenant === undefined || !policy.allows(caller.names, tenant, access)) {
    return { code: Status.PERMISSION_DENIED, details: `caller "${caller.label}" may not ${access} tenant "${tenant ?? ''}"` };
  }
  return undefined;
}
