import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  type Metadata,
  type ServerInterceptor,
  status as Status,
} from '@grpc/grpc-js';

/** What TLS says of the caller (grpc-js's AuthContext, which it does not export). */
export type CallAuthContext = ReturnType<ServerInterceptingCall['getAuthContext']>;

/** The status a call ends with (grpc-js's PartialStatusObject, which it does not export). */
export interface CallStatus {
  readonly code: Status;
  readonly details: string;
  readonly metadata?: Metadata | null;
}

/** What a middleware sees of one call, and the one thing it may do to it. */
export interface CallControl {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Ends the call with this status; the handler does not run (or its answer is dropped). */
  refuse(status: CallStatus): void;
  /** The caller's TLS identity (its certificate), when the connection has one. */
  authContext(): CallAuthContext;
  /** Who the call is for, once a middleware has established it (a verified token's subject, say). */
  identity: string | undefined;
}

/** One middleware's view of a call, from its metadata to its status. Every hook is optional. */
export interface CallHooks {
  /** The request metadata arrived; returning a status refuses the call before anything else runs. */
  readonly metadata?: (metadata: Metadata) => CallStatus | undefined;
  /**
   * The request arrived (decoded); returning a status refuses the call before the handler runs.
   * A promise (a token to verify, say) holds the call until it settles.
   */
  readonly message?: (message: unknown) => CallStatus | undefined | Promise<CallStatus | undefined>;
  /** The status the call ends with: a handler's answer or a refusal. */
  readonly status?: (status: CallStatus) => void;
  readonly cancel?: () => void;
}

/** Called once per call; returns the hooks for that call. */
export type CallMiddleware = (call: CallControl) => CallHooks;

/**
 * The server's middleware as ONE grpc-js interceptor, in the spirit of nice-grpc's `.use()`:
 * listed outermost first, so the first can refuse before the others see the call, and every one
 * sees the final status. One interceptor instead of one per concern: each grpc-js interceptor
 * wraps the call in objects and closures of its own, and on this server's hot path (a cached
 * lookup) that wrapping was a measurable part of each call.
 */
export function serverMiddleware(...chain: readonly CallMiddleware[]): ServerInterceptor {
  return (descriptor, call) => {
    let refused = false;
    const control: CallControl = {
      path: descriptor.path,
      refuse: (status) => {
        if (refused) return;
        refused = true;
        intercepting.sendStatus(status);
      },
      authContext: () => call.getAuthContext(),
      identity: undefined,
    };
    const hooks = chain.map((middleware) => middleware(control));
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        for (const hook of hooks) {
          const refusal = hook.metadata?.(metadata);
          if (refusal) {
            control.refuse(refusal);
            return;
          }
        }
        next(metadata);
      })
      .withOnReceiveMessage((message: unknown, next) => {
        const from = (first: number): void => {
          for (let i = first; i < hooks.length; i += 1) {
            const outcome = hooks[i]?.message?.(message);
            if (outcome instanceof Promise) {
              outcome.then(
                (refusal) => (refusal ? control.refuse(refusal) : from(i + 1)),
                () => control.refuse({ code: Status.INTERNAL, details: 'internal error' }),
              );
              return;
            }
            if (outcome) {
              control.refuse(outcome);
              return;
            }
          }
          next(message);
        };
        from(0);
      })
      .withOnCancel(() => {
        for (const hook of hooks) hook.cancel?.();
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        for (const hook of hooks) hook.status?.(status);
        next(status);
      })
      .build();
    const intercepting = new ServerInterceptingCall(call, responder);
    return intercepting;
  };
}
