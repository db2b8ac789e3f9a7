import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { writerUrl } from '@pos-masterdata/resilient-prisma';

export const DEMO_TENANT = 'demo';

type DemoItem = [
  code: string,
  description: string,
  short: string,
  price: string,
  tax: string,
  category: string,
  extra?: { weighed?: boolean; age?: number; barcode?: string },
];

const ITEMS: DemoItem[] = [
  ['4011', 'Bananas, loose', 'BANANAS', '1.99', 'FOOD', 'produce', { weighed: true }],
  ['4131', 'Apples Fuji, loose', 'FUJI APPLES', '3.49', 'FOOD', 'produce', { weighed: true }],
  ['4664', 'Tomatoes on the vine', 'TOMATOES VINE', '2.99', 'FOOD', 'produce', { weighed: true }],
  ['1001', 'Whole milk 1 l', 'MILK 1L', '1.15', 'FOOD', 'dairy', { barcode: '4006381333931' }],
  ['1002', 'Butter unsalted 250 g', 'BUTTER 250G', '2.79', 'FOOD', 'dairy'],
  ['1003', 'Greek yoghurt 500 g', 'YOGHURT GREEK', '2.29', 'FOOD', 'dairy'],
  ['1004', 'Cheddar mature 400 g', 'CHEDDAR 400G', '4.99', 'FOOD', 'dairy'],
  ['2001', 'Sourdough loaf', 'SOURDOUGH', '3.80', 'FOOD', 'bakery'],
  ['2002', 'Croissant', 'CROISSANT', '0.95', 'FOOD', 'bakery'],
  ['3001', 'Spaghetti 500 g', 'SPAGHETTI', '1.29', 'FOOD', 'dry-goods'],
  ['3002', 'Basmati rice 1 kg', 'BASMATI 1KG', '2.49', 'FOOD', 'dry-goods'],
  ['3003', 'Olive oil extra virgin 750 ml', 'OLIVE OIL', '7.99', 'FOOD', 'dry-goods'],
  ['5001', 'Sparkling water 1.5 l', 'SPARKLING 1.5L', '0.69', 'STD', 'drinks'],
  ['5002', 'Orange juice 1 l', 'OJ 1L', '2.19', 'STD', 'drinks'],
  ['5003', 'Red wine Rioja 750 ml', 'RIOJA 75CL', '9.99', 'ALC', 'drinks', { age: 18 }],
  ['5004', 'Lager 6 x 330 ml', 'LAGER 6PK', '6.49', 'ALC', 'drinks', { age: 18 }],
  ['6001', 'Dish soap 500 ml', 'DISH SOAP', '1.89', 'STD', 'household'],
  ['6002', 'Kitchen towels 2 rolls', 'KITCHEN TOWEL', '2.59', 'STD', 'household'],
  ['7001', 'Paracetamol 500 mg x 16', 'PARACETAMOL', '1.49', 'MED', 'pharmacy', { age: 16 }],
  ['8001', 'AA batteries x 4', 'AA BATT 4PK', '4.29', 'STD', 'electrical'],
];

/** Demo stores and items for the embedded database; idempotent, so a restart keeps what is there. */
export async function seedDemoData(database: DatabaseEndpoint | string): Promise<{ stores: number; items: number }> {
  const endpoint = typeof database === 'string' ? DatabaseEndpoint.parse(database) : database;
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: await writerUrl(endpoint), max: 1 }) });
  try {
    const stores = [
      { tenantId: DEMO_TENANT, storeCode: 'S001', name: 'Demo High Street', currency: 'EUR' },
      { tenantId: DEMO_TENANT, storeCode: 'S002', name: 'Demo Station Kiosk', currency: 'EUR' },
    ];
    await prisma.store.createMany({ data: stores, skipDuplicates: true });
    const data = stores.flatMap((s) =>
      ITEMS.map(([itemCode, description, shortDescription, unitPrice, taxCode, categoryCode, extra]) => ({
        tenantId: s.tenantId,
        storeCode: s.storeCode,
        itemCode,
        description,
        shortDescription,
        unitPrice,
        taxCode,
        categoryCode,
        unitCost: (Number(unitPrice) * 0.62).toFixed(4),
        soldByWeight: extra?.weighed ?? false,
        minimumAge: extra?.age ?? null,
        barcode: extra?.barcode ?? null,
      })),
    );
    const { count } = await prisma.item.createMany({ data, skipDuplicates: true });
    return { stores: stores.length, items: count };
  } finally {
    await prisma.$disconnect();
  }
}
