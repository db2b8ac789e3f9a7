import { connectivityState } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createCartServer } from '../src/cart/createCartServer.ts';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { postCartQuote } from '../harness/cartQuote.ts';

async function cartFor(target: string, pool: ChannelPool, itemTimeoutMs = 1_000) {
  return createCartServer({
    itemClient: () => itemServiceApi(itemServiceClient(pool, target)),
    itemTimeoutMs,
    channelStats: () => pool.stats(target),
    onClose: () => pool.close(),
  });
}

describe("cart consumer with request-scoped repositories (the incident's shape)", () => {
  it('200 requests from 3 concurrent users create exactly one channel, and shutdown closes it', async () => {
    await using db = await TestDatabase.create();
    await using items = await startTestServer(db.url());
    const pool = new ChannelPool();
    const cart = await cartFor(items.address, pool);
    const codes = ['4011', '1001', '2001', '5003'];
    let ok = 0;
    await Promise.all(
      [0, 1, 2].map(async (user) => {
        for (let i = user; i < 200; i += 3) {
          const res =
            i % 2 === 0
              ? await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S001/${codes[i % 4] ?? '4011'}`)
              : await postCartQuote(cart.port, [
                  { itemCode: '4011', quantity: 2 },
                  { itemCode: '5003', quantity: 1 },
                ]);
          if (res.status === 200) ok += 1;
        }
      }),
    );
    expect(ok).toBe(200);
    expect(pool.stats(items.address)).toEqual({ created: 1, reused: 199, live: 1, calls: 200 });
    const channel = pool.channel(items.address);
    await cart.close();
    expect(pool.stats(items.address).live).toBe(0);
    expect(channel.getConnectivityState(false)).toBe(connectivityState.SHUTDOWN);
  });

  it('prices a cart exactly and answers bad input with 400/404', async () => {
    await using db = await TestDatabase.create();
    await using items = await startTestServer(db.url());
    const pool = new ChannelPool();
    const cart = await cartFor(items.address, pool);
    const quote = (await (
      await postCartQuote(cart.port, [
        { itemCode: '4011', quantity: 3 },
        { itemCode: 'NOPE', quantity: 1 },
      ])
    ).json()) as Record<string, unknown>;
    expect(quote).toMatchObject({ total: '5.97', missing: ['NOPE'] });
    expect((await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S404/4011`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S001/a'b`)).status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${cart.port}/v1/carts/quote`, { method: 'POST', body: '{' })).status).toBe(400);
    await cart.close();
  });

  it('a dead item server gives a clear 503 within the deadline, and the pool recovers when it returns', async () => {
    await using db = await TestDatabase.create();
    const first = await startTestServer(db.url());
    const target = first.address;
    const port = first.server.port;
    const pool = new ChannelPool();
    const cart = await cartFor(target, pool, 800);
    expect((await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S001/4011`)).status).toBe(200);
    await first[Symbol.asyncDispose]();

    const t0 = performance.now();
    const down = await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S001/4011`);
    const elapsed = performance.now() - t0;
    expect(down.status).toBeGreaterThanOrEqual(503);
    expect(await down.json()).toMatchObject({ error: 'the item service is unavailable; try again shortly' });
    expect(elapsed).toBeLessThan(800 + 300);

    await using again = await startTestServer(db.url(), { GRPC_PORT: port });
    expect(again.server.port).toBe(port);
    let recoveredAfter = Number.NaN;
    const t1 = performance.now();
    while (performance.now() - t1 < 10_000) {
      if ((await fetch(`http://127.0.0.1:${cart.port}/v1/items/demo/S001/4011`)).status === 200) {
        recoveredAfter = performance.now() - t1;
        break;
      }
      await sleep(100);
    }
    expect(recoveredAfter).toBeLessThan(6_000);
    expect(pool.stats(target).created).toBe(1);
    await cart.close();
  });
});
