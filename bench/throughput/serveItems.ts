import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ItemServiceService, type ItemServiceServer } from '../../src/generated/proto/masterdata/v1/item_service.ts';

/**
 * A baseline server of `npm run bench:throughput`: the two lookups given (`methods`: other
 * definitions of them, a static encoder say), the rest UNIMPLEMENTED, on a free port that it
 * prints on stdout for the bench to find; stops on SIGTERM.
 */
export async function serveItems(
  lookups: Pick<ItemServiceServer, 'getItemDetail' | 'batchGetItemDetails'>,
  methods: Partial<typeof ItemServiceService> = {},
): Promise<void> {
  const server = new Server();
  // grpc-js answers UNIMPLEMENTED for every method not given: a new method needs nothing here.
  server.addService({ ...ItemServiceService, ...methods }, lookups);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  process.stdout.write(`listening on 127.0.0.1:${port} \n`);
  process.on('SIGTERM', () => server.forceShutdown());
}
