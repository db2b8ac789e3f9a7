import { status as Status } from '@grpc/grpc-js';
import type { AuthzPolicy } from '../config/AuthzPolicy.ts';
import type { BearerTokens } from './BearerTokens.ts';
import type { CallMiddleware } from '@pos-masterdata/grpc-chain';
import { callerOf, type Caller } from './callerOf.ts';
import type { MethodPolicy } from '@pos-masterdata/grpc-chain';
import { requestKey } from './requestKeys.ts';
import { ServerError } from '@pos-masterdata/grpc-chain';

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Tenant authorization: a call is allowed only when its caller may read (or, for writes, write)
 * the request's tenant (or, with store grants, the request's store of it) under the policy. The
 * policy and the keys are read per call (`policy()`, `tokens()`): a reloaded file takes effect at
 * the next call. The caller is the bearer token's subject when `tokens` is
 * configured and the call carries one (the certificate then only admits the connection), else the
 * client certificate's CN and subjectAltNames. Only the service methods bound to the chain pass
 * here: health and reflection stay open.
 */
export function callAuthorization(policy: () => AuthzPolicy, tokens: () => BearerTokens | undefined = () => undefined): CallMiddleware {
  return async (request, ctx, next) => {
    const keys = tokens();
    const header = ctx.metadata.get('authorization')[0];
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    let caller: Caller | undefined;
    if (token === undefined || !keys) caller = callerOf(ctx.authContext());
    else {
      const subject = await keys.subject(token).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : 'it cannot be verified';
        throw new ServerError(Status.UNAUTHENTICATED, `the bearer token is not valid: ${why}`);
      });
      caller = { label: subject, names: [subject] };
    }
    ctx.identity = caller?.label;
    check(policy(), ctx.method, caller, requestKey(request, 'tenantId'), requestKey(request, 'storeCode'));
    return next(request, ctx);
  };
}

function check(
  policy: AuthzPolicy,
  method: MethodPolicy,
  caller: Caller | undefined,
  tenant: string | undefined,
  store: string | undefined,
): void {
  if (!caller) {
    throw new ServerError(
      Status.UNAUTHENTICATED,
      'this service needs to know its callers: connect with a client certificate or a bearer token',
    );
  }
  if (!policy.knows(caller.names))
    throw new ServerError(Status.PERMISSION_DENIED, `caller "${caller.label}" is not in the authorization policy`);
  const access = method.access === 'write' ? 'write' : 'read';
  if (
    tenant !== undefined &&
    (store === undefined ? policy.allows(caller.names, tenant, access) : policy.allowsStore(caller.names, tenant, store, access))
  )
    return;
  // Named as granted: a caller with store grants on the tenant is told which store it may not use.
  const what =
    tenant !== undefined && store !== undefined && policy.hasStoreGrants(caller.names, tenant)
      ? `store "${store}" of tenant "${tenant}"`
      : `tenant "${tenant ?? ''}"`;
  throw new ServerError(Status.PERMISSION_DENIED, `caller "${caller.label}" may not ${access} ${what}`);
}
