// The downstream service (pricing), plain grpc-js in its own process: `node dist/pricingServer.js`.
// Prints `listening <port>`; counts the distinct connections (peers) that called it, and prints
// them as JSON on SIGTERM.
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { PricingClient } from './protos';

const peers = new Set<string>();
let calls = 0;
const seen = (peer: string) => {
  peers.add(peer);
  calls += 1;
};
const server = new Server();
server.addService(PricingClient.service, {
  GetPrice: (call: { request: { sku: string }; getPeer(): string }, callback: (e: null, r: object) => void) => {
    seen(call.getPeer());
    callback(null, { sku: call.request.sku, cents: 100 + (call.request.sku.length % 7) });
  },
} as UntypedServiceImplementation);
server.addService(
  healthService as unknown as ServiceDefinition,
  {
    Check: (call: { getPeer(): string }, callback: (e: null, r: object) => void) => {
      seen(call.getPeer());
      callback(null, { status: 'SERVING' });
    },
  } as UntypedServiceImplementation,
);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(`listening ${port}`);
});
process.once('SIGTERM', () => {
  console.log(JSON.stringify({ peers: peers.size, calls }));
  server.forceShutdown();
  process.exit(0);
});
