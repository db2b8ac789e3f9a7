// The transport's limit: bare grpc-js answering GetItemDetail with one fixed ItemDetail (and a
// batch with copies of it). No database, no interceptors. Prints its port on stdout.
import type { ItemDetail } from '../../src/generated/proto/masterdata/v1/item_service.ts';
import { serveItems } from './serveItems.ts';

const detail: ItemDetail = {
  tenantId: 'demo',
  storeCode: 'S001',
  itemCode: 'T00001',
  barcode: '4006381333931',
  description: 'Bench item 1',
  shortDescription: 'BENCH 1',
  unitPrice: '1.99',
  unitCost: '',
  taxCode: 'STD',
  categoryCode: 'bench',
  active: true,
  discountable: true,
  soldByWeight: false,
  minimumAge: 0,
  version: 1,
  createdAt: new Date(),
  updatedAt: new Date(),
};
await serveItems({
  getItemDetail: (_call, callback) => callback(null, detail),
  batchGetItemDetails: (call, callback) =>
    callback(null, { items: call.request.itemCodes.map((itemCode) => ({ ...detail, itemCode })), missingItemCodes: [] }),
});
