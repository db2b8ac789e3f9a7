// The transport's limit: the leanest server grpc-js allows. GetItemDetail answers one fixed
// ItemDetail encoded once at start (a static encoder: no request decoding, no response encoding
// per call), a batch copies of it. No database, no interceptors. Prints its port on stdout.
import { ItemDetail, ItemServiceService } from '../../src/generated/proto/masterdata/v1/item_service.ts';
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
const encoded = Buffer.from(ItemDetail.encode(detail).finish());
// The method's definition with pass-through (de)serializers: the bytes go out as they are.
const staticGet = { ...ItemServiceService.getItemDetail, requestDeserialize: () => detail, responseSerialize: () => encoded };
await serveItems(
  {
    getItemDetail: (_call, callback) => callback(null, detail),
    batchGetItemDetails: (call, callback) =>
      callback(null, { items: call.request.itemCodes.map((itemCode) => ({ ...detail, itemCode })), missingItemCodes: [] }),
  },
  { getItemDetail: staticGet },
);
