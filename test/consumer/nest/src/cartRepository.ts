import { Inject, Injectable, Scope } from '@nestjs/common';
import { PRICES, type Prices } from './prices';

/** The cart's tables as the repository sees them: the call's scoped client, or a global one. */
export const CART_DATA = Symbol('CART_DATA');
export interface CartLineRow {
  sku: string;
  quantity: number;
  priceCents: number;
}
export interface CartData {
  lines(): {
    upsert(args: {
      where: { requestId: string };
      create: { requestId: string; cartId: string; sku: string; quantity: number; priceCents: number };
      update: object;
    }): PromiseLike<unknown>;
    findMany(args: { where: { cartId: string }; orderBy: { addedAt: 'asc' } }): PromiseLike<CartLineRow[]>;
  };
}

export interface Cart {
  cart_id: string;
  lines: { sku: string; quantity: number; price_cents: number }[];
}

/** Built per request (as a request-scoped repository is), with its own prices client per request. */
@Injectable({ scope: Scope.REQUEST })
export class CartRepository {
  constructor(
    @Inject(PRICES) private readonly prices: Prices,
    @Inject(CART_DATA) private readonly data: CartData,
  ) {}

  async addLine(requestId: string, cartId: string, sku: string, quantity: number): Promise<Cart> {
    const priceCents = await this.prices(sku);
    // Keyed by request_id: run again after a lost COMMIT, it stores nothing twice.
    await this.data.lines().upsert({ where: { requestId }, create: { requestId, cartId, sku, quantity, priceCents }, update: {} });
    return this.get(cartId);
  }

  async get(cartId: string): Promise<Cart> {
    const lines = await this.data.lines().findMany({ where: { cartId }, orderBy: { addedAt: 'asc' } });
    return { cart_id: cartId, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, price_cents: l.priceCents })) };
  }
}
