// The transport's limit: bare grpc-js answering GetItemDetail with one fixed ItemDetail (and a
// batch with copies of it). No database, no interceptors. Prints its port on stdout.
import { Server, ServerCredentials, status as Status } from '@grpc/grpc-js';
import { ItemServiceService, type ItemDetail, type ItemServiceServer } from '../../src/generated/proto/masterdata/v1/item_service.ts';

const detail: ItemDetail = {
  tenantId: 'demo', storeCode: 'S001', itemCode: 'T00001', barcode: '4006381333931', description: 'Bench item 1', shortDescription: 'BENCH 1',
  unitPrice: '1.99', unitCost: '', taxCode: 'STD', categoryCode: 'bench', active: true, discountable: true, soldByWeight: false, minimumAge: 0,
  version: 1, createdAt: new Date(), updatedAt: new Date(),
};
const server = new Server();
const implementation: ItemServiceServer = {
  getItemDetail: (_call, callback) => callback(null, detail),
  batchGetItemDetails: (call, callback) => callback(null, { items: call.request.itemCodes.map((itemCode) => ({ ...detail, itemCode })), missingItemCodes: [] }),
  listItems: (_call, callback) => callback({ code: Status.UNIMPLEMENTED }),
  upsertItem: (_call, callback) => callback({ code: Status.UNIMPLEMENTED }),
};
server.addService(ItemServiceService, implementation);
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
process.stdout.write(`listening on 127.0.0.1:${port} \n`);
process.on('SIGTERM', () => server.forceShutdown());
