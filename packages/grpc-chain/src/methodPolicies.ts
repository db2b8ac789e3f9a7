import type { ServiceDefinition } from '@grpc/grpc-js';
import type { AccessMode } from '@pos-masterdata/resilient-prisma';

/** How the call scope runs one method, read from the proto. */
export interface MethodPolicy {
  /** The method's name in the proto (`GetOrder`): for logs and errors. */
  readonly name: string;
  /** `/orders.v1.OrderService/GetOrder`. */
  readonly path: string;
  readonly access: AccessMode;
  /** Safe to run again after a lost COMMIT: the write is keyed by the request's idempotency key. */
  readonly idempotent: boolean;
}

/**
 * google.protobuf.MethodOptions.IdempotencyLevel → how a method runs. The one table of per-method
 * policy: a method says what it is in the proto (`option idempotency_level = …`), nowhere else.
 */
const BY_IDEMPOTENCY_LEVEL: Readonly<Record<number, Pick<MethodPolicy, 'access' | 'idempotent'>>> = {
  // IDEMPOTENCY_UNKNOWN (the default): may have side effects; after a lost COMMIT it is retried
  // only when the outcome can be resolved (resolveCommitOutcome).
  0: { access: 'write', idempotent: false },
  // NO_SIDE_EFFECTS: a plain read (a standby may answer), retried like any read.
  1: { access: 'read', idempotent: false },
  // IDEMPOTENT: a write keyed by its request id, safe to run again.
  2: { access: 'write', idempotent: true },
};

/** The same levels as protobufjs and proto-loader write them (by name). */
const LEVEL_BY_NAME: Readonly<Record<string, number>> = { IDEMPOTENCY_UNKNOWN: 0, NO_SIDE_EFFECTS: 1, IDEMPOTENT: 2 };

/**
 * The policy of one method from its `idempotency_level`, as a number (a descriptor, Connect's
 * `DescMethod.idempotency`) or by name (proto-loader). For transports that describe methods
 * their own way; throws for a level the table does not know.
 */
export function policyOf(path: string, name: string, level: number | string | undefined): MethodPolicy {
  const number = typeof level === 'string' ? LEVEL_BY_NAME[level] : (level ?? 0);
  const policy = number === undefined ? undefined : BY_IDEMPOTENCY_LEVEL[number];
  if (!policy) throw new Error(`${path}: unknown idempotency_level ${String(level)}`);
  return { name, path, ...policy };
}

/** The parts of a FileDescriptorProto (ts-proto's `protoMetadata.fileDescriptor`) read here. */
interface FileDescriptorLike {
  readonly package?: string;
  readonly service: readonly {
    readonly name?: string;
    readonly method: readonly { readonly name?: string; readonly options?: { readonly idempotencyLevel?: number } | undefined }[];
  }[];
}

/**
 * The policy of every method of a generated service definition, from its file descriptor.
 * Keyed like the definition (and the server type), so a method added to the proto is here the
 * moment the code is regenerated. Throws at start for a method the descriptor does not know:
 * the definition and the descriptor came from different generations of the code.
 */
export function methodPolicies<D extends ServiceDefinition>(
  definition: D,
  file: FileDescriptorLike,
): { readonly [K in keyof D]: MethodPolicy } {
  const policies: Record<string, MethodPolicy> = {};
  for (const [key, method] of Object.entries(definition)) {
    const [, service = '', name = ''] = /^\/(?:[\w.]+\.)?(\w+)\/(\w+)$/.exec(method.path) ?? [];
    const described = file.service.find((s) => s.name === service)?.method.find((m) => m.name === name);
    if (!described)
      throw new Error(
        `${method.path} is not in the file descriptor of ${file.package ?? 'its package'}: regenerate the code from the proto`,
      );
    policies[key] = policyOf(method.path, name, described.options?.idempotencyLevel);
  }
  return policies as { readonly [K in keyof D]: MethodPolicy };
}

/** The parts of a proto-loader method definition read here (its options as protobufjs parsed them). */
interface LoadedMethodLike {
  readonly path: string;
  readonly originalName?: string;
  readonly options?: { readonly idempotency_level?: string | number } | undefined;
}

/**
 * The policy of every method of a service that @grpc/proto-loader loaded
 * (`loadSync(file)['orders.v1.OrderService']`), from the `idempotency_level` it read in the proto.
 * Keyed like the definition. proto-loader's definitions are index types, so `policies.GetOrdr`
 * would compile: name your methods (`policiesFromPackageDefinition(service, ['GetOrder'])`) and
 * the result is keyed by exactly those, each checked against the proto when this runs.
 */
export function policiesFromPackageDefinition<D extends Readonly<Record<string, LoadedMethodLike>>>(
  definition: D,
): { readonly [K in keyof D]: MethodPolicy };
export function policiesFromPackageDefinition<const M extends string>(
  definition: Readonly<Record<string, LoadedMethodLike>>,
  methods: readonly M[],
): { readonly [K in M]: MethodPolicy };
export function policiesFromPackageDefinition(
  definition: Readonly<Record<string, LoadedMethodLike>>,
  methods?: readonly string[],
): Readonly<Record<string, MethodPolicy>> {
  const policies: Record<string, MethodPolicy> = {};
  for (const [key, method] of Object.entries(definition)) {
    const name = /\/(\w+)$/.exec(method.path)?.[1] ?? key;
    policies[key] = policyOf(method.path, name, method.options?.idempotency_level);
  }
  if (!methods) return policies;
  const missing = methods.filter((m) => policies[m] === undefined);
  if (missing.length > 0)
    throw new Error(`not methods of the loaded service: ${missing.join(', ')} (it has ${Object.keys(policies).join(', ')})`);
  return Object.fromEntries(methods.map((m) => [m, policies[m] as MethodPolicy]));
}
