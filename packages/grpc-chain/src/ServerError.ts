import { status as Status } from '@grpc/grpc-js';

/** The one error type handlers throw on purpose: a gRPC status and a message a person can act on. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: Status;

  constructor(code: Status, message: string) {
    super(message);
    this.code = code;
  }
}
