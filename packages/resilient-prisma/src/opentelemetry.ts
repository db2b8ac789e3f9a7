// `@pos-masterdata/resilient-prisma/opentelemetry`: a subpath of its own, so that
// @opentelemetry/api is needed only by those who import it.
export { otelTracer, type OtelTracerOptions } from './otelTracer.ts';
