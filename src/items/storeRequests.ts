import type { Store as StoreRow } from '../generated/prisma/client.ts';
import type { Store } from '../generated/proto/masterdata/v1/store_service.ts';
import type { StoreFieldsData } from './StoreRepository.ts';
import { checkKey, checkText, Violations } from './validation.ts';

// Store requests -> validated values, and store rows -> messages.

const CURRENCY = /^[A-Z]{3}$/;

export function tenantOf(v: Violations, tenantId: string): string {
  checkKey(v, 'tenant_id', tenantId);
  return tenantId;
}

export function storeFieldsOf(v: Violations, req: { name: string; currency: string }): StoreFieldsData {
  checkText(v, 'name', req.name, 200, true);
  if (req.currency === '') v.add('currency', 'is required (an ISO 4217 code such as "EUR")');
  else if (!CURRENCY.test(req.currency))
    v.add(
      'currency',
      `must be an ISO 4217 code of three upper-case letters such as "EUR" (got ${JSON.stringify(req.currency.slice(0, 8))})`,
    );
  return { name: req.name, currency: req.currency };
}

export function toStore(row: StoreRow): Store {
  return { tenantId: row.tenantId, storeCode: row.storeCode, name: row.name, currency: row.currency, createdAt: row.createdAt };
}

/** Store as kept with an idempotency record (JSON has no Date). */
export function storeToJson(store: Store): Record<string, unknown> {
  return { ...store, createdAt: store.createdAt?.toISOString() };
}

export function storeFromJson(json: unknown): Store {
  const j = json as Store & { createdAt?: string };
  return { ...j, createdAt: j.createdAt ? new Date(j.createdAt) : undefined };
}
