// `@pos-masterdata/resilient-prisma/prometheus`: a subpath of its own, so that prom-client is
// needed only by those who import it.
export { attachPrometheus, type DatabaseMetrics, type PrometheusOptions } from './attachPrometheus.ts';
