import { SetMetadata } from '@nestjs/common';
import type { AccessMode } from '@pos-masterdata/resilient-prisma';

/** The metadata key `@DbCall` writes and the interceptor reads. */
export const DB_CALL_METADATA = 'pos-masterdata:db-call';

export interface DbCallPolicy {
  readonly access: AccessMode;
  /** A write keyed by an idempotency key, safe to run again after a lost COMMIT (default false). */
  readonly idempotent?: boolean;
}

/**
 * Runs an HTTP route (or any handler a proto does not describe) in a call scope:
 * `@DbCall('read')`, `@DbCall('write', { idempotent: true })`. gRPC handlers take their policy
 * from the proto's `idempotency_level`, never from here.
 */
export const DbCall = (access: AccessMode, options: { readonly idempotent?: boolean } = {}): MethodDecorator & ClassDecorator =>
  SetMetadata<string, DbCallPolicy>(DB_CALL_METADATA, { access, idempotent: options.idempotent ?? false });
