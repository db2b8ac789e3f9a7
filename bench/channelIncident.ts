// npm run bench:channels — the cart incident, reproduced: a cart service whose handlers build
// request-scoped clients, driven by 1 and then 3 users for a fixed time, with a channel per
// request (the incident) and with the ChannelPool, side by side in one run, over plaintext and
// over TLS (which inter-service traffic uses in production). Prints numbers, asserts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createCartServer } from '../src/cart/createCartServer.ts';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi, type ItemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { ItemServiceClient } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { freePort } from '@pos-masterdata/failover-testkit';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { postCartQuote } from '../harness/cartQuote.ts';
import { makeCertificates } from '../harness/tlsCertificates.ts';
import { fmt, percentiles, table } from './stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
await using db = await TestDatabase.create();

const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
const certs = await makeCertificates(dir);

/** The item service in its own process, as in production. */
async function startItemService(tls: boolean): Promise<{ target: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url(),
      GRPC_PORT: String(port),
      METRICS_PORT: 'off',
      LOG_LEVEL: 'warn',
      ...(tls ? { GRPC_TLS_CERT_FILE: certs.serverCert, GRPC_TLS_KEY_FILE: certs.serverKey } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stderr?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`item service exited with ${String(code)}`)));
  });
  return { target: `127.0.0.1:${port}`, proc };
}

interface Factory {
  client: () => ItemServiceApi;
  channels: () => number;
  close: () => void;
}
type Variant = readonly [name: string, make: (target: string, ca: Buffer | undefined) => Factory];

const perRequest =
  (options: Record<string, number>) =>
  (target: string, ca: Buffer | undefined): Factory => {
    let created = 0;
    return {
      // The incident: each request builds its repository, and with it new credentials, a new client and channel.
      client: () => {
        created += 1;
        return itemServiceApi(new ItemServiceClient(target, ca ? credentials.createSsl(ca) : credentials.createInsecure(), options));
      },
      channels: () => created,
      close: () => undefined,
    };
  };

const variants: Variant[] = [
  ['channel per request, own connection (the incident)', perRequest({ 'grpc.use_local_subchannel_pool': 1 })],
  ['channel per request, grpc-js shared subchannels', perRequest({})],
  [
    'ChannelPool (one channel per target)',
    (target, ca) => {
      const pool = new ChannelPool();
      // Request-scoped code hands the pool fresh (but equal) TLS material every time.
      const client = () => itemServiceApi(itemServiceClient(pool, target, ca ? { rootCerts: Buffer.from(ca) } : 'insecure'));
      return { client, channels: () => pool.stats(target).created, close: () => pool.close() };
    },
  ],
];

const rows: (string | number)[][] = [];
for (const tls of [false, true]) {
  const item = await startItemService(tls);
  const ca = tls ? readFileSync(certs.ca) : undefined;
  for (const users of [1, 3]) {
    for (const [name, make] of variants) {
      const factory = make(item.target, ca);
      const cart = await createCartServer({ itemClient: factory.client, itemTimeoutMs: 2_000 });
      const latencies: number[] = [];
      let errors = 0;
      const stopAt = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: users }, async () => {
          while (performance.now() < stopAt) {
            const t0 = performance.now();
            const res = await postCartQuote(cart.port, [
              { itemCode: '4011', quantity: 2 },
              { itemCode: '1001', quantity: 1 },
            ]);
            await res.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (res.status !== 200) errors += 1;
          }
        }),
      );
      await cart.close();
      factory.close();
      const p = percentiles(latencies);
      rows.push([tls ? 'TLS' : 'plaintext', users, name, latencies.length, errors, factory.channels(), fmt(p.p50), fmt(p.p99), fmt(p.max)]);
    }
  }
  item.proc.kill('SIGTERM');
}
console.log(
  `\nCart quotes through a cart service with request-scoped repositories, ${SECONDS} s per row, item service in its own process; node ${process.version}, ${new Date().toISOString()}\n`,
);
console.log(
  table(['transport', 'users', 'item-service client', 'requests', 'errors', 'channels created', 'p50 ms', 'p99 ms', 'max ms'], rows),
);
