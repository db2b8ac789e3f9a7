import { InterceptingCall, type Interceptor, type Metadata } from '@grpc/grpc-js';

/**
 * Read-your-writes from the client side, for servers built on grpc-chain's `readAfterWrites`:
 * the token the last write answered with (in its trailers) is sent with every later call made
 * through this session's interceptor, to any instance, so those reads see that write. One
 * session per caller whose reads must follow its own writes (a till, a back-office user): it is
 * the caller who asks for it; calls without the interceptor carry nothing.
 */
export class ReadAfterSession {
  /** The metadata key the server uses (grpc-chain's default: `x-read-after`). */
  readonly key: string;
  #token: string | undefined;

  constructor(key = 'x-read-after') {
    this.key = key;
  }

  /** The token the next call will carry; undefined before the first write. */
  get token(): string | undefined {
    return this.#token;
  }

  /** Give it to `pool.client(Client, target, transport, { interceptors: [session.interceptor] })`. */
  readonly interceptor: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        if (this.#token !== undefined) metadata.set(this.key, this.#token);
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            this.#remember(status.metadata);
            nextStatus(status);
          },
        });
      },
    });

  #remember(trailers: Metadata): void {
    // Opaque to the client: the newest answer's token replaces the one held.
    const token = trailers.get(this.key)[0];
    if (typeof token === 'string' && token !== '') this.#token = token;
  }
}
