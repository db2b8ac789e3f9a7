import type { Item } from '../generated/prisma/client.ts';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';

/** "12.5000" -> "12.50", "0.1230" -> "0.123": exact, with at least two decimals. */
export function formatDecimal(value: { toFixed(dp: number): string }): string {
  return value.toFixed(4).replace(/(\.\d{2}\d*?)0+$/, '$1');
}

export function toItemDetail(item: Item): ItemDetail {
  return {
    tenantId: item.tenantId,
    storeCode: item.storeCode,
    itemCode: item.itemCode,
    barcode: item.barcode ?? '',
    description: item.description,
    shortDescription: item.shortDescription,
    unitPrice: formatDecimal(item.unitPrice),
    unitCost: item.unitCost === null ? '' : formatDecimal(item.unitCost),
    taxCode: item.taxCode,
    categoryCode: item.categoryCode ?? '',
    active: item.active,
    discountable: item.discountable,
    soldByWeight: item.soldByWeight,
    minimumAge: item.minimumAge ?? 0,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

/** ItemDetail as stored with an idempotency record (JSON has no Date). */
export function itemDetailToJson(detail: ItemDetail): Record<string, unknown> {
  return { ...detail, createdAt: detail.createdAt?.toISOString(), updatedAt: detail.updatedAt?.toISOString() };
}

export function itemDetailFromJson(json: unknown): ItemDetail {
  const j = json as ItemDetail & { createdAt?: string; updatedAt?: string };
  return { ...j, createdAt: j.createdAt ? new Date(j.createdAt) : undefined, updatedAt: j.updatedAt ? new Date(j.updatedAt) : undefined };
}
