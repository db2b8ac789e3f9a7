import type { ItemFields } from '../src/generated/proto/masterdata/v1/item_service.ts';

/** Valid item fields for tests and benchmarks: a plain 1.00 item, with whatever a caller overrides. */
export function itemFields(over: Partial<ItemFields> = {}): ItemFields {
  return {
    barcode: '',
    description: 'Test item',
    shortDescription: 'TEST',
    unitPrice: '1.00',
    unitCost: '',
    taxCode: 'STD',
    categoryCode: '',
    active: true,
    discountable: true,
    soldByWeight: false,
    minimumAge: 0,
    ...over,
  };
}
