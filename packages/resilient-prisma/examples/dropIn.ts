import { attachLogger, resilientPg } from '@pos-masterdata/resilient-prisma';
import { PrismaClient } from './generated/prisma/client.js';

// The one-line change: the same PrismaClient, over an adapter that finds the writer among the
// hosts, classifies failures, caps connections and rebuilds its pool once per incident.
const adapter = resilientPg({ endpoint: 'postgresql://app@db1,db2/orders', applicationName: 'orders', max: 6 });
attachLogger(adapter, console); // console fits: debug, info, warn and error(fields, message)
const prisma = new PrismaClient({ adapter });
console.log(await prisma.order.count());
await prisma.$disconnect();
await adapter.close();
