// What a user writes without the layer: grpc-js and one global PrismaClient, `findUnique` in the
// handler, no scope, no timeouts. Prints its port on stdout. DATABASE_URL in the environment.
import { Server, ServerCredentials, status as Status } from '@grpc/grpc-js';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { ItemServiceService, type ItemServiceServer } from '../../src/generated/proto/masterdata/v1/item_service.ts';
import { toItemDetail } from '../../src/items/itemDetail.ts';

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '', max: 10 }) });
const server = new Server();
const implementation: ItemServiceServer = {
  getItemDetail: (call, callback) => {
    const { tenantId, storeCode, itemCode } = call.request;
    prisma.item.findUnique({ where: { tenantId_storeCode_itemCode: { tenantId, storeCode, itemCode } } }).then(
      (item) => (item ? callback(null, toItemDetail(item)) : callback({ code: Status.NOT_FOUND })),
      () => callback({ code: Status.INTERNAL }),
    );
  },
  batchGetItemDetails: (call, callback) => {
    const { tenantId, storeCode, itemCodes } = call.request;
    prisma.item.findMany({ where: { tenantId, storeCode, itemCode: { in: itemCodes } } }).then(
      (items) => callback(null, { items: items.map(toItemDetail), missingItemCodes: itemCodes.filter((c) => !items.some((i) => i.itemCode === c)) }),
      () => callback({ code: Status.INTERNAL }),
    );
  },
  listItems: (_call, callback) => callback({ code: Status.UNIMPLEMENTED }),
  upsertItem: (_call, callback) => callback({ code: Status.UNIMPLEMENTED }),
};
server.addService(ItemServiceService, implementation);
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
process.stdout.write(`listening on 127.0.0.1:${port} \n`);
process.on('SIGTERM', () => server.forceShutdown());
