/**
 * What the item domain refuses, in its own terms: no transport's status codes here. The kinds
 * are mapped to gRPC statuses in one table, grpc/serviceErrors.ts (handed to the chain, converted by toServiceError).
 */
export type DomainErrorKind =
  /** The request breaks the input rules; `fields` names every offending field. */
  | 'invalid'
  /** The store or item does not exist. */
  | 'not_found'
  /** An idempotency key was reused for different content. */
  | 'request_reused'
  /** The stored version is not the one the caller based its write on (or changed meanwhile). */
  | 'stale_version'
  /** The write is refused in the current state (a store's currency once it has items). */
  | 'precondition';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly kind: DomainErrorKind;
  readonly fields: readonly string[];

  constructor(kind: DomainErrorKind, message: string, fields: readonly string[] = []) {
    super(message);
    this.kind = kind;
    this.fields = fields;
  }
}
