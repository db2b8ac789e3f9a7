import { randomUUID } from 'node:crypto';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { ItemFields, UpsertItemRequest } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { serverPerFile } from '../harness/serverPerFile.ts';
import { itemFields } from '../harness/itemFields.ts';

const file = serverPerFile();

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

const fields = (over: Partial<ItemFields> = {}): ItemFields => itemFields({ unitPrice: '2.50', ...over });
const upsert = (over: Partial<UpsertItemRequest> = {}): UpsertItemRequest => ({
  tenantId: 'demo',
  storeCode: 'S001',
  itemCode: `T-${randomUUID().slice(0, 8)}`,
  requestId: randomUUID(),
  expectedVersion: 0,
  item: fields(),
  ...over,
});

describe('ItemService over real gRPC and PostgreSQL', () => {
  it('gets a seeded item with exact decimal prices', async () => {
    const item = await file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' });
    expect(item).toMatchObject({ itemCode: '4011', description: 'Bananas, loose', unitPrice: '1.99', soldByWeight: true, version: 1 });
    expect(item.createdAt).toBeInstanceOf(Date);
  });

  it('batch-gets items in request order and lists unknown codes as missing', async () => {
    const res = await file.server.api.batchGetItemDetails({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCodes: ['5003', 'nope', '4011', '4011'],
    });
    expect(res.items.map((i) => i.itemCode)).toEqual(['5003', '4011']);
    expect(res.missingItemCodes).toEqual(['nope']);
  });

  it('pages through every item exactly once in item-code order', async () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await file.server.api.listItems({ tenantId: 'demo', storeCode: 'S002', pageSize: 7, pageToken });
      seen.push(...page.items.map((i) => i.itemCode));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen).toHaveLength(20);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(20);
  });

  it('creates, replays and updates an item through UpsertItem', async () => {
    const req = upsert();
    const first = await file.server.api.upsertItem(req);
    expect(first).toMatchObject({ created: true, replayed: false, item: { version: 1, unitPrice: '2.50' } });
    const again = await file.server.api.upsertItem(req);
    expect(again).toMatchObject({ created: true, replayed: true, item: { version: 1 } });
    const updated = await file.server.api.upsertItem({
      ...req,
      requestId: randomUUID(),
      expectedVersion: 1,
      item: fields({ unitPrice: '3.10' }),
    });
    expect(updated).toMatchObject({ created: false, item: { version: 2, unitPrice: '3.10' } });
    const rows = await file.db.query('SELECT count(*)::int AS n FROM upsert_request WHERE request_id = $1', [req.requestId]);
    expect(rows[0]).toEqual({ n: 1 });
  });
});

describe('bad input gets a clear status and the server keeps serving', () => {
  const cases: [string, () => Promise<unknown>, Status, RegExp][] = [
    [
      'empty tenant',
      () => file.server.api.getItemDetail({ tenantId: '', storeCode: 'S001', itemCode: '4011' }),
      Status.INVALID_ARGUMENT,
      /tenant_id is required/,
    ],
    [
      'oversized store code',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S'.repeat(65), itemCode: '4011' }),
      Status.INVALID_ARGUMENT,
      /store_code is 65 characters long; at most 64/,
    ],
    [
      'oversized item code',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '9'.repeat(65) }),
      Status.INVALID_ARGUMENT,
      /item_code is 65 characters/,
    ],
    [
      'SQL metacharacters',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: "4011' OR '1'='1" }),
      Status.INVALID_ARGUMENT,
      /may contain only letters, digits/,
    ],
    [
      'LIKE wildcard',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '40%' }),
      Status.INVALID_ARGUMENT,
      /may contain only/,
    ],
    [
      'zero-width space',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '40\u200B11' }),
      Status.INVALID_ARGUMENT,
      /invisible/,
    ],
    [
      'bidi override',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '\u202E4011' }),
      Status.INVALID_ARGUMENT,
      /invisible/,
    ],
    [
      'NUL byte',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '40\u000011' }),
      Status.INVALID_ARGUMENT,
      /control/,
    ],
    [
      'decomposed unicode',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: 'Cafe\u0301' }),
      Status.INVALID_ARGUMENT,
      /NFC/,
    ],
    [
      'non-ASCII tenant',
      () => file.server.api.getItemDetail({ tenantId: 'démo', storeCode: 'S001', itemCode: '4011' }),
      Status.INVALID_ARGUMENT,
      /tenant_id may contain only ASCII/,
    ],
    [
      'unknown tenant',
      () => file.server.api.getItemDetail({ tenantId: 'nobody', storeCode: 'S001', itemCode: '4011' }),
      Status.NOT_FOUND,
      /store "S001" of tenant "nobody" is not registered/,
    ],
    [
      'unknown store',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S999', itemCode: '4011' }),
      Status.NOT_FOUND,
      /store "S999"/,
    ],
    [
      'unknown item',
      () => file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: 'ÄPFEL-1' }),
      Status.NOT_FOUND,
      /item "ÄPFEL-1" does not exist/,
    ],
    [
      'batch over the limit',
      () =>
        file.server.api.batchGetItemDetails({
          tenantId: 'demo',
          storeCode: 'S001',
          itemCodes: Array.from({ length: 101 }, (_, i) => `C${i}`),
        }),
      Status.INVALID_ARGUMENT,
      /at most 100 are allowed per call/,
    ],
    [
      'empty batch',
      () => file.server.api.batchGetItemDetails({ tenantId: 'demo', storeCode: 'S001', itemCodes: [] }),
      Status.INVALID_ARGUMENT,
      /item_codes is empty/,
    ],
    [
      'batch for unknown store',
      () => file.server.api.batchGetItemDetails({ tenantId: 'demo', storeCode: 'NOPE', itemCodes: ['4011'] }),
      Status.NOT_FOUND,
      /not registered/,
    ],
    [
      'page size over the limit',
      () => file.server.api.listItems({ tenantId: 'demo', storeCode: 'S001', pageSize: 501, pageToken: '' }),
      Status.INVALID_ARGUMENT,
      /page_size is 501; at most 500/,
    ],
    [
      'garbage page token',
      () => file.server.api.listItems({ tenantId: 'demo', storeCode: 'S001', pageSize: 5, pageToken: 'abc' }),
      Status.INVALID_ARGUMENT,
      /page_token is not valid/,
    ],
    [
      'list of unknown store',
      () => file.server.api.listItems({ tenantId: 'demo', storeCode: 'NOPE', pageSize: 5, pageToken: '' }),
      Status.NOT_FOUND,
      /not registered/,
    ],
    [
      'upsert without request id',
      () => file.server.api.upsertItem(upsert({ requestId: '' })),
      Status.INVALID_ARGUMENT,
      /request_id is required/,
    ],
    [
      'upsert with bad price',
      () => file.server.api.upsertItem(upsert({ item: fields({ unitPrice: '1e9' }) })),
      Status.INVALID_ARGUMENT,
      /unit_price must be a non-negative decimal/,
    ],
    [
      'upsert with negative price',
      () => file.server.api.upsertItem(upsert({ item: fields({ unitPrice: '-1.00' }) })),
      Status.INVALID_ARGUMENT,
      /unit_price/,
    ],
    [
      'upsert with oversized description',
      () => file.server.api.upsertItem(upsert({ item: fields({ description: 'x'.repeat(257) }) })),
      Status.INVALID_ARGUMENT,
      /description is 257 characters long/,
    ],
    [
      'upsert with no fields',
      () => file.server.api.upsertItem({ ...upsert(), item: undefined }),
      Status.INVALID_ARGUMENT,
      /item is required/,
    ],
    ['upsert into unknown store', () => file.server.api.upsertItem(upsert({ storeCode: 'S404' })), Status.NOT_FOUND, /store "S404"/],
    [
      'upsert with stale version',
      () => file.server.api.upsertItem(upsert({ itemCode: '4011', expectedVersion: 7 })),
      Status.ABORTED,
      /is at version 1, not 7/,
    ],
  ];

  it.each(cases)('%s', async (_name, call, code, message) => {
    const err = await failure(call());
    expect(err.code).toBe(code);
    expect(err.details).toMatch(message);
    expect(err.details).not.toMatch(/SELECT|INSERT|postgres|password|\n\s+at /i);
  });

  it('rejects a page token that was tampered with or issued for another store', async () => {
    const page = await file.server.api.listItems({ tenantId: 'demo', storeCode: 'S001', pageSize: 2, pageToken: '' });
    const [body = '', mac = ''] = page.nextPageToken.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, t: 'demo', s: 'S001', a: '0' })).toString('base64url');
    for (const token of [`${forged}.${mac}`, `${body}.${mac.slice(0, -2)}xx`]) {
      const err = await failure(file.server.api.listItems({ tenantId: 'demo', storeCode: 'S001', pageSize: 2, pageToken: token }));
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
    }
    const other = await failure(
      file.server.api.listItems({ tenantId: 'demo', storeCode: 'S002', pageSize: 2, pageToken: page.nextPageToken }),
    );
    expect(other.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('rejects a request_id reused for different content and keeps the stored item', async () => {
    const req = upsert();
    await file.server.api.upsertItem(req);
    const err = await failure(file.server.api.upsertItem({ ...req, item: fields({ unitPrice: '99.00' }) }));
    expect(err.code).toBe(Status.FAILED_PRECONDITION);
    const stored = await file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: req.itemCode });
    expect(stored.unitPrice).toBe('2.50');
  });

  it('refuses a message over the receive limit (64 KiB) with RESOURCE_EXHAUSTED', async () => {
    const err = await failure(file.server.api.upsertItem(upsert({ item: fields({ description: 'x'.repeat(2 * 1024 * 1024) }) })));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
  });

  it('still serves after all of the above', async () => {
    await expect(file.server.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '1001' })).resolves.toMatchObject({
      barcode: '4006381333931',
    });
  });

  it('writes one log line per call with method, status, duration and tenant', () => {
    const calls = file.server.logs.filter((l) => l.msg === 'call');
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.find((l) => l.code === 'NOT_FOUND')).toMatchObject({
      method: '/masterdata.v1.ItemService/GetItemDetail',
      tenant: 'nobody',
      durationMs: expect.any(Number) as number,
    });
    expect(JSON.stringify(file.server.logs)).not.toContain(file.db.url());
  });
});
