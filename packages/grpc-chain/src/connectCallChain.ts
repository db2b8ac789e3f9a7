import type { Interceptor } from '@connectrpc/connect';
import type { CallChain, CallContext } from './CallChain.ts';
import { connectAnswer, connectSource, deadlineOf } from './connectConversions.ts';
import { policyOf, type MethodPolicy } from './methodPolicies.ts';

/**
 * A Connect-ES interceptor (`connectNodeAdapter({ routes, interceptors: [connectCallChain(chain)] })`)
 * that runs every unary Connect handler inside `chain`: the same call scope, deadline, policy
 * from the proto's `idempotency_level` (`DescMethod.idempotency`) and one status boundary as a
 * grpc-js server, over gRPC, gRPC-Web and the Connect protocol alike. The chain's trailers are
 * the response's trailers; a refusal is a ConnectError with the chain's code, message and
 * metadata (the retry pushback). Streaming calls pass through untouched.
 */
export function connectCallChain<Ctx extends CallContext>(chain: CallChain<Ctx>): Interceptor {
  const policies = new Map<string, MethodPolicy>();
  return (next) => async (req) => {
    if (req.stream) return next(req);
    const path = `/${req.service.typeName}/${req.method.name}`;
    let method = policies.get(path);
    if (!method) policies.set(path, (method = policyOf(path, req.method.name, req.method.idempotency)));
    const answer = await chain.serve(method, () => next(req))(
      connectSource(req.message, deadlineOf(req.header, Date.now()), req.header, req.signal),
    );
    return connectAnswer(answer, (response) => response.trailer);
  };
}
