import type { ItemServiceApi } from '../clients/ItemServiceApi.ts';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';

export interface QuoteLine {
  readonly itemCode: string;
  readonly quantity: number;
}

export interface PricedLine extends QuoteLine {
  readonly description: string;
  readonly unitPrice: string;
  readonly lineTotal: string;
}

/**
 * Request-scoped, as frameworks with per-request dependency injection build it: a new
 * instance per HTTP request. It holds an item-service client, never a channel.
 */
export class CartRepository {
  readonly #items: ItemServiceApi;
  readonly #timeoutMs: number;

  constructor(items: ItemServiceApi, timeoutMs: number) {
    this.#items = items;
    this.#timeoutMs = timeoutMs;
  }

  item(tenantId: string, storeCode: string, itemCode: string): Promise<ItemDetail> {
    return this.#items.getItemDetail({ tenantId, storeCode, itemCode }, { timeoutMs: this.#timeoutMs });
  }

  /** Prices a cart with one batch lookup; unknown codes come back separately. */
  async quote(
    tenantId: string,
    storeCode: string,
    lines: readonly QuoteLine[],
  ): Promise<{ lines: PricedLine[]; missing: string[]; total: string }> {
    const res = await this.#items.batchGetItemDetails(
      { tenantId, storeCode, itemCodes: lines.map((l) => l.itemCode) },
      { timeoutMs: this.#timeoutMs },
    );
    const byCode = new Map(res.items.map((i) => [i.itemCode, i]));
    let totalCents = 0n;
    const priced = lines.flatMap((line) => {
      const item = byCode.get(line.itemCode);
      if (!item) return [];
      const cents = toTenThousandths(item.unitPrice) * BigInt(line.quantity);
      totalCents += cents;
      return [{ ...line, description: item.shortDescription, unitPrice: item.unitPrice, lineTotal: fromTenThousandths(cents) }];
    });
    return { lines: priced, missing: res.missingItemCodes, total: fromTenThousandths(totalCents) };
  }
}

// Money as integer ten-thousandths (the DB scale), so no float ever touches a price.
function toTenThousandths(decimal: string): bigint {
  const [whole = '0', frac = ''] = decimal.split('.');
  return BigInt(whole) * 10_000n + BigInt(frac.padEnd(4, '0').slice(0, 4));
}

function fromTenThousandths(value: bigint): string {
  const whole = value / 10_000n;
  const frac = (value % 10_000n).toString().padStart(4, '0').slice(0, 2);
  return `${whole}.${frac}`;
}
