import type { ServerInterceptor } from '@grpc/grpc-js';
import { AuthzPolicy } from '../config/AuthzPolicy.ts';
import type { Config } from '../config/config.ts';
import { auditLog } from '../grpc/auditLog.ts';
import { BearerTokens } from '../grpc/BearerTokens.ts';
import { callAuthorization } from '../grpc/callAuthorization.ts';
import { callLimits } from '../grpc/callLimits.ts';
import { callLog } from '../grpc/callLog.ts';
import { serverMiddleware } from '../grpc/serverMiddleware.ts';
import { METHODS_BY_PATH } from '../grpc/serviceMethods.ts';
import type { Logger } from '../log/createLogger.ts';
import type { ServiceMetrics } from '../metrics/ServiceMetrics.ts';

/**
 * The server's middleware chain, outermost first: limits refuse before anything else runs, the
 * call log and the audit see every status, authorization (when a policy is configured) decides
 * last. The policy and the JWKS are read here, before the server starts, so a bad file stops it;
 * the start-up log says how callers are protected.
 */
export function createServerMiddleware(config: Config, log: Logger, metrics: ServiceMetrics): ServerInterceptor {
  const authz = config.AUTHZ_POLICY_FILE ? AuthzPolicy.fromFile(config.AUTHZ_POLICY_FILE) : undefined;
  const tokens = config.AUTHZ_JWKS_FILE
    ? BearerTokens.fromFile(config.AUTHZ_JWKS_FILE, { issuer: config.AUTHZ_JWT_ISSUER, audience: config.AUTHZ_JWT_AUDIENCE })
    : undefined;
  if (!authz) log.warn({ event: 'authz', policy: 'none' }, 'AUTHZ_POLICY_FILE is not set: every caller may read and write every tenant');
  else log.info({ event: 'authz', policy: config.AUTHZ_POLICY_FILE }, `authorization: tenants per caller from ${config.AUTHZ_POLICY_FILE}`);
  const transport = !config.GRPC_TLS_CERT_FILE
    ? 'plaintext'
    : config.GRPC_TLS_CLIENT_CA_FILE
      ? 'mutual TLS (client certificates required)'
      : 'TLS';
  log.info({ event: 'grpc_tls', transport }, `gRPC transport: ${transport}`);
  const limits = callLimits(
    {
      maxCallsInFlight: config.GRPC_MAX_CALLS_IN_FLIGHT,
      maxMetadataBytes: config.GRPC_MAX_METADATA_BYTES,
      messageTimeoutMs: config.GRPC_MESSAGE_TIMEOUT_MS,
    },
    {
      inFlight: (n) => metrics.callsInFlight.set(n),
      rejected: (reason) => metrics.transportRejections.inc({ reason }),
    },
  );
  return serverMiddleware(
    limits,
    callLog(log, metrics),
    auditLog(log, METHODS_BY_PATH),
    ...(authz ? [callAuthorization(authz, METHODS_BY_PATH, tokens)] : []),
  );
}
