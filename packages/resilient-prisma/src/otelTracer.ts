import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { AttemptStart, CallStep, CallTracer } from './CallTracer.ts';
import { DbFailure } from './DbFailure.ts';

export interface OtelTracerOptions {
  /** Default: `trace.getTracer('@pos-masterdata/resilient-prisma')`, resolved through whatever SDK is registered. */
  readonly tracer?: Tracer;
}

/** Event names on the call's span (or the attempt's, for a rebuild its failure caused). */
const EVENT_NAMES: Readonly<Record<CallStep['step'], string>> = {
  admitted: 'db.admission',
  rejected: 'db.rejected',
  retry: 'db.retry',
  rebuild: 'db.pool.rebuild',
  commitOutcome: 'db.commit_outcome',
};

/**
 * The layer's steps as OpenTelemetry spans and events: each attempt a CLIENT span
 * `db.attempt <pool>` (child of whatever span is active: a gRPC call's, say) with the pool, the
 * host, the generation and writer or standby; the admission wait, a rejection, the retry and its
 * reason, a rebuild and a COMMIT outcome as events. Attributes carry the layer's own facts, never
 * SQL, parameters or error messages. Prisma's own spans (`@prisma/instrumentation`) nest under the
 * attempt that ran them.
 */
export function otelTracer({ tracer = trace.getTracer('@pos-masterdata/resilient-prisma') }: OtelTracerOptions = {}): CallTracer {
  return {
    attempt<T>(start: AttemptStart, work: () => Promise<T>): Promise<T> {
      const span = tracer.startSpan(`db.attempt ${start.pool}`, { kind: SpanKind.CLIENT, attributes: attemptAttributes(start) });
      // No SDK (the API's no-op tracer) and no trace to continue: nothing to nest, so no context to enter.
      if (!isSpanContextValid(span.spanContext())) return work();
      return context.with(trace.setSpan(context.active(), span), () =>
        work().then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            endFailed(span, error);
            throw error;
          },
        ),
      );
    },
    step(step: CallStep): void {
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      span.addEvent(EVENT_NAMES[step.step], stepAttributes(step));
    },
  };
}

function attemptAttributes({ pool, mode, attempt, generation, host, replica }: AttemptStart): Attributes {
  const attributes: Attributes = {
    'db.system.name': 'postgresql',
    'resilient_prisma.pool': pool,
    'resilient_prisma.mode': mode,
    'resilient_prisma.attempt': attempt,
    'resilient_prisma.generation': generation,
    'resilient_prisma.replica': replica,
  };
  if (host !== undefined) {
    const colon = host.lastIndexOf(':');
    attributes['server.address'] = colon > 0 ? host.slice(0, colon) : host;
    if (colon > 0) attributes['server.port'] = Number(host.slice(colon + 1));
  }
  return attributes;
}

function endFailed(span: Span, error: unknown): void {
  // Only the database's failures fail the attempt: a domain error thrown by the work (not found,
  // a version conflict) is an answer, not a fault of the attempt.
  if (error instanceof DbFailure) {
    const { kind } = error.classification;
    span.setAttributes({ 'error.type': kind, 'resilient_prisma.retryable': error.retryable });
    span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
  }
  span.end();
}

function stepAttributes(step: CallStep): Attributes {
  switch (step.step) {
    case 'admitted':
      return { 'resilient_prisma.pool': step.pool, 'resilient_prisma.waited_ms': Math.round(step.waitedMs * 100) / 100 };
    case 'rejected':
      return {
        'resilient_prisma.pool': step.pool,
        'resilient_prisma.rejected_by': step.by,
        'resilient_prisma.reason': step.reason,
        'resilient_prisma.retry_after_ms': Math.round(step.retryAfterMs),
      };
    case 'retry':
      return { 'resilient_prisma.pool': step.pool, 'resilient_prisma.reason': step.kind, 'resilient_prisma.attempt': step.attempt };
    case 'rebuild':
      return { 'resilient_prisma.pool': step.pool, 'resilient_prisma.reason': step.kind, 'resilient_prisma.generation': step.generation };
    case 'commitOutcome':
      return { 'resilient_prisma.outcome': step.outcome };
  }
}
