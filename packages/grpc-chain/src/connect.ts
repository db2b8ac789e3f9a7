// @pos-masterdata/grpc-chain/connect: the chain for Connect-ES servers (an optional peer, @connectrpc/connect).
export { connectCallChain } from './connectCallChain.ts';
export { connectService } from './connectService.ts';
