import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '../log/createLogger.ts';
import type { ServiceMetrics } from '../metrics/ServiceMetrics.ts';
import { requestKey } from './requestKeys.ts';
import type { CallMiddleware } from './serverMiddleware.ts';

const SERVER_SIDE = new Set([Status.INTERNAL, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.UNKNOWN, Status.DATA_LOSS]);

/** One log line and one latency observation per call: method, status, duration, tenant. */
export function callLog(log: Logger, metrics: ServiceMetrics): CallMiddleware {
  return (call) => {
    const started = performance.now();
    let tenant: string | undefined;
    return {
      message: (message) => {
        tenant = requestKey(message, 'tenantId')?.slice(0, 64);
        return undefined;
      },
      status: (status) => {
        const ms = performance.now() - started;
        const code = Status[status.code] ?? String(status.code);
        metrics.callDuration.observe({ method: call.path, code }, ms / 1000);
        const line = { method: call.path, code, durationMs: Math.round(ms * 100) / 100, tenant };
        if (SERVER_SIDE.has(status.code)) log.warn({ ...line, details: status.details }, 'call');
        else log.info(line, 'call');
      },
    };
  };
}
