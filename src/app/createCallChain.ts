import type { ServerInterceptor } from '@grpc/grpc-js';
import type { Tracer } from '@opentelemetry/api';
import { AuthzPolicy } from '../config/AuthzPolicy.ts';
import { ReloadingFile } from '../config/ReloadingFile.ts';
import type { Config } from '../config/config.ts';
import { auditLog, auditUndecodable } from '../grpc/auditLog.ts';
import { BearerTokens } from '../grpc/BearerTokens.ts';
import { callAuthorization } from '../grpc/callAuthorization.ts';
import { CallChain } from '@pos-masterdata/grpc-chain';
import { callDeadline } from '@pos-masterdata/grpc-chain';
import { callLog, callRecorder } from '@pos-masterdata/grpc-chain';
import { transportLimits } from '@pos-masterdata/grpc-chain';
import { callTracing } from '@pos-masterdata/grpc-chain/opentelemetry';
import { requestKey } from '../grpc/requestKeys.ts';
import { SERVICE_ERRORS } from '../grpc/serviceErrors.ts';
import type { Logger } from '../log/createLogger.ts';
import type { ServiceMetrics } from '../metrics/ServiceMetrics.ts';

export interface ServerCallChain {
  /** The one grpc-js interceptor: limits that act before a request exists. */
  readonly transport: ServerInterceptor;
  /** The middleware every service method runs in; the call scope is `.use()`d onto it where wanted. */
  readonly calls: CallChain;
  /** Stops watching the policy and JWKS files. */
  close(): void;
}

/**
 * The server's middleware, outermost first: the call log and the audit see every answer and every
 * refusal; the deadline answers the call when it passes; authorization (when a policy is
 * configured) decides before the handler. The transport limits' refusals come before any of them
 * and go to the same call log. The policy and the JWKS are read here, before the server starts, so
 * a bad file stops it, and again whenever they change; the start-up log says how callers are
 * protected.
 */
export function createCallChain(config: Config, log: Logger, metrics: ServiceMetrics, tracer?: Tracer): ServerCallChain {
  // Re-read when they change, no restart: a file that fails validation keeps the one in force.
  const watching = {
    intervalMs: config.AUTHZ_RELOAD_MS,
    onReload: (path: string) => log.info({ event: 'authz_reload', file: path }, `reloaded ${path}`),
    onRefused: (path: string, why: string) =>
      log.error({ event: 'authz_reload', file: path, refused: why }, `kept the previous version of ${path}: ${why}`),
  };
  const authz = config.AUTHZ_POLICY_FILE
    ? new ReloadingFile(config.AUTHZ_POLICY_FILE, (p) => AuthzPolicy.fromFile(p), watching)
    : undefined;
  const tokens = config.AUTHZ_JWKS_FILE
    ? new ReloadingFile(
        config.AUTHZ_JWKS_FILE,
        (p) => BearerTokens.fromFile(p, { issuer: config.AUTHZ_JWT_ISSUER, audience: config.AUTHZ_JWT_AUDIENCE }),
        watching,
      )
    : undefined;
  if (!authz) log.warn({ event: 'authz', policy: 'none' }, 'AUTHZ_POLICY_FILE is not set: every caller may read and write every tenant');
  else log.info({ event: 'authz', policy: config.AUTHZ_POLICY_FILE }, `authorization: tenants per caller from ${config.AUTHZ_POLICY_FILE}`);
  const transport = !config.GRPC_TLS_CERT_FILE
    ? 'plaintext'
    : config.GRPC_TLS_CLIENT_CA_FILE
      ? 'mutual TLS (client certificates required)'
      : 'TLS';
  log.info({ event: 'grpc_tls', transport }, `gRPC transport: ${transport}`);

  const record = callRecorder(log, metrics.callDuration);
  const limits = transportLimits(
    {
      maxCallsInFlight: config.GRPC_MAX_CALLS_IN_FLIGHT,
      maxMetadataBytes: config.GRPC_MAX_METADATA_BYTES,
      maxMetadataEntries: config.GRPC_MAX_METADATA_ENTRIES,
      messageTimeoutMs: config.GRPC_MESSAGE_TIMEOUT_MS,
    },
    {
      inFlight: (n) => metrics.callsInFlight.set(n),
      refused: (refusal) => {
        metrics.transportRejections.inc({ reason: refusal.reason });
        record(refusal);
        if (refusal.reason === 'undecodable') auditUndecodable(log, refusal);
      },
    },
  );
  const chain = CallChain.create({
    defaultDeadlineMs: config.GRPC_DEFAULT_DEADLINE_MS,
    onInternalError: (error, method) => log.error({ err: error, method }, 'internal error'),
    errors: SERVICE_ERRORS,
  });
  // Outermost, so that the call log, the audit and the database's attempts all nest in the call's span.
  const calls = (config.TRACING ? chain.use(callTracing(tracer ? { tracer } : {})) : chain)
    .use(callLog(record, { tenantOf: (request) => requestKey(request, 'tenantId') }))
    .use(auditLog(log))
    .use(callDeadline);
  return {
    transport: limits,
    calls: authz
      ? calls.use(
          callAuthorization(
            () => authz.current,
            () => tokens?.current,
          ),
        )
      : calls,
    close: () => {
      authz?.close();
      tokens?.close();
    },
  };
}
