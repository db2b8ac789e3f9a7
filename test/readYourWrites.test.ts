import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { ChannelPool, ReadAfterSession } from '@pos-masterdata/channel-pool';
import type { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { DatabaseEndpoint, decodeReadAfter, encodeReadAfter } from '@pos-masterdata/resilient-prisma';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemFields } from '../harness/itemFields.ts';
import { startSeededCluster } from '../harness/clusterPerFile.ts';
import { sleep } from '../harness/runLoad.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { itemServiceApi, type ItemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { ItemServiceClient } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { READ_AFTER_KEY } from '../src/grpc/readAfterKey.ts';

// A primary and a streaming standby of its own, whose replay the test pauses: plain reads there
// are as old as the test wants. Two instances of the service, both reading from the standby and
// caching; a till's session writes through A and reads through B.
let primary: PostgresCluster;
let standby: PostgresCluster;
let a: TestServer;
let b: TestServer;
const pool = new ChannelPool({ defaultDeadlineMs: 5_000 });
const run = promisify(execFile);
const PYTHON = process.env.PYTHON_GRPC ?? '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../clients/python/', import.meta.url));
// In CI (.ci/run installs python3-grpcio) it must run; elsewhere only where it can.
const python =
  Boolean(process.env.CI) ||
  (await run(PYTHON, ['-c', 'import grpc, grpc_tools']).then(
    () => true,
    () => false,
  ));

const instance = (url: string, readUrl: string) =>
  startTestServer(url, {
    DATABASE_READ_URL: DatabaseEndpoint.parse(readUrl),
    // The paused standby stays in the read rotation: its lag bound is far away.
    DB_MAX_REPLICA_LAG_MS: 600_000,
    DB_REPLICA_CHECK_INTERVAL_MS: 200,
    ITEM_CACHE: true,
    LOG_LEVEL: 'info',
  });

beforeAll(async () => {
  primary = await startSeededCluster();
  standby = await primary.startStandby();
  a = await instance(primary.url(), standby.url());
  b = await instance(primary.url(), standby.url());
});
afterAll(async () => {
  pool.close();
  await a[Symbol.asyncDispose]();
  await b[Symbol.asyncDispose]();
  await standby[Symbol.asyncDispose]();
  await primary[Symbol.asyncDispose]();
});

const through = (t: TestServer, session?: ReadAfterSession): ItemServiceApi =>
  itemServiceApi(
    pool.client(ItemServiceClient, t.address, credentials.createInsecure(), session ? { interceptors: [session.interceptor] } : {}),
  );
const key = { tenantId: 'demo', storeCode: 'S001' };
/** The item's price as ListItems pages show it. */
async function listed(api: ItemServiceApi, itemCode: string): Promise<string | undefined> {
  let pageToken = '';
  do {
    const page = await api.listItems({ ...key, pageSize: 500, pageToken });
    const found = page.items.find((d) => d.itemCode === itemCode);
    if (found) return found.unitPrice;
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return undefined;
}

describe('read-your-writes across instances and a lagging standby (x-masterdata-read-after)', () => {
  it('a read with the token of a write made through another instance answers the new value every time; without it, the old one', async () => {
    const itemCode = `RYW-${randomUUID().slice(0, 8)}`;
    const till = new ReadAfterSession(READ_AFTER_KEY);
    const writeA = through(a, till);
    const readB = through(b, till);
    const plainB = through(b);
    let version =
      (await writeA.upsertItem({ ...key, itemCode, requestId: randomUUID(), expectedVersion: 0, item: itemFields({ unitPrice: '1.00' }) }))
        .item?.version ?? 0;
    // B has read (and cached) the item as the standby has it, before the standby stops replaying.
    while ((await plainB.getItemDetail({ ...key, itemCode }).catch(() => undefined)) === undefined) await sleep(20);
    // Both instances read there before it stops replaying (it has replayed a transaction, so its lag is known).
    const inRotation = (t: TestServer) => t.server.db.replicas?.statuses.some((h) => h.role === 'standby' && h.exclusion === undefined);
    while (!inRotation(a) || !inRotation(b)) await sleep(20);
    await standby.pauseReplay();

    const rounds = 15;
    const seen = { withToken: [] as string[], withoutToken: [] as string[], listed: [] as string[], batch: [] as string[] };
    for (let i = 0; i < rounds; i++) {
      const price = `${String(i + 2)}.00`;
      const written = await writeA.upsertItem({
        ...key,
        itemCode,
        requestId: randomUUID(),
        expectedVersion: version,
        item: itemFields({ unitPrice: price }),
      });
      version = written.item?.version ?? version;
      expect(decodeReadAfter(till.token ?? '')?.lsn).toBeGreaterThan(0n);
      // First as a caller without the token would read (the standby, or B's cache): then with it.
      seen.withoutToken.push((await plainB.getItemDetail({ ...key, itemCode })).unitPrice === price ? 'new' : 'old');
      seen.withToken.push((await readB.getItemDetail({ ...key, itemCode })).unitPrice === price ? 'new' : 'old');
      seen.batch.push(
        (await readB.batchGetItemDetails({ ...key, itemCodes: [itemCode, '4011'] })).items.find((d) => d.itemCode === itemCode)
          ?.unitPrice === price
          ? 'new'
          : 'old',
      );
      seen.listed.push((await listed(readB, itemCode)) === price ? 'new' : 'old');
    }
    const news = (xs: string[]) => xs.filter((x) => x === 'new').length;
    console.log(
      `read-your-writes, ${String(rounds)} writes through A, reads through B: with the token ${String(news(seen.withToken))} new; without it ${String(news(seen.withoutToken))} new`,
    );
    expect(news(seen.withToken)).toBe(rounds);
    expect(news(seen.batch)).toBe(rounds);
    expect(news(seen.listed)).toBe(rounds);
    // The standby replays nothing, so what B answers without a token comes from there: old.
    expect(news(seen.withoutToken)).toBe(0);
    // The same from Python (clients/python), a session of its own, while the standby still lags.
    if (python) {
      await run(PYTHON, [`${CLIENT}generate.py`]);
      const { stdout } = await run(PYTHON, [`${CLIENT}read_your_writes.py`, a.address, b.address, itemCode, '5'], { timeout: 60_000 });
      expect(JSON.parse(stdout)).toMatchObject({ rounds: 5, with_token: 5, without_token: 0, token_held: true, channels_created: 2 });
      version = (await plainB.getItemDetail({ ...key, itemCode })).version;
    }
    await standby.resumeReplay();

    // What it costs while the standby keeps up: a token names a position newer than the standby's
    // last measured replay until the next measurement (every 200 ms here), so reads right after a
    // write fall back to the writer. Counted, not asserted.
    const routed = { standby: 0, writer: 0 };
    const count = (e: { readAfter: boolean; replica: boolean }) => {
      if (e.readAfter) routed[e.replica ? 'standby' : 'writer'] += 1;
    };
    b.server.db.events.on('routed', count);
    for (let i = 0; i < rounds; i++) {
      const written = await writeA.upsertItem({
        ...key,
        itemCode,
        requestId: randomUUID(),
        expectedVersion: version,
        item: itemFields({ unitPrice: '9.99' }),
      });
      version = written.item?.version ?? version;
      for (const delayMs of [0, 100, 300]) {
        await sleep(delayMs);
        expect((await readB.listItems({ ...key, pageSize: 1, pageToken: '' })).items).toHaveLength(1);
      }
    }
    b.server.db.events.off('routed', count);
    console.log(
      `token reads at 0, 100 and 300 ms after a write, replay running: ${String(routed.standby)} on the standby, ${String(routed.writer)} on the writer`,
    );
    expect(routed.standby + routed.writer).toBe(rounds * 3);
  });

  it('a token of another cluster, or no token at all, is ignored with a log line; the read is answered as without one', async () => {
    const api = through(a);
    const { Metadata } = await import('@grpc/grpc-js');
    for (const token of [encodeReadAfter({ cluster: '1', lsn: 1n << 40n }), 'not-a-token']) {
      const metadata = new Metadata();
      metadata.set(READ_AFTER_KEY, token);
      expect((await api.getItemDetail({ ...key, itemCode: '4011' }, { metadata })).itemCode).toBe('4011');
    }
    const ignored = a.logs.filter((l) => l.event === 'read_after_ignored').map((l) => l.reason);
    expect(ignored).toEqual(expect.arrayContaining(['other-cluster', 'malformed']));
  });
});
