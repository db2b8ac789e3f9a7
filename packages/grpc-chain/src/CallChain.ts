import { Metadata, status as Status, type handleUnaryCall, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { MethodPolicy } from './methodPolicies.ts';
import { ServerError } from './ServerError.ts';
import { DEADLINE_EXCEEDED_MESSAGE, toServiceError, type ConvertedError, type ErrorMapping } from './toServiceError.ts';
import { WriteOutcome } from './WriteOutcome.ts';

/** What TLS says of the caller (grpc-js's AuthContext, which it does not export). */
export type CallAuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;

/** What every middleware and handler sees of one call. */
export interface CallContext {
  /** The method and its policy, read from the proto. */
  readonly method: MethodPolicy;
  readonly metadata: Metadata;
  /**
   * performance.now() value by which the call answers: the client's deadline (else the server's
   * default) less `answerMarginMs`, so the answer goes out before grpc-js's own deadline timer.
   */
  readonly deadline: number;
  /** Aborted when the client cancels or the deadline passes; its reason is the status to answer. */
  readonly signal: AbortSignal;
  /** What the call's writes came to (the call scope reports it; the deadline and an audit read it). */
  readonly writes: WriteOutcome;
  /** Trailing metadata sent with a successful answer (a staleness flag, say). */
  readonly trailers: Metadata;
  /** The caller's TLS identity (its certificate), when the connection has one. */
  authContext(): CallAuthContext;
  /** Who the call is for, once a middleware has established it (a verified token's subject, say). */
  identity: string | undefined;
  /** What the caller will be answered for `error`: toServiceError with this chain's mapping. */
  convertError(error: unknown): ConvertedError;
}

/** The rest of the chain, down to the handler. */
export type Next<Ctx> = (request: unknown, ctx: Ctx) => Promise<unknown>;

/**
 * One layer around every handler of a chain, as in nice-grpc: it may look at the request, refuse
 * (throw), extend the context the layers below see (`Ext`, added to the context it was given, in
 * place), run the rest (`next`) once or again, and look at the answer or the error. What it throws
 * is converted once, by toServiceError. Generic in the context, so a layer that needs only
 * `Needs` fits anywhere in a chain whose context has at least that.
 */
export type CallMiddleware<Ext = object, Needs extends CallContext = CallContext> = <Ctx extends Needs>(
  request: unknown,
  ctx: Ctx,
  next: Next<Ctx & Ext>,
) => Promise<unknown>;

export interface CallChainSettings {
  /** Applied when the client sent no deadline, so no call can hold a connection forever. */
  readonly defaultDeadlineMs: number;
  /**
   * How long before the transport's deadline the call answers (default 5 ms). grpc-js answers
   * DEADLINE_EXCEEDED by itself at the deadline; the chain must have said first whether a write
   * that was committing may have landed.
   */
  readonly answerMarginMs?: number;
  /** An error no table knows (a bug): logged with its stack, answered as a bare INTERNAL. */
  readonly onInternalError: (error: unknown, method: string) => void;
  /** Your domain errors' statuses and your wording (see toServiceError). */
  readonly errors?: ErrorMapping;
}

type Runner<Ctx> = (request: unknown, ctx: CallContext, handler: Next<Ctx>) => Promise<unknown>;

/**
 * The server's middleware, composed with `.use()` (outermost first) and bound to handlers with
 * `.unary()`. A chain is immutable: `.use()` returns a longer one, so a service can bind some
 * methods to a chain and others to that chain plus the call scope. The binding creates the
 * call's context (deadline, cancellation, trailers) and answers exactly once, with the chain's
 * result or its error converted by toServiceError, the one place that converts.
 */
export class CallChain<Ctx extends CallContext = CallContext> {
  readonly #settings: CallChainSettings;
  readonly #run: Runner<Ctx>;

  private constructor(settings: CallChainSettings, run: Runner<Ctx>) {
    this.#settings = settings;
    this.#run = run;
  }

  /** A chain with no middleware: handlers get the call's context and nothing else. */
  static create(settings: CallChainSettings): CallChain {
    return new CallChain<CallContext>(settings, (request, ctx, handler) => handler(request, ctx));
  }

  /** This chain with `middleware` inside it (nearer the handler than every earlier one). */
  use<Ext>(middleware: CallMiddleware<Ext, Ctx>): CallChain<Ctx & Ext> {
    const outer = this.#run;
    return new CallChain<Ctx & Ext>(this.#settings, (request, ctx, handler) =>
      outer(request, ctx, (req, c) => middleware(req, c, handler)),
    );
  }

  /** A grpc-js unary handler that runs `handler` inside this chain. */
  unary<Req, Res>(method: MethodPolicy, handler: (request: Req, ctx: Ctx) => Promise<Res>): handleUnaryCall<Req, Res> {
    // The chain passes requests on as `unknown`; this is the request grpc-js decoded for `method`.
    const serve = this.serve(method, (request, ctx) => handler(request as Req, ctx));
    return (call: ServerUnaryCall<Req, Res>, callback) => {
      void serve(grpcCallSource(call)).then((answer) =>
        answer.ok ? callback(null, answer.response, answer.trailers) : callback(answer.error),
      );
    };
  }

  /**
   * `handler` inside this chain for a call that another transport presents (NestJS's gRPC
   * transport, Connect, an HTTP route): the same context, deadline and one conversion as
   * `unary()`. The promise never rejects; it resolves to the answer to send.
   */
  serve<Res>(
    method: MethodPolicy,
    handler: (request: unknown, ctx: Ctx) => Promise<Res>,
  ): (source: CallSource) => Promise<CallAnswer<Res>> {
    // `policies.GetOrdr` (a name the proto does not have) is undefined: refuse it when binding, not per call.
    if ((method as MethodPolicy | undefined) === undefined)
      throw new TypeError('CallChain: no method policy (a method name the proto does not have?)');
    const { defaultDeadlineMs, onInternalError, errors = {}, answerMarginMs = 5 } = this.#settings;
    const convertError = (error: unknown) => toServiceError(error, errors);
    const run = this.#run;
    const inner: Next<Ctx> = handler;
    return async (source) => {
      const deadline = performance.now() + Math.max(0, remainingMs(source.deadline, defaultDeadlineMs) - answerMarginMs);
      const controller = new AbortController();
      const unsubscribe = source.onCancelled(() =>
        controller.abort(new ServerError(Status.CANCELLED, 'the call was cancelled by the client')),
      );
      const timer = setTimeout(
        () => controller.abort(new ServerError(Status.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MESSAGE)),
        Math.max(0, deadline - performance.now()),
      );
      const ctx: CallContext = {
        method,
        metadata: source.metadata,
        deadline,
        signal: controller.signal,
        writes: new WriteOutcome(),
        trailers: new Metadata(),
        authContext: source.authContext ?? (() => ({})),
        identity: undefined,
        convertError,
      };
      try {
        // What the handler returned, passed up through the middleware.
        return { ok: true, response: (await run(source.request, ctx, inner)) as Res, trailers: ctx.trailers };
      } catch (error) {
        const { serviceError, internal } = convertError(error);
        if (internal) onInternalError(error, method.name);
        return { ok: false, error: serviceError };
      } finally {
        clearTimeout(timer);
        unsubscribe();
      }
    };
  }
}

/** A grpc-js server call as `CallChain.serve` takes it (NestJS's gRPC transport hands handlers one too). */
export function grpcCallSource(call: ServerUnaryCall<unknown, unknown>): CallSource {
  return {
    request: call.request,
    deadline: call.getDeadline(),
    metadata: call.metadata,
    onCancelled: (listener) => {
      call.once('cancelled', listener);
      return () => call.removeListener('cancelled', listener);
    },
    authContext: () => call.getAuthContext(),
  };
}

/** One call as a transport presents it to `CallChain.serve`. */
export interface CallSource {
  readonly request: unknown;
  /** When the caller stops waiting (a Date or epoch ms); undefined or Infinity for no deadline. */
  readonly deadline: Date | number | undefined;
  readonly metadata: Metadata;
  /** Calls `listener` when the client cancels; returns what stops listening. */
  readonly onCancelled: (listener: () => void) => () => void;
  /** The caller's TLS identity, when the transport knows it. */
  readonly authContext?: () => CallAuthContext;
}

/** What to answer: the response and its trailers, or the status the chain converted once. */
export type CallAnswer<Res> =
  | { readonly ok: true; readonly response: Res; readonly trailers: Metadata }
  | { readonly ok: false; readonly error: Partial<ServiceError> };

function remainingMs(deadline: Date | number | undefined, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (at === undefined || !Number.isFinite(at)) return fallbackMs;
  return Math.max(0, at - Date.now());
}
