import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { itemFields } from '../harness/itemFields.ts';

// The store API on a database with no demo data: a fresh deployment must be usable through gRPC alone.
let db: TestDatabase;
let t: TestServer;

beforeAll(async () => {
  db = await TestDatabase.create({ seed: false });
  t = await startTestServer(db.url());
});
afterAll(async () => {
  await t[Symbol.asyncDispose]();
  await db[Symbol.asyncDispose]();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as ServiceError,
  );
const store = (over: Record<string, string> = {}) => ({
  tenantId: 'acme',
  storeCode: `S-${randomUUID().slice(0, 8)}`,
  name: 'Acme High Street',
  currency: 'EUR',
  requestId: randomUUID(),
  ...over,
});
const item = itemFields({ description: 'Tea', shortDescription: 'TEA', unitPrice: '2.50' });

/** Creates item TEA-1 (the `item` above) in an acme store. */
const addTea = (storeCode: string) =>
  t.api.upsertItem({ tenantId: 'acme', storeCode, itemCode: 'TEA-1', requestId: randomUUID(), expectedVersion: 0, item });

describe('StoreService', () => {
  it('registers a store on an empty database, after which items can be stored in it and read back', async () => {
    const req = store();
    const created = await t.stores.upsertStore(req);
    expect(created).toMatchObject({
      created: true,
      replayed: false,
      store: { tenantId: 'acme', storeCode: req.storeCode, name: 'Acme High Street', currency: 'EUR' },
    });
    expect(await t.stores.getStore({ tenantId: 'acme', storeCode: req.storeCode })).toMatchObject({
      name: 'Acme High Street',
      currency: 'EUR',
    });
    await addTea(req.storeCode);
    expect(await t.api.getItemDetail({ tenantId: 'acme', storeCode: req.storeCode, itemCode: 'TEA-1' })).toMatchObject({
      unitPrice: '2.50',
    });
  });

  it('replays a repeated request_id with the original answer, refuses it for other content, and renames with a new one', async () => {
    const req = store();
    await t.stores.upsertStore(req);
    expect(await t.stores.upsertStore(req)).toMatchObject({ created: true, replayed: true });
    const reused = await failure(t.stores.upsertStore({ ...req, name: 'Another name' }));
    expect(reused.code).toBe(Status.FAILED_PRECONDITION);
    expect(reused.details).toMatch(/request_id .* already used/);
    expect(await t.stores.upsertStore({ ...req, name: 'Renamed', requestId: randomUUID() })).toMatchObject({
      created: false,
      replayed: false,
      store: { name: 'Renamed' },
    });
  });

  it('changes the currency of a store without items, never of a store whose items are priced in it', async () => {
    const req = store();
    await t.stores.upsertStore(req);
    expect((await t.stores.upsertStore({ ...req, currency: 'GBP', requestId: randomUUID() })).store?.currency).toBe('GBP');
    await addTea(req.storeCode);
    const refused = await failure(t.stores.upsertStore({ ...req, currency: 'USD', requestId: randomUUID() }));
    expect(refused.code).toBe(Status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/priced in GBP/);
    expect((await t.stores.getStore({ tenantId: 'acme', storeCode: req.storeCode })).currency).toBe('GBP');
  });

  it('answers bad input with INVALID_ARGUMENT naming every field, and an unknown store with NOT_FOUND', async () => {
    const bad = await failure(t.stores.upsertStore(store({ tenantId: 'a b', name: '', currency: 'eur', requestId: 'short' })));
    expect(bad.code).toBe(Status.INVALID_ARGUMENT);
    for (const field of ['tenant_id', 'name', 'currency', 'request_id']) expect(bad.details).toContain(field);
    const missing = await failure(t.stores.getStore({ tenantId: 'acme', storeCode: 'NOPE' }));
    expect(missing.code).toBe(Status.NOT_FOUND);
    expect(missing.details).toMatch(/store "NOPE" of tenant "acme" is not registered/);
  });

  it("lists one tenant's stores in store-code order, each exactly once, with a token that is no good for another tenant", async () => {
    for (let i = 0; i < 5; i += 1) await t.stores.upsertStore(store({ tenantId: 'lister', storeCode: `L${String(i)}` }));
    await t.stores.upsertStore(store({ tenantId: 'other' }));
    const seen: string[] = [];
    let pageToken = '';
    let first = '';
    do {
      const page = await t.stores.listStores({ tenantId: 'lister', pageSize: 2, pageToken });
      seen.push(...page.stores.map((s) => s.storeCode));
      if (first === '') first = page.nextPageToken;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
    expect((await failure(t.stores.listStores({ tenantId: 'other', pageSize: 2, pageToken: first }))).code).toBe(Status.INVALID_ARGUMENT);
  });

  it('is in the CLI: npm run item -- store-upsert, store and stores', async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['src/cli/itemCli.ts', '--addr', t.address, ...args]);
    const created = JSON.parse((await run('store-upsert', 'cli', 'C1', '--name', 'From the CLI', '--currency', 'CHF')).stdout) as {
      created: boolean;
    };
    expect(created.created).toBe(true);
    expect(JSON.parse((await run('store', 'cli', 'C1')).stdout)).toMatchObject({ name: 'From the CLI', currency: 'CHF' });
    expect(JSON.parse((await run('stores', 'cli')).stdout)).toMatchObject({ stores: [{ storeCode: 'C1' }] });
  });
});
