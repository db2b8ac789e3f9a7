import { policiesFromPackageDefinition, type MethodPolicy } from '@pos-masterdata/grpc-chain';

/** What proto-loader's `loadSync(...)` returns, as far as it is read here. */
export type PackageDefinitionLike = Readonly<Record<string, unknown>>;

type LoadedMethod = { readonly path: string; readonly options?: { readonly idempotency_level?: string | number } };

function isService(value: unknown): value is Readonly<Record<string, LoadedMethod>> {
  // A message or enum definition has `format`; a service is a map of methods with paths.
  if (typeof value !== 'object' || value === null || 'format' in value) return false;
  const methods = Object.values(value);
  return (
    methods.length > 0 && methods.every((m) => typeof m === 'object' && m !== null && typeof (m as { path?: unknown }).path === 'string')
  );
}

/** `orders.v1.OrderService` → `OrderService`. */
const shortName = (fullName: string) => fullName.slice(fullName.lastIndexOf('.') + 1);

/**
 * Every method policy of the services in `definitions`, found the way NestJS names a handler's
 * service in `@GrpcMethod('OrderService', 'GetOrder')`: by its short name, or by its full name
 * (`orders.v1.OrderService`). A short name two packages share is found by full name only.
 */
export class GrpcPolicies {
  readonly #byService = new Map<string, Readonly<Record<string, MethodPolicy>>>();

  constructor(definitions: readonly PackageDefinitionLike[]) {
    const shortNames = new Map<string, number>();
    for (const definition of definitions)
      for (const [fullName, value] of Object.entries(definition)) {
        if (!isService(value)) continue;
        this.#byService.set(fullName, policiesFromPackageDefinition(value));
        shortNames.set(shortName(fullName), (shortNames.get(shortName(fullName)) ?? 0) + 1);
      }
    for (const [fullName, policies] of [...this.#byService])
      if (shortNames.get(shortName(fullName)) === 1) this.#byService.set(shortName(fullName), policies);
  }

  /** The policy of `service`/`rpc`, or undefined when no given proto has that method. */
  find(service: string, rpc: string): MethodPolicy | undefined {
    return this.#byService.get(service)?.[rpc];
  }

  /** The services known, for an error message that says what was given. */
  services(): string[] {
    return [...this.#byService.keys()].filter((name) => name.includes('.'));
  }
}
