import { Writable } from 'node:stream';
import { credentials } from '@grpc/grpc-js';
import { startItemServer, type RunningItemServer } from '../src/app/startItemServer.ts';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi, type ItemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { storeServiceApi, type StoreServiceApi } from '../src/clients/StoreServiceApi.ts';
import { storeServiceClient } from '../src/clients/storeServiceClient.ts';
import { loadConfig, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/createLogger.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';

export interface TestServer extends AsyncDisposable {
  readonly server: RunningItemServer;
  readonly address: string;
  readonly api: ItemServiceApi;
  readonly stores: StoreServiceApi;
  readonly pool: ChannelPool;
  /** Every JSON log line the server wrote. */
  readonly logs: Record<string, unknown>[];
}

/** The real item server on 127.0.0.1 port 0, with a real gRPC client; everything closed on dispose. */
export async function startTestServer(database: string | DatabaseEndpoint, overrides: Partial<Config> = {}): Promise<TestServer> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // The item cache is off unless a test turns it on: the data layer's tests must reach the database.
  const config: Config = { ...loadConfig({ GRPC_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'debug', ITEM_CACHE: 'off' }), ...overrides };
  const server = await startItemServer({
    config,
    endpoint: typeof database === 'string' ? DatabaseEndpoint.parse(database) : database,
    log: createLogger(config.LOG_LEVEL, sink),
    pageTokenSecret: 'test-secret-0123456789',
  });
  const address = `127.0.0.1:${server.port}`;
  const pool = new ChannelPool({ defaultDeadlineMs: 5_000 });
  const api = itemServiceApi(itemServiceClient(pool, address, credentials.createInsecure()));
  const stores = storeServiceApi(storeServiceClient(pool, address, credentials.createInsecure()));
  return {
    server,
    address,
    api,
    stores,
    pool,
    logs,
    async [Symbol.asyncDispose]() {
      pool.close();
      await server.shutdown(2_000);
    },
  };
}
