import type { Metadata } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import type { CallMiddleware } from './CallChain.ts';

export interface CallTracingOptions {
  /** Default: `trace.getTracer('@pos-masterdata/grpc-chain')`, resolved through whatever SDK is registered. */
  readonly tracer?: Tracer;
}

// OpenTelemetry's gRPC conventions: a server span is an error only for the statuses that are the
// server's fault; NOT_FOUND, INVALID_ARGUMENT and the like are answers.
const SERVER_FAULTS = new Set([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).map(String);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/**
 * A SERVER span per call, continuing the caller's W3C `traceparent` (whatever propagator the SDK
 * registered reads the request metadata), named `package.Service/Method` with `rpc.system`,
 * `rpc.service`, `rpc.method`, `rpc.grpc.status_code` and the deadline the call was given
 * (`rpc.grpc.deadline_ms`). Put it outermost, so that every layer's work (and the database's
 * attempts, with resilient-prisma's `otelTracer`) nests under it. It reads no request field: the
 * span carries no item content and no tenant data.
 */
export function callTracing({ tracer = trace.getTracer('@pos-masterdata/grpc-chain') }: CallTracingOptions = {}): CallMiddleware {
  return (request, ctx, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, ctx.metadata, metadataGetter);
    const { path, name } = ctx.method;
    const service = path.slice(1, path.lastIndexOf('/'));
    const span = tracer.startSpan(
      `${service}/${name}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': service,
          'rpc.method': name,
          'rpc.grpc.deadline_ms': Math.max(0, Math.round(ctx.deadline - performance.now())),
        },
      },
      parent,
    );
    // No SDK (the API's no-op tracer) and no caller's trace: nothing to record or to continue,
    // so the call runs without entering a context (what an unused tracer would otherwise cost).
    if (!isSpanContextValid(span.spanContext())) return next(request, ctx);
    return context.with(trace.setSpan(parent, span), () =>
      next(request, ctx).then(
        (response) => {
          span.setAttribute('rpc.grpc.status_code', Status.OK);
          span.end();
          return response;
        },
        (error: unknown) => {
          const code = ctx.convertError(error).serviceError.code ?? Status.UNKNOWN;
          span.setAttribute('rpc.grpc.status_code', code);
          if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: Status[code] });
          span.end();
          throw error;
        },
      ),
    );
  };
}
