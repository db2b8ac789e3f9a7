import type { DescService } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { CallChain, CallContext } from './CallChain.ts';
import { connectAnswer, connectSource } from './connectConversions.ts';
import { policyOf } from './methodPolicies.ts';

type UnaryImpl = (request: unknown, context: HandlerContext) => unknown;

/**
 * One Connect-ES service's implementation with every unary method inside `chain`
 * (`router.service(OrderService, connectService(chain, OrderService, impl))`): for a server
 * whose adapter's interceptors are not yours to set, or to put one service in the chain and not
 * another. The same policy, deadline (the handler context's `timeoutMs()`), metadata, trailers
 * and refusals as connectCallChain. Streaming methods are left as they are.
 */
export function connectService<S extends DescService, Ctx extends CallContext>(
  chain: CallChain<Ctx>,
  service: S,
  implementation: Partial<ServiceImpl<S>>,
): Partial<ServiceImpl<S>> {
  const wrapped: Record<string, unknown> = { ...implementation };
  for (const method of service.methods) {
    const impl = (implementation as Record<string, UnaryImpl | undefined>)[method.localName];
    if (method.methodKind !== 'unary' || !impl) continue;
    const path = `/${service.typeName}/${method.name}`;
    const policy = policyOf(path, method.name, method.idempotency);
    wrapped[method.localName] = async (request: unknown, context: HandlerContext) => {
      const timeoutMs = context.timeoutMs();
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      const answer = await chain.serve(
        policy,
        async () => await impl(request, context),
      )(connectSource(request, deadline, context.requestHeader, context.signal));
      return connectAnswer(answer, () => context.responseTrailer);
    };
  }
  return wrapped as Partial<ServiceImpl<S>>;
}
