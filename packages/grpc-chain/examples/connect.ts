import http2 from 'node:http2';
import type { ConnectRouter } from '@connectrpc/connect';
import type { CallChain } from '@pos-masterdata/grpc-chain';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { connectCallChain } from '@pos-masterdata/grpc-chain/connect';

// The README's Connect-ES snippet, compiled: `routes` registers your services, `chain` is the quick start's.
export function connectServer(chain: CallChain, routes: (router: ConnectRouter) => void): http2.Http2Server {
  return http2.createServer(connectNodeAdapter({ routes, interceptors: [connectCallChain(chain)] }));
}
