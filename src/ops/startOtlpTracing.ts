import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface OtlpTracing {
  /** Sends what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * With TRACING=on and an OTLP endpoint in the environment (OpenTelemetry's own variables:
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read by the exporter), the
 * service registers an SDK that sends its spans there over OTLP/HTTP in batches, with the W3C
 * trace-context propagator and AsyncLocalStorage context. Without an endpoint it registers nothing:
 * the spans go wherever an SDK the process was started with (`node --import …`) sends them.
 */
export function startOtlpTracing(env: NodeJS.ProcessEnv): OtlpTracing | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'masterdata' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
