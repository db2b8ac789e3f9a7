// `@pos-masterdata/grpc-chain/opentelemetry`: a subpath of its own, so that @opentelemetry/api is
// needed only by those who import it.
export { callTracing, type CallTracingOptions } from './callTracing.ts';
