/** A migration problem, carrying the Prisma error code `prisma migrate deploy` reports for it. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
