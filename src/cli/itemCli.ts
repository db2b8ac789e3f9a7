// `npm run item -- <command> ...`: look items up without writing code.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../clients/ItemServiceApi.ts';
import { itemServiceClient } from '../clients/itemServiceClient.ts';
import { storeServiceApi } from '../clients/StoreServiceApi.ts';
import { storeServiceClient } from '../clients/storeServiceClient.ts';
import { loadClientConfig } from '../config/config.ts';
import { loadOrExit } from '../config/loadOrExit.ts';

const USAGE = `usage: npm run item -- [--addr host:port] <command>
  get    <tenant> <store> <item_code>            one item
  batch  <tenant> <store> <item_code>...         several items; unknown codes are listed as missing
  list   <tenant> <store> [page_size] [token]    a page of items in item-code order
  upsert <tenant> <store> <item_code> --description TEXT --short TEXT --price 1.99 --tax STD [--request-id ID]
  store-upsert <tenant> <store> --name TEXT --currency EUR [--request-id ID]   register or rename a store
  store  <tenant> <store>                        one store
  stores <tenant> [page_size] [token]            a page of the tenant's stores in store-code order
default address: $ITEM_SERVICE_ADDR or 127.0.0.1:50051`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    addr: { type: 'string' },
    description: { type: 'string' },
    short: { type: 'string' },
    price: { type: 'string' },
    tax: { type: 'string' },
    'request-id': { type: 'string' },
    name: { type: 'string' },
    currency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, tenantId = '', storeCode = '', ...rest] = positionals;
if (values.help || command === undefined) {
  console.log(USAGE);
  process.exit(command === undefined && !values.help ? 2 : 0);
}

const pool = new ChannelPool({ defaultDeadlineMs: 5_000 });
const target = values.addr ?? loadOrExit(loadClientConfig, process.env).ITEM_SERVICE_ADDR;
const api = itemServiceApi(itemServiceClient(pool, target));
const storesApi = storeServiceApi(storeServiceClient(pool, target));

try {
  let result: unknown;
  switch (command) {
    case 'get':
      result = await api.getItemDetail({ tenantId, storeCode, itemCode: rest[0] ?? '' });
      break;
    case 'batch':
      result = await api.batchGetItemDetails({ tenantId, storeCode, itemCodes: rest });
      break;
    case 'list':
      result = await api.listItems({ tenantId, storeCode, pageSize: Number(rest[0] ?? 0), pageToken: rest[1] ?? '' });
      break;
    case 'upsert':
      result = await api.upsertItem({
        tenantId,
        storeCode,
        itemCode: rest[0] ?? '',
        requestId: values['request-id'] ?? randomUUID(),
        expectedVersion: 0,
        item: {
          barcode: '',
          description: values.description ?? '',
          shortDescription: values.short ?? '',
          unitPrice: values.price ?? '',
          unitCost: '',
          taxCode: values.tax ?? '',
          categoryCode: '',
          active: true,
          discountable: true,
          soldByWeight: false,
          minimumAge: 0,
        },
      });
      break;
    case 'store-upsert':
      result = await storesApi.upsertStore({
        tenantId,
        storeCode,
        name: values.name ?? '',
        currency: values.currency ?? '',
        requestId: values['request-id'] ?? randomUUID(),
      });
      break;
    case 'store':
      result = await storesApi.getStore({ tenantId, storeCode });
      break;
    case 'stores':
      // `stores <tenant> [page_size] [token]`: the second positional is the page size here.
      result = await storesApi.listStores({ tenantId, pageSize: Number(storeCode || 0), pageToken: rest[0] ?? '' });
      break;
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
  if (result !== undefined) console.log(JSON.stringify(result, null, 2));
} catch (error) {
  const e = error as Partial<ServiceError>;
  console.error(`${e.code === undefined ? 'ERROR' : Status[e.code]}: ${e.details ?? String(error)}`);
  process.exitCode = 1;
} finally {
  pool.close();
}
