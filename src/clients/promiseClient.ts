import { Metadata, type CallOptions, type Client, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';

export interface CallSettings {
  /** Milliseconds from now; the pool's default applies when absent. */
  readonly timeoutMs?: number;
  /** Request metadata (a `traceparent`, say). */
  readonly metadata?: Metadata;
}

type UnaryFn<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/**
 * Every unary method of a generated grpc-js client, as a promise. Derived from the client's type,
 * so a method added to the proto (and regenerated) appears here without anybody writing it.
 */
export type PromiseClient<C> = {
  readonly [K in keyof C as C[K] extends UnaryFn<never, unknown> ? K : never]: C[K] extends UnaryFn<infer Req, infer Res>
    ? (request: Req, settings?: CallSettings) => Promise<Res>
    : never;
};

/** The promise form of `client`, one method per method of the service `definition` it was made for. */
export function promiseClient<C extends Client>(client: C, definition: ServiceDefinition): PromiseClient<C> {
  const api: Record<string, (request: unknown, settings?: CallSettings) => Promise<unknown>> = {};
  for (const name of Object.keys(definition)) {
    const method = (client as unknown as Record<string, UnaryFn<unknown, unknown>>)[name];
    if (typeof method !== 'function') continue;
    api[name] = (request, settings) =>
      new Promise((resolve, reject) => {
        const options: Partial<CallOptions> = settings?.timeoutMs === undefined ? {} : { deadline: Date.now() + settings.timeoutMs };
        method.call(client, request, settings?.metadata ?? new Metadata(), options, (error, response) =>
          error ? reject(error) : resolve(response),
        );
      });
  }
  return api as PromiseClient<C>;
}
