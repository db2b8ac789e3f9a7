// What a user writes without the layer: grpc-js and one global PrismaClient, `findUnique` in the
// handler, no scope, no timeouts. Prints its port on stdout. DATABASE_URL in the environment.
import { status as Status } from '@grpc/grpc-js';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { toItemDetail } from '../../src/items/itemDetail.ts';
import { serveItems } from './serveItems.ts';

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '', max: 10 }) });
await serveItems({
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
      (items) =>
        callback(null, { items: items.map(toItemDetail), missingItemCodes: itemCodes.filter((c) => !items.some((i) => i.itemCode === c)) }),
      () => callback({ code: Status.INTERNAL }),
    );
  },
});
