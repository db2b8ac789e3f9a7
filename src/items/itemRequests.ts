import { DomainError } from './DomainError.ts';
import type { ItemFields } from '../generated/proto/masterdata/v1/item_service.ts';
import type { ItemFieldsData, StoreKey } from './ItemRepository.ts';
import { checkCode, checkDecimal, checkKey, checkPattern, checkText, LIMITS, Violations } from './validation.ts';

// Request -> validated values. Nothing reaches a repository without passing through here.

export function storeKeyOf(v: Violations, req: { tenantId: string; storeCode: string }): StoreKey {
  checkKey(v, 'tenant_id', req.tenantId);
  checkKey(v, 'store_code', req.storeCode);
  return { tenantId: req.tenantId, storeCode: req.storeCode };
}

export function itemCodesOf(v: Violations, codes: readonly string[]): string[] {
  if (codes.length === 0) v.add('item_codes', 'is empty; give at least one item code');
  if (codes.length > LIMITS.batchItemCodes) {
    v.add('item_codes', `has ${codes.length} entries; at most ${LIMITS.batchItemCodes} are allowed per call, split the request`);
    return [];
  }
  codes.forEach((code, i) => checkCode(v, `item_codes[${i}]`, code));
  return [...new Set(codes)];
}

export function pageSizeOf(v: Violations, pageSize: number): number {
  if (pageSize > LIMITS.pageSizeMax) v.add('page_size', `is ${pageSize}; at most ${LIMITS.pageSizeMax} are allowed`);
  return pageSize === 0 ? LIMITS.pageSizeDefault : pageSize;
}

export function itemFieldsOf(v: Violations, fields: ItemFields | undefined): ItemFieldsData {
  if (!fields) {
    v.add('item', 'is required');
    return { description: '', shortDescription: '', unitPrice: '0', taxCode: '' };
  }
  checkPattern(v, 'item.barcode', fields.barcode, 'barcode', false);
  checkText(v, 'item.description', fields.description, 256, true);
  checkText(v, 'item.short_description', fields.shortDescription, 40, true);
  checkDecimal(v, 'item.unit_price', fields.unitPrice, true);
  checkDecimal(v, 'item.unit_cost', fields.unitCost, false);
  checkPattern(v, 'item.tax_code', fields.taxCode, 'tax', true);
  if (fields.categoryCode !== '') checkCode(v, 'item.category_code', fields.categoryCode);
  if (fields.minimumAge > 120) v.add('item.minimum_age', `is ${fields.minimumAge}; use 0 for none or an age up to 120`);
  return {
    barcode: fields.barcode || null,
    description: fields.description,
    shortDescription: fields.shortDescription,
    unitPrice: fields.unitPrice,
    unitCost: fields.unitCost || null,
    taxCode: fields.taxCode,
    categoryCode: fields.categoryCode || null,
    active: fields.active,
    discountable: fields.discountable,
    soldByWeight: fields.soldByWeight,
    minimumAge: fields.minimumAge === 0 ? null : fields.minimumAge,
  };
}

export function storeNotFound(key: StoreKey): DomainError {
  return new DomainError('not_found', `store "${key.storeCode}" of tenant "${key.tenantId}" is not registered`);
}

export function itemNotFound(key: StoreKey, itemCode: string): DomainError {
  return new DomainError('not_found', `item "${itemCode}" does not exist in store "${key.storeCode}" of tenant "${key.tenantId}"`);
}
